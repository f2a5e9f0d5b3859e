"""core.accounting against a hand calculation (the numbers in the comments), and the bundled factors it loads."""

from datetime import UTC, datetime, timedelta

import pytest

from carbon_gui.core.accounting import (
    EmbodiedFigure,
    Utilisation,
    WaterFactors,
    account,
    offsite_water_intensity,
    power_range,
)
from carbon_gui.core.catalog import MachineOption, MachineType
from carbon_gui.core.energy import PowerCoefficients
from carbon_gui.core.errors import InputError
from carbon_gui.sources.reference import load_accounting_factors

MACHINE = MachineOption(MachineType("m-4", "m", vcpus=4, memory_gb=10, gpu_type="g", gpu_count=2))
COEFFICIENTS = PowerCoefficients({"m-4": (1.0, 5.0)}, (2.0, 3.0), memory_watts_per_gb=0.4, gpu_tdp_watts={"g": 100.0})
UTILISATION = Utilisation(cpu=0.5, cpu_low=0.25, cpu_high=1.0, gpu=1.0, gpu_low=0.5, gpu_high=1.0)
START = datetime(2026, 3, 1, 18, tzinfo=UTC)


def test_power_range_by_hand() -> None:
    power = power_range(MACHINE, COEFFICIENTS, UTILISATION)
    assert power.watts == pytest.approx(4 * (1 + 0.5 * 4) + 10 * 0.4 + 2 * 100)  # 216 W
    assert power.low == pytest.approx(4 * (1 + 0.25 * 4) + 4 + 2 * 100 * 0.5)  # 112 W
    assert power.high == pytest.approx(4 * 5 + 4 + 200)  # 224 W


def test_hour_by_hour_accounting_by_hand() -> None:
    power = power_range(MACHINE, COEFFICIENTS, UTILISATION)
    water = WaterFactors(1.1, {"hydro": 17.0, "gas": 1.0, "wind": 0.0}, "test factors")
    mix = {"hydro": 50.0, "gas": 50.0, "wind": 100.0, "battery discharge": 10.0, "coal": None}
    offsite = offsite_water_intensity(water, mix)
    assert offsite == pytest.approx((50 * 17 + 50 * 1) / 200)  # 4.5 L/kWh; unknown keys and nulls left out
    result = account(
        START, 2.5, [100, 200, 400], [80, 150, 300], [120, 260, 500], power, 1.2, ["test intensity"],
        embodied=EmbodiedFigure(1.6, 8, 96, 35040), water=water, offsite_water_l_per_kwh=offsite,
    )  # fmt: skip
    assert [r.hours for r in result.rows] == [1, 1, 0.5]
    assert [r.start for r in result.rows] == [START + timedelta(hours=k) for k in range(3)]
    assert result.energy_kwh == pytest.approx(216 * 1.2 * 2.5 / 1000)  # 0.648 kWh
    assert result.operational_kg == pytest.approx(216 * 1.2 / 1000 * (100 + 200 + 0.5 * 400) / 1000)  # 0.1296
    assert result.operational_low_kg == pytest.approx(112 * 1.2 / 1000 * (80 + 150 + 0.5 * 300) / 1000)
    assert result.operational_high_kg == pytest.approx(224 * 1.2 / 1000 * (120 + 260 + 0.5 * 500) / 1000)
    assert result.embodied_kg == pytest.approx(1600 * 2.5 / 35040 * 8 / 96)  # server kg x time share x vCPU share
    assert result.total_kg == pytest.approx(result.operational_kg + result.embodied_kg)
    assert result.water_l == pytest.approx(0.648 / 1.2 * (1.1 + 1.2 * 4.5))  # IT kWh x (WUE + PUE x EWIF)
    assert result.water_offsite_known
    assert result.label == "estimate"
    assert any("Cloud Carbon Footprint" in s for s in result.sources)


def test_without_a_power_mix_the_water_is_on_site_only_and_says_so() -> None:
    power = power_range(MACHINE, COEFFICIENTS, UTILISATION)
    water = WaterFactors(1.1, {"hydro": 17.0}, "test factors")
    result = account(START, 1, [100], [100], [100], power, 1.5, [], water=water)
    assert result.water_l == pytest.approx(216 / 1000 * 1.1)
    assert not result.water_offsite_known
    assert result.embodied_kg is None


def test_utilisation_outside_0_to_1_or_out_of_order_is_refused() -> None:
    with pytest.raises(InputError, match="CPU utilisation"):
        Utilisation(cpu=0.5, cpu_low=0.6)
    with pytest.raises(InputError, match="GPU utilisation"):
        Utilisation(gpu=1.2)


def test_the_bundled_factors_load() -> None:
    embodied, water = load_accounting_factors()
    n1 = embodied["n1-standard-8"]
    assert n1.machine_vcpus == 8 and n1.host_vcpus >= 8 and n1.lifespan_hours > 0
    assert water.wue_onsite_l_per_kwh > 0 and {"coal", "gas", "hydro", "wind", "solar"} <= set(water.ewif_l_per_kwh)
    assert "Macknick" in water.sources

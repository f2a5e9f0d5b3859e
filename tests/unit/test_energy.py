"""core.energy: machine power, run energy and emissions."""

import pytest

from carbon_gui.core.catalog import MachineOption, MachineType
from carbon_gui.core.energy import (
    DEFAULT_CPU_UTILISATION,
    PowerCoefficients,
    UnknownPower,
    emissions_kg,
    machine_power,
    run_energy_kwh,
)

COEFFS = PowerCoefficients(
    cpu_watts_per_vcpu={"x-8": (1.0, 5.0)},
    cpu_fallback=(2.0, 4.0),
    memory_watts_per_gb=0.4,
    gpu_tdp_watts={"gpu-a": 300.0, "gpu-t": 70.0},
)

X8 = MachineType("x-8", "x", vcpus=8, memory_gb=32.0, gpu_type=None, gpu_count=0)
OTHER = MachineType("y-4", "y", vcpus=4, memory_gb=10.0, gpu_type=None, gpu_count=0)
GPU2 = MachineType("x-8-2g", "x", vcpus=8, memory_gb=32.0, gpu_type="gpu-a", gpu_count=2)
QUARTER = MachineType("q-6", "q", vcpus=6, memory_gb=20.0, gpu_type="gpu-a", gpu_count=0.25)


def test_default_utilisation_is_half() -> None:
    assert DEFAULT_CPU_UTILISATION == 0.5
    assert COEFFS.cpu_utilisation == 0.5


def test_cpu_is_interpolated_at_the_utilisation_and_memory_is_per_gb() -> None:
    p = machine_power(MachineOption(X8), COEFFS)
    assert p.cpu_watts == pytest.approx(8 * 3.0)  # 1 + 0.5 x (5 - 1) = 3 W per vCPU
    assert p.memory_watts == pytest.approx(32 * 0.4)
    assert p.gpu_watts == 0.0
    assert p.total_watts == pytest.approx(24.0 + 12.8)


@pytest.mark.parametrize(("utilisation", "per_vcpu"), [(0.0, 1.0), (0.25, 2.0), (1.0, 5.0)])
def test_cpu_interpolation_follows_the_utilisation(utilisation: float, per_vcpu: float) -> None:
    coeffs = PowerCoefficients(
        COEFFS.cpu_watts_per_vcpu,
        COEFFS.cpu_fallback,
        COEFFS.memory_watts_per_gb,
        COEFFS.gpu_tdp_watts,
        cpu_utilisation=utilisation,
    )
    assert machine_power(MachineOption(X8), coeffs).cpu_watts == pytest.approx(8 * per_vcpu)


def test_unmapped_machine_uses_the_fallback() -> None:
    p = machine_power(MachineOption(OTHER), COEFFS)
    assert p.cpu_watts == pytest.approx(4 * 3.0)  # 2 + 0.5 x (4 - 2)
    assert p.memory_watts == pytest.approx(4.0)


def test_built_in_gpus_count_at_tdp_times_count() -> None:
    p = machine_power(MachineOption(GPU2), COEFFS)
    assert p.gpu_watts == pytest.approx(600.0)
    assert p.total_watts == pytest.approx(8 * 3.0 + 32 * 0.4 + 600.0)


def test_fractional_gpu_counts() -> None:
    assert machine_power(MachineOption(QUARTER), COEFFS).gpu_watts == pytest.approx(75.0)


@pytest.mark.parametrize("count", [1, 2, 4, 8])
def test_attached_gpus_are_counted(count: int) -> None:
    option = MachineOption(OTHER, attached_gpu="gpu-t", attached_gpu_count=count)
    assert option.gpu_type == "gpu-t"
    assert option.gpu_count == count
    p = machine_power(option, COEFFS)
    assert p.gpu_watts == pytest.approx(70.0 * count)
    assert p.total_watts == pytest.approx(12.0 + 4.0 + 70.0 * count)


def test_unknown_gpu_raises_unknown_power_naming_it() -> None:
    option = MachineOption(MachineType("z", "z", 4, 16.0, "gpu-mystery", 1))
    with pytest.raises(UnknownPower, match="gpu-mystery"):
        machine_power(option, COEFFS)
    option = MachineOption(OTHER, attached_gpu="gpu-nope", attached_gpu_count=1)
    with pytest.raises(UnknownPower, match="gpu-nope"):
        machine_power(option, COEFFS)


def test_run_energy_includes_pue() -> None:
    assert run_energy_kwh(500.0, 10.0, 1.0) == pytest.approx(5.0)
    assert run_energy_kwh(500.0, 10.0, 1.1) == pytest.approx(5.5)
    assert run_energy_kwh(106.0, 10.0, 1.1) == pytest.approx(1.166)
    assert run_energy_kwh(0.0, 10.0, 1.1) == 0.0


def test_emissions_in_kg() -> None:
    assert emissions_kg(5.5, 400.0) == pytest.approx(2.2)
    assert emissions_kg(1.166, 50.0) == pytest.approx(0.0583)
    assert emissions_kg(10.0, 0.0) == 0.0


def test_real_a2_highgpu_1g_power_and_run(reference) -> None:
    catalog = reference.catalog
    p = machine_power(catalog.machine_option("a2-highgpu-1g"), reference.power)
    # A2 runs on Cascade Lake in CCF (0.64..3.97 W/vCPU): 12 x 2.305 W; 85 GB x 0.392 W; one A100 at 400 W.
    assert p.cpu_watts == pytest.approx(12 * (0.64 + 0.5 * (3.97 - 0.64)))
    assert p.memory_watts == pytest.approx(85 * 0.392)
    assert p.gpu_watts == pytest.approx(400.0)
    region = catalog.region("us-central1")
    figure = catalog.carbon("us-central1", 2024)
    energy = run_energy_kwh(p.total_watts, 12.0, region.pue)
    assert energy == pytest.approx(460.98 * 12 * 1.11 / 1000)
    assert emissions_kg(energy, figure.intensity_gco2_kwh) == pytest.approx(2.534, abs=0.001)

"""Hour-by-hour accounting of a run: energy x each hour's intensity, summed, with a low-high range.

Every figure is an estimate. The range pairs the low ends (low power assumption x low intensity) and the high ends,
so it holds both the forecast's interval and the power assumptions. Power: core/energy.py's model (CCF vCPU min-max
at a utilisation, memory per GB, GPU at TDP x utilisation) x PUE. Embodied share (optional): Cloud Carbon
Footprint's method, the server's embodied emissions x the run's share of its lifetime x the machine's share of the
host's vCPUs. Water (rough): on-site WUE + PUE x the off-site water intensity of the power mix (Li et al.,
"Making AI Less Thirsty", arXiv:2304.03271), per kWh of IT energy.
"""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from carbon_gui.core.catalog import MachineOption
from carbon_gui.core.energy import PowerCoefficients, machine_power
from carbon_gui.core.errors import InputError

ESTIMATE_LABEL = "estimate"


@dataclass(frozen=True)
class Utilisation:
    """How hard the run drives the machine, 0..1: an expected value and the range the accounting spans."""

    cpu: float = 0.5  # CCF's average
    cpu_low: float = 0.25
    cpu_high: float = 0.9
    gpu: float = 1.0  # training keeps accelerators near full load
    gpu_low: float = 0.7
    gpu_high: float = 1.0

    def __post_init__(self) -> None:
        for low, mid, high, what in ((self.cpu_low, self.cpu, self.cpu_high, "CPU"),
                                     (self.gpu_low, self.gpu, self.gpu_high, "GPU")):  # fmt: skip
            if not (0.0 <= low <= mid <= high <= 1.0):
                raise InputError(
                    f"{what} utilisation must satisfy 0 <= low <= expected <= high <= 1, "
                    f"not {low:g} / {mid:g} / {high:g}: give fractions such as 0.25 / 0.5 / 0.9."
                )


@dataclass(frozen=True)
class PowerRange:
    """IT power of the machine and its GPUs, W: expected and the low-high range of the utilisation assumptions."""

    watts: float
    low: float
    high: float


def power_range(option: MachineOption, coefficients: PowerCoefficients, utilisation: Utilisation) -> PowerRange:
    def at(cpu: float, gpu: float) -> float:
        power = machine_power(option, dataclasses.replace(coefficients, cpu_utilisation=cpu))
        return power.cpu_watts + power.memory_watts + power.gpu_watts * gpu

    u = utilisation
    return PowerRange(at(u.cpu, u.gpu), at(u.cpu_low, u.gpu_low), at(u.cpu_high, u.gpu_high))


@dataclass(frozen=True)
class EmbodiedFigure:
    """CCF's embodied (scope 3) emissions of the server a machine type runs on."""

    server_tco2e: float
    machine_vcpus: int
    host_vcpus: int  # the largest machine of its series: CCF's stand-in for the host's vCPUs
    lifespan_hours: float  # CCF: 4 years


def embodied_kg(figure: EmbodiedFigure, hours: float) -> float:
    """The run's share of the server's embodied emissions: time share x vCPU share."""
    share = (hours / figure.lifespan_hours) * (figure.machine_vcpus / figure.host_vcpus)
    return figure.server_tco2e * 1000.0 * share


@dataclass(frozen=True)
class WaterFactors:
    """Litres per kWh: on-site WUE of the provider, and the water consumed per kWh generated, by fuel."""

    wue_onsite_l_per_kwh: float
    ewif_l_per_kwh: Mapping[str, float]  # power-mix source name (Electricity Maps' keys) -> L/kWh
    sources: str


def offsite_water_intensity(factors: WaterFactors, mix_mw: Mapping[str, float | None]) -> float | None:
    """Production-weighted water intensity of a power mix, L/kWh; None when no known source produces."""
    known = {k: v for k, v in mix_mw.items() if v is not None and v > 0 and k in factors.ewif_l_per_kwh}
    total = sum(known.values())
    if total <= 0:
        return None
    return sum(v * factors.ewif_l_per_kwh[k] for k, v in known.items()) / total


@dataclass(frozen=True)
class HourRow:
    start: datetime
    hours: float  # 1, or less for the run's last part-hour
    energy_kwh: float  # facility energy (PUE included), expected
    intensity: float  # gCO2e/kWh expected
    intensity_low: float
    intensity_high: float
    emissions_kg: float
    low_kg: float
    high_kg: float


@dataclass(frozen=True)
class Accounting:
    rows: tuple[HourRow, ...]
    energy_kwh: float
    energy_low_kwh: float
    energy_high_kwh: float
    operational_kg: float
    operational_low_kg: float
    operational_high_kg: float
    embodied_kg: float | None  # None: not asked for or no CCF figure for the machine
    water_l: float | None  # None: no WUE given
    water_offsite_known: bool  # False: the water is on-site only (no power mix to weigh the off-site part)
    sources: tuple[str, ...]
    label: str = ESTIMATE_LABEL

    @property
    def total_kg(self) -> float:
        return self.operational_kg + (self.embodied_kg or 0.0)


def account(
    start: datetime,
    run_hours: float,
    intensity: Sequence[float],
    intensity_low: Sequence[float],
    intensity_high: Sequence[float],
    power: PowerRange,
    pue: float,
    sources: Sequence[str],
    embodied: EmbodiedFigure | None = None,
    water: WaterFactors | None = None,
    offsite_water_l_per_kwh: float | None = None,
) -> Accounting:
    """Hour k of the intensity series stands for [start + k h, start + (k + 1) h); the run covers the first
    `run_hours` of it, its last hour in part."""
    slices = math.ceil(run_hours - 1e-9)
    if min(len(intensity), len(intensity_low), len(intensity_high)) < slices:
        raise ValueError(f"a {run_hours:g} h run needs {slices} hourly intensities")
    rows = []
    for k in range(slices):
        hours = min(1.0, run_hours - k)
        kwh = power.watts * hours * pue / 1000.0
        rows.append(HourRow(
            start=start + timedelta(hours=k),
            hours=hours,
            energy_kwh=kwh,
            intensity=intensity[k],
            intensity_low=intensity_low[k],
            intensity_high=intensity_high[k],
            emissions_kg=kwh * intensity[k] / 1000.0,
            low_kg=power.low * hours * pue / 1000.0 * intensity_low[k] / 1000.0,
            high_kg=power.high * hours * pue / 1000.0 * intensity_high[k] / 1000.0,
        ))  # fmt: skip
    energy = sum(r.energy_kwh for r in rows)
    it_energy = energy / pue
    water_l = None
    if water is not None:
        per_kwh = water.wue_onsite_l_per_kwh + pue * (offsite_water_l_per_kwh or 0.0)
        water_l = it_energy * per_kwh
    all_sources = [*sources]
    if embodied is not None:
        all_sources.append("embodied: Cloud Carbon Footprint coefficients (server embodied x time x vCPU share)")
    if water is not None:
        all_sources.append(f"water (rough): {water.sources}")
    return Accounting(
        rows=tuple(rows),
        energy_kwh=energy,
        energy_low_kwh=energy * power.low / power.watts if power.watts else 0.0,
        energy_high_kwh=energy * power.high / power.watts if power.watts else 0.0,
        operational_kg=sum(r.emissions_kg for r in rows),
        operational_low_kg=sum(r.low_kg for r in rows),
        operational_high_kg=sum(r.high_kg for r in rows),
        embodied_kg=None if embodied is None else embodied_kg(embodied, run_hours),
        water_l=water_l,
        water_offsite_known=offsite_water_l_per_kwh is not None,
        sources=tuple(all_sources),
    )

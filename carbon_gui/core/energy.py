"""Machine -> watts -> energy (kWh, PUE included) -> emissions (kg CO2e).

The power model follows Cloud Carbon Footprint: vCPU watts interpolated between the processor's
min and max at an assumed utilisation, memory at a fixed W per GB, and GPUs at their TDP (training
keeps accelerators near full load). Every result is an estimate and is labelled so.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from carbon_gui.core.catalog import MachineOption
from carbon_gui.core.provenance import Provenance

DEFAULT_CPU_UTILISATION = 0.5  # CCF's AVG_CPU_UTILIZATION_2020

POWER_PROVENANCE = Provenance(
    source="Cloud Carbon Footprint coefficients; accelerator TDPs (mlco2, Green Algorithms)",
    kind="modelled machine power: vCPU min-max at 50 % load, memory per GB, GPU at TDP",
    estimated=True,
    as_of="coefficients as published",
)


@dataclass(frozen=True)
class PowerCoefficients:
    cpu_watts_per_vcpu: Mapping[str, tuple[float, float]]  # machine type -> (min, max) W
    cpu_fallback: tuple[float, float]  # CCF median, for types without a processor mapping
    memory_watts_per_gb: float
    gpu_tdp_watts: Mapping[str, float]  # GCE accelerator type -> W per GPU
    cpu_utilisation: float = DEFAULT_CPU_UTILISATION


@dataclass(frozen=True)
class PowerEstimate:
    cpu_watts: float
    memory_watts: float
    gpu_watts: float

    @property
    def total_watts(self) -> float:
        return self.cpu_watts + self.memory_watts + self.gpu_watts


class UnknownPower(ValueError):
    """No power figure exists for a part of the machine (e.g. a GPU without a published TDP)."""


def machine_power(option: MachineOption, coefficients: PowerCoefficients) -> PowerEstimate:
    machine = option.machine
    low, high = coefficients.cpu_watts_per_vcpu.get(machine.name, coefficients.cpu_fallback)
    per_vcpu = low + coefficients.cpu_utilisation * (high - low)
    gpu_watts = 0.0
    if option.gpu_type:
        tdp = coefficients.gpu_tdp_watts.get(option.gpu_type)
        if tdp is None:
            raise UnknownPower(f"no published power figure for {option.gpu_type}")
        gpu_watts = tdp * option.gpu_count
    return PowerEstimate(
        cpu_watts=per_vcpu * machine.vcpus,
        memory_watts=coefficients.memory_watts_per_gb * machine.memory_gb,
        gpu_watts=gpu_watts,
    )


def run_energy_kwh(watts: float, hours: float, pue: float) -> float:
    """Facility energy of a run: IT power x time x PUE."""
    return watts * hours * pue / 1000.0


def emissions_kg(energy_kwh: float, intensity_gco2_kwh: float) -> float:
    return energy_kwh * intensity_gco2_kwh / 1000.0

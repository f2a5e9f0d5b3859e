"""This machine's power, for the estimate of a local run: its CPU's TDP from codecarbon's CPU power table (the
table codecarbon itself uses when it cannot read the CPU's energy counters), and its memory at codecarbon's 3 W per
8 GB. So a local run's estimate and codecarbon's measurement rest on the same table and can be compared."""

from dataclasses import dataclass
from functools import cache

from carbon_gui.core.accounting import PowerRange, Utilisation
from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.run_estimate import RunEstimate

RAM_WATTS_PER_GB = 3 / 8  # codecarbon's RAM model


@dataclass(frozen=True)
class LocalCpu:
    model: str
    tdp_w: float
    in_table: bool  # False: codecarbon's default power per thread (the model is not in its table)
    threads: int
    memory_gb: float

    def describe(self) -> str:
        how = "codecarbon's CPU power table" if self.in_table else "codecarbon's default per thread: not in its table"
        return f"{self.model}, TDP {self.tdp_w:g} W from {how}"


def detect_local_cpu() -> LocalCpu | None:
    """This machine's CPU as codecarbon sees it; None when codecarbon cannot tell its power."""
    import logging

    import psutil
    from codecarbon.core.cpu import TDP

    logging.getLogger("codecarbon").setLevel(logging.ERROR)  # its "unknown CPU" warning is said in describe()
    tdp = TDP()  # type: ignore[no-untyped-call]
    if not tdp.model or not tdp.tdp:
        return None
    # the same lookup TDP() made, to tell a table entry from codecarbon's per-thread default
    in_table = tdp._get_cpu_power_from_registry(tdp.model) is not None  # private: codecarbon has no public one
    memory_gb = psutil.virtual_memory().total / 1024**3
    return LocalCpu(str(tdp.model), float(tdp.tdp), in_table, psutil.cpu_count() or 1, memory_gb)


@cache
def this_machine() -> LocalCpu | None:
    """detect_local_cpu, once per process: codecarbon's lookup takes about a second and the CPU does not change."""
    return detect_local_cpu()


def local_power(cpu: LocalCpu, utilisation: Utilisation) -> PowerRange:
    """IT power of this machine: CPU TDP x load (expected, low, high) plus memory."""
    memory = cpu.memory_gb * RAM_WATTS_PER_GB
    return PowerRange(cpu.tdp_w * utilisation.cpu + memory, cpu.tdp_w * utilisation.cpu_low + memory,
                      cpu.tdp_w * utilisation.cpu_high + memory)  # fmt: skip


def local_run_estimate(cpu: LocalCpu, intensity: CarbonFigure) -> RunEstimate | None:
    """A local run's so-far estimate: this machine's expected power (no data-centre PUE) x the grid's intensity.
    Its planned length is not recorded for a local run (hours 0): only `so_far` means anything."""
    if intensity.intensity_gco2_kwh is None:
        return None
    watts = local_power(cpu, Utilisation()).watts
    return RunEstimate(0.0, watts, 1.0, intensity.intensity_gco2_kwh, intensity.provenance, usd_per_hour=None)

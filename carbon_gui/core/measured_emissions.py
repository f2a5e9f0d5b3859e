"""codecarbon's figures for a finished run, read from its emissions.csv, labelled with how they were obtained.

codecarbon does not always measure. Without hardware energy counters (RAPL on Linux, for example on most
VMs and containers) it ESTIMATES the CPU power from the CPU's TDP and load; the RAM power is always a model
of the memory size; only GPUs (through NVML) and CPUs with counters give readings. Its CSV does not say which
method it used for the CPU, so the generated task.py records it in codecarbon_methods.json.
Pure: the caller reads the files.
"""

import csv
import io
import json
from dataclasses import dataclass
from typing import Literal

from carbon_gui.core.errors import DataError

# codecarbon's CPU modes that read hardware energy counters; the others (cpu_load, constant) model the TDP
COUNTER_CPU_MODES = {
    "intel_rapl": "read from RAPL energy counters",
    "intel_power_gadget": "read from Intel Power Gadget",
    "windows_emi": "read from Windows energy meters",
    "apple_powermetrics": "read from powermetrics",
}
MODELLED_CPU_MODES = {
    "cpu_load": "ESTIMATED from the CPU's TDP × its load (no energy counters)",
    "constant": "ESTIMATED as a share of the CPU's TDP (no energy counters)",
}
_REQUIRED = ("duration", "emissions", "energy_consumed", "cpu_power", "gpu_power", "ram_power", "country_iso_code")


@dataclass(frozen=True)
class MeasuredEmissions:
    duration_s: float
    energy_kwh: float
    emissions_kg: float  # CO2e: energy × codecarbon's own average intensity for the country
    country_iso: str
    country_name: str
    cpu_power_w: float
    gpu_power_w: float
    ram_power_w: float
    cpu_model: str
    gpu_count: int
    gpu_model: str
    codecarbon_version: str
    cpu_mode: str  # codecarbon's CPU mode, "unknown" when it was not recorded

    @property
    def kind(self) -> Literal["estimated", "partly measured"]:
        """ "partly measured" when the CPU or a GPU gave readings; RAM is always modelled."""
        return "partly measured" if self.cpu_mode in COUNTER_CPU_MODES or self.gpu_count > 0 else "estimated"

    @property
    def cpu_method(self) -> str:
        known = COUNTER_CPU_MODES.get(self.cpu_mode) or MODELLED_CPU_MODES.get(self.cpu_mode)
        return known or f"method not recorded ({self.cpu_mode}): treat it as ESTIMATED"

    @property
    def source(self) -> str:
        """One line saying where every figure comes from, for the UI and exports."""
        gpu = f"GPU power read through NVML ({self.gpu_model})" if self.gpu_count else "no GPU"
        return (
            f"codecarbon {self.codecarbon_version}, offline — {self.kind}: CPU power {self.cpu_method}; "
            f"RAM power estimated from its size; {gpu}; CO₂e from codecarbon's yearly average intensity "
            f"for {self.country_name or self.country_iso}"
        )


def parse_emissions(csv_text: str, methods_json: str | None = None, where: str = "emissions.csv") -> MeasuredEmissions:
    """The last run in codecarbon's emissions.csv (it appends one row per run).

    `methods_json` is task.py's codecarbon_methods.json, when there is one. `where` names the file in errors.
    """
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    if not rows:
        raise DataError(f"{where} has no run in it: the training ended before codecarbon saved, see its output.")
    row = rows[-1]
    missing = [name for name in _REQUIRED if name not in row]
    if missing:
        raise DataError(f"{where} is not codecarbon's emissions file (no {', '.join(missing)} column).")
    try:
        return MeasuredEmissions(
            duration_s=float(row["duration"]),
            energy_kwh=float(row["energy_consumed"]),
            emissions_kg=float(row["emissions"]),
            country_iso=row["country_iso_code"],
            country_name=row.get("country_name") or "",
            cpu_power_w=float(row["cpu_power"]),
            gpu_power_w=float(row["gpu_power"] or 0),
            ram_power_w=float(row["ram_power"]),
            cpu_model=row.get("cpu_model") or "",
            gpu_count=int(float(row.get("gpu_count") or 0)),
            gpu_model=row.get("gpu_model") or "",
            codecarbon_version=row.get("codecarbon_version") or "unknown version",
            cpu_mode=_cpu_mode(methods_json),
        )
    except (TypeError, ValueError) as err:
        raise DataError(f"{where}, line {len(rows) + 1}: a figure is not a number ({err}).") from None


def _cpu_mode(methods_json: str | None) -> str:
    if methods_json is None:
        return "unknown"
    try:
        mode = json.loads(methods_json).get("cpu_mode")
    except (ValueError, AttributeError):
        return "unknown"
    return mode if isinstance(mode, str) else "unknown"

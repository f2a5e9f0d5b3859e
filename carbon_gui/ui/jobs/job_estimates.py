"""The estimate of a local run, from this machine's CPU (codecarbon's power table, as `carbon-gui report` uses)
and its region's grid intensity, so the Jobs tab shows it beside codecarbon's measurement; and the intensity a
running job's so-far figure uses: the latest live value the window re-fetched, when it has a fresh one.

Finding the CPU imports codecarbon (about a second): `find_this_machine` runs once, on the pool; until it returns
a local run's snapshot has no LocalEstimate and the tab says "estimating…". Pure data here, no Qt."""

import json
import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from carbon_gui.core.accounting import Utilisation
from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.live_carbon import latest_figure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import GridSignal
from carbon_gui.jobs.local_power import RAM_WATTS_PER_GB, LocalCpu, local_run_estimate
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot, LocalEstimate


@dataclass(frozen=True)
class ThisMachine:
    cpu: LocalCpu | None  # None: codecarbon cannot tell its power
    yearly: Mapping[str, CarbonFigure]  # region -> Google's latest yearly figure


def find_this_machine() -> ThisMachine:
    """On the pool: this machine's CPU (once per process) and the regions' yearly intensities."""
    from carbon_gui.jobs.local_power import this_machine
    from carbon_gui.sources.reference import load_reference

    catalog = load_reference().catalog
    return ThisMachine(this_machine(), catalog.carbon_by_year[catalog.latest_carbon_year])


def local_estimate(region: str, machine: ThisMachine | str) -> LocalEstimate:
    """The estimate of a local run charged to `region`'s grid; `machine` is a message when it could not be found."""
    if isinstance(machine, str):
        return LocalEstimate(None, f"No estimate: this machine's CPU power could not be found ({machine}).")
    cpu = machine.cpu
    if cpu is None:
        return LocalEstimate(None, "No estimate: codecarbon cannot tell this machine's CPU power.")
    intensity = machine.yearly.get(region)
    estimate = local_run_estimate(cpu, intensity) if intensity is not None else None
    if estimate is None:
        return LocalEstimate(None, f"No estimate: no yearly grid intensity for {region}.", cpu.model)
    basis = (f"this machine's CPU ({cpu.describe()}) at {Utilisation().cpu:.0%} load, and its "
             f"{cpu.memory_gb:.0f} GB of memory at codecarbon's {RAM_WATTS_PER_GB * 8:g} W per 8 GB")  # fmt: skip
    return LocalEstimate(estimate, basis, cpu.model)


def with_local_estimates(snapshots: tuple[JobSnapshot, ...], machine: ThisMachine | str) -> tuple[JobSnapshot, ...]:
    return tuple(replace(s, local=local_estimate(s.record.region, machine)) if s.is_local else s for s in snapshots)


STALE_MARK = "STALE"  # how core.live_carbon marks a kept or too old value in its as_of


def live_intensity(signal: GridSignal | None, now: datetime, stale_after_s: float) -> CarbonFigure | None:
    """The latest value of a live signal for a running job's estimate; None for the 2024 replay (not re-fetched),
    a stale value or none: the estimate then keeps the intensity it had."""
    if signal is None or signal.is_replay:
        return None
    figure = latest_figure(signal, now, stale_after_s)
    if isinstance(figure, str) or STALE_MARK in figure[1].as_of:
        return None
    return CarbonFigure(figure[0], None, figure[1])


KeptHours = MutableMapping[str, dict[datetime, CarbonFigure]]  # job id -> clock hour -> the live value seen in it


def kept_hours_json(hours: Sequence[tuple[datetime, CarbonFigure]]) -> str:
    """The hours seen, as the ledger keeps them (jobs.live_hours)."""
    return json.dumps([{"hour": hour.isoformat(), "gco2_kwh": figure.intensity_gco2_kwh,
                        "provenance": asdict(figure.provenance)} for hour, figure in hours])  # fmt: skip


def read_kept_hours(text: str | None) -> dict[datetime, CarbonFigure]:
    """The hours the ledger kept; none when the value cannot be read (an estimate's input only: the job itself is
    fine, and the hours seen from now on are kept again)."""
    try:
        hours = {}
        for entry in json.loads(text or "[]"):
            hour, value = datetime.fromisoformat(entry["hour"]), float(entry["gco2_kwh"])
            if hour.tzinfo is None or not math.isfinite(value) or value < 0:
                return {}
            hours[hour] = CarbonFigure(value, None, Provenance(**entry["provenance"]))
        return hours
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def with_live_intensities(
    snapshots: tuple[JobSnapshot, ...], intensity: Callable[[str], CarbonFigure | None], kept: KeptHours,
    now: datetime,
) -> tuple[JobSnapshot, ...]:  # fmt: skip
    """Running jobs get their region's latest live intensity (`intensity` region -> figure or None), and every
    value seen while they run, kept per clock hour in `kept` (the latest of each hour), for the hourly estimate.
    A job not in `kept` yet starts from the hours its ledger record kept (seen before a restart); an ended job
    keeps the hours seen while it ran."""

    def live(snapshot: JobSnapshot) -> JobSnapshot:
        hours = kept.get(snapshot.id)
        if hours is None:
            hours = kept[snapshot.id] = read_kept_hours(snapshot.record.live_hours)
        if not snapshot.is_active:
            return replace(snapshot, live_hours=tuple(sorted(hours.items()))) if hours else snapshot
        figure = intensity(snapshot.record.region)
        if figure is not None and figure.intensity_gco2_kwh is not None:
            hours[now.replace(minute=0, second=0, microsecond=0)] = figure
        return replace(snapshot, live_intensity=figure, live_hours=tuple(sorted(hours.items())))

    return tuple(map(live, snapshots))


def hours_to_keep(snapshots: tuple[JobSnapshot, ...]) -> dict[str, str]:
    """job id -> the hours to write to the ledger, for the running jobs whose record does not hold them yet."""
    due = {}
    for snapshot in snapshots:
        if snapshot.is_active and snapshot.live_hours:
            text = kept_hours_json(snapshot.live_hours)
            if text != snapshot.record.live_hours:
                due[snapshot.id] = text
    return due

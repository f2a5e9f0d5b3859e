"""A report on one job of the ledger: its hour-by-hour accounting, what the alternatives would have emitted,
codecarbon's measurement where there is one, and a sentence for a paper's methods section.

The run: from the job's first running (or queued) state to its end; a job that has not run yet is taken at its
scheduled start (or now) with the run length the user gave. The hours and alternatives come from
time_planning.plan_when made at the job's decision time (when it was launched or scheduled) on the bundled hourly
data, or with live signals (`report --live`) on the provider's history before the decision and its forecast. The
intensity per hour: for a job that has ended, the values recorded for those hours: the live history's when it covers
the run, else, in a zone the bundled data covers, 2024 replayed on today's time axis, as the plan does (observed, not
forecast); otherwise what the plan expected (the provider's forecast, the own forecaster on the history before the
decision, or Google's yearly figure, flat). The source is always labelled.
The accounting is time_planning.account_window for the job's start hour. A local run is charged to its
region's grid with this machine's CPU (codecarbon's CPU power table) and no data-centre PUE.
Alternatives: starting at the decision time in the same region, the best start there before the deadline, and
starting at the decision time in the region ranked first on Google's yearly figures; each says where its hours came
from (`report --live` fetches both regions: report_regions). Every figure is an estimate.
"""

import csv
import dataclasses
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from carbon_gui.cloud.ledger import JobRecord, StateChange
from carbon_gui.core.accounting import Accounting, PowerRange, Utilisation
from carbon_gui.core.errors import InputError
from carbon_gui.core.forecast import MAX_HORIZON_HOURS
from carbon_gui.core.job_states import SCHEDULED, is_terminal
from carbon_gui.core.measured_emissions import MeasuredEmissions
from carbon_gui.core.run_estimate import RunEstimate
from carbon_gui.core.scoring import Constraints, rank
from carbon_gui.core.shifting import Window
from carbon_gui.core.signals import GridSignal
from carbon_gui.core.weights import parse_weights
from carbon_gui.jobs.local_power import LocalCpu, local_power
from carbon_gui.jobs.request import LOCAL
from carbon_gui.planning import PlanRequest, assess_request
from carbon_gui.sources.places import default_location
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import GridHistory
from carbon_gui.time_planning import HourlyIntensity, RegionWhen, TimePlan, account_window, plan_when, replay_moment

if TYPE_CHECKING:
    from carbon_gui.jobs.service import JobService

MIN_WINDOW = timedelta(hours=24)  # the alternatives' start window when the job had no deadline
UNKNOWN_LENGTH_H = 1.0  # a job that never ran and whose planned length is not recorded is reported over 1 h


@dataclass(frozen=True)
class Alternative:
    what: str  # "start at the decision time in the same region", ...
    region: str
    start: datetime
    accounting: Accounting
    source: str  # where its hourly intensity came from (its region's series)


@dataclass(frozen=True)
class Curve:
    """One region's hourly intensity over the plan's hours, for the plot."""

    region: str
    times: tuple[datetime, ...]  # the start of each hour
    expected: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    source: str


@dataclass(frozen=True)
class JobReport:
    job: JobRecord
    start: datetime  # the hour the accounting starts (the run's start, to the hour)
    run_hours: float
    run_basis: str  # "as it ran" or "the run length given at launch"
    decision_time: datetime
    accounting: Accounting  # the job's run
    intensity_source: str
    power: PowerRange  # the IT power the accounting used
    power_basis: str
    alternatives: tuple[Alternative, ...]
    curves: tuple[Curve, ...]  # the job's region first
    measured: MeasuredEmissions | None
    local_cpu: LocalCpu | None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.run_hours)

    def methods(self) -> str:
        """One paragraph fit for a paper's methods section."""
        a, job = self.accounting, self.job
        hardware = job.machine_type + (f" with {job.accelerator_count} x {job.accelerator_type}"
                                       if job.accelerator_type else "")  # fmt: skip
        where = f"on this machine (charged to the grid of {job.region})" if job.target == LOCAL else f"in {job.region}"
        text = (
            f"The training run ({job.id}, {hardware}) ran {where} from {self.start:%Y-%m-%d %H:%M} to "
            f"{self.end:%Y-%m-%d %H:%M} UTC ({self.run_hours:.3g} h). Its energy, {a.energy_kwh:.3g} kWh "
            f"(range {a.energy_low_kwh:.3g}-{a.energy_high_kwh:.3g}), was estimated from {self.power_basis}; "
            f"multiplied hour by hour by the grid's carbon intensity ({self.intensity_source}) it gives an "
            f"estimated {a.operational_kg:.3g} kg CO₂e (range {a.operational_low_kg:.3g}-{a.operational_high_kg:.3g}), "
            f"computed with carbon-gui's hourly accounting."
        )
        for alt in self.alternatives:
            data = "" if alt.source == self.intensity_source else f"; hourly data: {alt.source}"
            text += (f" Had it started {alt.start:%Y-%m-%d %H:%M} UTC in {alt.region} ({alt.what}{data}), it would "
                     f"have emitted an estimated {alt.accounting.operational_kg:.3g} kg CO₂e.")  # fmt: skip
        if self.measured is not None:
            m = self.measured
            text += (f" codecarbon {m.codecarbon_version} measured {m.energy_kwh:.3g} kWh and {m.emissions_kg:.3g} kg "
                     f"CO₂e ({m.kind}; its own yearly intensity for {m.country_name}).")  # fmt: skip
        return text


def run_span(job: JobRecord, history: list[StateChange], now: datetime) -> tuple[datetime, float, str]:
    """The run's start, length in hours and how the length is known."""
    started = next((c.at for c in history if c.state == "running"), None)
    started = started or next((c.at for c in history if c.state in ("queued", "pending")), None)
    asked = requested_hours(job)
    if started is None:
        start = job.scheduled_for if job.state == SCHEDULED and job.scheduled_for else now
        if asked is None:
            return start, UNKNOWN_LENGTH_H, f"{UNKNOWN_LENGTH_H:g} h, a stand-in: its run length was not recorded"
        return start, asked, "the run length given at launch (it has not run)"
    if is_terminal(job.state) and job.ended_at is not None:
        return started, _to_minute(job.ended_at - started), "as it ran"
    if asked is None:  # an immediate local run records no planned length
        return started, _to_minute(now - started), "as it ran so far (it is still running)"
    return started, asked, "the run length given at launch (it is still running)"


def _to_minute(span: timedelta) -> float:
    """Hours, to the minute, at least one minute."""
    return max(round(span.total_seconds() / 60), 1) / 60


def requested_hours(job: JobRecord) -> float | None:
    """The run length given at launch, where the ledger has it (a local run started at once records none)."""
    if job.estimate_json:
        return RunEstimate.from_dict(json.loads(job.estimate_json)).hours
    if job.launch_json:
        return float(json.loads(job.launch_json)["request"]["hours"])
    return None


def _local_when(where: RegionWhen, power: PowerRange, plan: TimePlan) -> tuple[TimePlan, RegionWhen]:
    """The plan and region as this machine sees them: its own power, no data-centre overhead (PUE 1)."""
    region = dataclasses.replace(where.facts.region, pue=1.0)
    return dataclasses.replace(plan, power=power), dataclasses.replace(where, facts=dataclasses.replace(
        where.facts, region=region))  # fmt: skip


def _window(plan: TimePlan, where: RegionWhen, start_h: int) -> Window:
    """The plan's window of `where` starting `start_h` hours after its grid start."""
    assert where.now is not None  # a region with a series always has its first window
    index = where.now.region
    shift = plan.shift
    return Window(index, start_h, float(shift.emissions_kg[index, start_h]), float(shift.low_kg[index, start_h]),
                  float(shift.high_kg[index, start_h]))  # fmt: skip


def _plan_request(job: JobRecord, hours: float) -> PlanRequest:
    return PlanRequest(job.machine_type, hours, default_location(), None, job.accelerator_type,
                       job.accelerator_count or 1)  # fmt: skip


def _compared_regions(reference: ReferenceData, job: JobRecord, request: PlanRequest) -> tuple[str, ...]:
    """The job's region, and the region ranked first on Google's yearly figures when it is another."""
    yearly = rank(assess_request(reference, request), parse_weights("carbon=1"), Constraints())
    top = next((s.name for s in yearly.ranked), job.region)
    return (job.region,) if top == job.region else (job.region, top)


def report_regions(service: "JobService", job_id: str, now: datetime | None = None) -> tuple[str, ...]:
    """The regions a report on the job compares (for `report --live` to fetch them all)."""
    from carbon_gui.sources.reference import load_reference

    job = service.job(job_id)
    hours = run_span(job, service.ledger.history(job_id), now or datetime.now(UTC))[1]
    return _compared_regions(load_reference(), job, _plan_request(job, hours))


def build_report(
    reference: ReferenceData,
    history: GridHistory,
    job: JobRecord,
    states: list[StateChange],
    local_cpu: LocalCpu | None = None,
    now: datetime | None = None,
    signals: Mapping[str, GridSignal] | None = None,  # region -> live signal (None: the bundled data only)
) -> JobReport:
    now = now or datetime.now(UTC)
    start, hours, basis = run_span(job, states, now)
    decision = min(job.created_at, start)
    deadline = _deadline(job, decision, start + timedelta(hours=hours))
    request = _plan_request(job, hours)
    weights, constraints = parse_weights("carbon=1"), Constraints()
    regions = _compared_regions(reference, job, request)
    plan = plan_when(reference, request, deadline, weights, constraints, decision, regions, signals, history)
    start_h = min(max(0, math.floor((start - plan.grid_start).total_seconds() / 3600)), plan.shift.starts_h[-1])
    if is_terminal(job.state) and basis == "as it ran":  # the hours are past: what the grid did, where known
        slices = math.ceil(hours - 1e-9)

        def seen(w: RegionWhen) -> RegionWhen:  # the job's own hours in its region, the decision's elsewhere
            first = int(start_h) if w.facts.region.name == job.region else 0
            return _observed(w, plan, history, range(first, first + slices))

        plan = dataclasses.replace(plan, regions=tuple(seen(w) for w in plan.regions),
                                   top_yearly=plan.top_yearly and seen(plan.top_yearly))  # fmt: skip
    where = next((w for w in plan.regions if w.facts.region.name == job.region), None)
    if where is None or where.now is None:
        why = dict(plan.excluded).get(job.region, "no hourly data")
        raise InputError(f"No report for {job.id}: its region {job.region} cannot be accounted ({why}).")

    power_basis = "the machine type's power (Cloud Carbon Footprint coefficients, GPU TDP x utilisation) x PUE"
    job_plan, job_where = plan, where
    if job.target == LOCAL:
        if local_cpu is None:
            raise InputError(f"No report for {job.id}: this machine's CPU power is unknown (codecarbon found none).")
        job_plan, job_where = _local_when(where, local_power(local_cpu, Utilisation()), plan)
        power_basis = f"this machine's CPU ({local_cpu.describe()}) at 25-90 % load, and its memory"

    accounting = account_window(job_plan, job_where, _window(plan, where, int(start_h)))

    alternatives = []
    here = where.series.source
    best_at_once = where.best is not None and where.best.start_h == where.now.start_h
    if start_h != 0:  # it did not start at once: what starting at once would have emitted
        what = "starting at the decision time in the same region" + (", its best start there" if best_at_once else "")
        alternatives.append(Alternative(what, job.region, decision, account_window(job_plan, job_where, where.now),
                                        here))  # fmt: skip
    if where.best is not None and where.best.start_h != start_h and not best_at_once:  # said once, not twice
        alternatives.append(Alternative("its best start there before the deadline", job.region,
                                        plan.start_time(where.best), account_window(job_plan, job_where, where.best),
                                        here))  # fmt: skip
    top_when = plan.top_yearly
    if top_when is not None and top_when.now is not None and top_when.facts.region.name != job.region:
        alternatives.append(Alternative("starting at the decision time in the region ranked first on yearly data",
                                        top_when.facts.region.name, decision,
                                        account_window(plan, top_when, top_when.now), top_when.series.source))
    measured = None
    if job.measured:
        measured = MeasuredEmissions(**json.loads(job.measured))
    return JobReport(
        job=job,
        start=accounting.rows[0].start,
        run_hours=hours,
        run_basis=basis,
        decision_time=decision,
        accounting=accounting,
        intensity_source=where.series.source,
        power=job_plan.power,
        power_basis=power_basis,
        alternatives=tuple(alternatives),
        curves=tuple(_curve(plan, w) for w in sorted(plan.regions, key=lambda w: w.facts.region.name != job.region)),
        measured=measured,
        local_cpu=local_cpu,
    )


def observed_series(history: GridHistory, zone: str, grid_start: datetime, hours: int) -> HourlyIntensity | None:
    """The bundled data's recorded values for `hours` hours from `grid_start` (replayed: same date and hour of the
    bundled year, as time_planning does); None when the zone is not covered or a value is missing."""
    if zone not in history.zones:
        return None
    first = history.hour_of(replay_moment(grid_start))
    values = history.series(zone)[first : first + hours]
    if first < 0 or len(values) < hours or not np.isfinite(values).all():
        return None
    label = (f"Electricity Maps hourly data recorded for these hours of {replay_moment(grid_start):%Y} (bundled, "
             "replayed on today's time axis; observed, not forecast)")  # fmt: skip
    return HourlyIntensity(values, values, values, label)


def live_observed(
    signal: GridSignal, series: HourlyIntensity, grid_start: datetime, run: range
) -> HourlyIntensity | None:
    """The plan's series with the hours a live signal's history recorded put in; None unless it recorded every hour
    of `run` (hour indices from `grid_start`)."""
    sums, counts = np.zeros(len(series.expected)), np.zeros(len(series.expected))
    for point in signal.history:
        k = math.floor((point.time - grid_start).total_seconds() / 3600)
        if point.value is not None and 0 <= k < len(sums):
            sums[k] += point.value
            counts[k] += 1
    if run.stop > len(counts) or not all(counts[k] for k in run):
        return None
    known = counts > 0
    values = np.where(known, sums / np.maximum(counts, 1), np.nan)
    last = grid_start + timedelta(hours=int(np.flatnonzero(known)[-1]))
    label = (f"{signal.source} history recorded for these hours (live; observed, not forecast; up to "
             f"{last:%Y-%m-%d %H:00} UTC, later hours: {series.source})")  # fmt: skip
    return HourlyIntensity(np.where(known, values, series.expected), np.where(known, values, series.low),
                           np.where(known, values, series.high), label)  # fmt: skip


def _observed(where: RegionWhen, plan: TimePlan, history: GridHistory, run: range) -> RegionWhen:
    """The hours as recorded: the live history where it covers `run`, else the bundled data's, else as planned."""
    series = None if where.signal is None else live_observed(where.signal, where.series, plan.grid_start, run)
    if series is None:
        series = observed_series(history, where.facts.region.grid_zone, plan.grid_start, len(where.series.expected))
    return where if series is None else dataclasses.replace(where, series=series)


def _deadline(job: JobRecord, decision: datetime, end: datetime) -> datetime:
    """The job's own deadline when it was scheduled for the best start, else a day after the decision; always
    late enough for the run as it ran, and within the forecaster's reach."""
    deadline = decision + MIN_WINDOW
    if job.launch_json:
        given = json.loads(job.launch_json).get("deadline")
        deadline = datetime.fromisoformat(given) if given else deadline
    deadline = max(deadline, end + timedelta(hours=1))
    if deadline - decision > timedelta(hours=MAX_HORIZON_HOURS):
        raise InputError(f"No report for {job.id}: it ran more than {MAX_HORIZON_HOURS} h after it was launched.")
    return deadline


def _curve(plan: TimePlan, where: RegionWhen) -> Curve:
    series = where.series
    times = tuple(plan.grid_start + timedelta(hours=k) for k in range(len(series.expected)))

    def values(array: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in array)

    return Curve(where.facts.region.name, times, values(series.expected), values(series.low), values(series.high),
                 series.source)  # fmt: skip


def report_dict(report: JobReport) -> dict[str, Any]:
    """The report as JSON-ready values (times ISO 8601 UTC)."""
    job = report.job

    def iso(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def accounting(a: Accounting) -> dict[str, Any]:
        return {
            "energy_kwh": a.energy_kwh, "energy_low_kwh": a.energy_low_kwh, "energy_high_kwh": a.energy_high_kwh,
            "emissions_kgco2e": a.operational_kg, "low": a.operational_low_kg, "high": a.operational_high_kg,
        }  # fmt: skip

    return {
        "estimate": True,
        "job": {"id": job.id, "target": job.target, "region": job.region, "machine_type": job.machine_type,
                "accelerator_type": job.accelerator_type, "accelerator_count": job.accelerator_count,
                "state": job.state},
        "start": iso(report.start),
        "end": iso(report.end),
        "hours": report.run_hours,
        "hours_basis": report.run_basis,
        "decision_time": iso(report.decision_time),
        "intensity_source": report.intensity_source,
        "power_watts": {"expected": report.power.watts, "low": report.power.low, "high": report.power.high,
                        "basis": report.power_basis},
        **accounting(report.accounting),
        "sources": list(report.accounting.sources),
        "hourly": [hour_dict(r, iso) for r in report.accounting.rows],
        "alternatives": [{"what": a.what, "region": a.region, "start": iso(a.start), **accounting(a.accounting),
                          "source": a.source} for a in report.alternatives],
        "measured": None if report.measured is None else dataclasses.asdict(report.measured),
        "local_cpu": None if report.local_cpu is None else dataclasses.asdict(report.local_cpu),
        "methods": report.methods(),
    }


HOURLY_COLUMNS = ("start", "hours", "energy_kwh", "intensity_gco2_kwh", "intensity_low", "intensity_high",
                  "emissions_kgco2e", "low", "high")  # fmt: skip
CSV_COLUMNS = (*HOURLY_COLUMNS, "intensity_source")  # the CSV has no other place to say where the hours came from


def hour_dict(row: Any, iso: Any) -> dict[str, Any]:
    values = (iso(row.start), row.hours, row.energy_kwh, row.intensity, row.intensity_low, row.intensity_high,
              row.emissions_kg, row.low_kg, row.high_kg)  # fmt: skip
    return dict(zip(HOURLY_COLUMNS, values, strict=True))


def report_for(service: "JobService", job_id: str, signals: Mapping[str, GridSignal] | None = None) -> JobReport:
    """The report on a job of the service's ledger (the live `signals` where given, the bundled hourly data; this
    machine's CPU for a local run)."""
    from carbon_gui.jobs.local_power import this_machine
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.sources.replay import load_hourly_history

    job = service.job(job_id)
    cpu = this_machine() if job.target == LOCAL else None
    return build_report(load_reference(), load_hourly_history(), job, service.ledger.history(job_id), cpu,
                        signals=signals)  # fmt: skip


def render(report: JobReport, fmt: str) -> str:
    """The report as text, JSON or CSV."""
    values = report_dict(report)
    if fmt == "json":
        return json.dumps(values, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(hour | {"intensity_source": values["intensity_source"]} for hour in values["hourly"])
        return out.getvalue()
    lines = [
        f"{values['job']['id']}: {values['start']} to {values['end']} ({values['hours']:.3g} h, "
        f"{values['hours_basis']}), {values['job']['region']}",
        f"Estimate: {values['energy_kwh']:.3g} kWh, {values['emissions_kgco2e']:.3g} kg CO₂e "
        f"(range {values['low']:.3g}–{values['high']:.3g})",
    ]
    lines += [f"  {a['what']} ({a['region']}, {a['start']}): {a['emissions_kgco2e']:.3g} kg CO₂e; hourly data: "
              f"{a['source']}" for a in values["alternatives"]]  # fmt: skip
    lines.append(f"Hourly data: {values['intensity_source']}")
    measured = values["measured"]
    if measured is None:
        lines.append("codecarbon: no measurement")
    else:
        lines.append(f"codecarbon measured: {measured['energy_kwh']:.3g} kWh, {measured['emissions_kg']:.3g} kg CO₂e")
    lines += ["", values["methods"], ""]
    return "\n".join(lines)

"""When and where to run: per-region hourly intensity series from the best data at hand, then core.shifting.

The candidate regions are the planner's (planning.assess_request + scoring.rank, so rules and limits apply). Each gets
an hourly series (expected, low, high) from the decision hour to the deadline, from the first of:
1. the provider's forecast in a live signal (no interval: low = high = expected), hours it lacks from 2. or 3.;
2. the own forecaster (core.forecast) on the history: a live signal's history, else the bundled 2021-2024 hourly
   data up to the replayed moment (now mapped onto 2024 as the replay does: same month, day and hour), placed on
   today's time axis;
3. Google's yearly figure as a flat series with a wide, assumed band, for regions with no hourly data.
The best (region, start) is then ranked with the planner's weights, the region's carbon being the emissions at its
best start. Every figure is an estimate and each series says where it comes from.

Fitted forecasters are kept in MODELS for the life of the process (one fit per zone per day, core.forecast), so a
re-plan only predicts: the window re-plans whenever its inputs change.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from carbon_gui.core.accounting import (
    Accounting,
    EmbodiedFigure,
    PowerRange,
    Utilisation,
    WaterFactors,
    account,
    offsite_water_intensity,
    power_range,
)
from carbon_gui.core.errors import InputError
from carbon_gui.core.forecast import MAX_HORIZON_HOURS, ModelCache, forecast
from carbon_gui.core.scoring import Assessment, Constraints, RegionFacts, rank
from carbon_gui.core.shifting import ShiftPlan, Window, plan_shift, savings, series_hours
from carbon_gui.core.signals import GridSignal, SignalKind
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, assess_request, machine_option
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import REPLAY_YEAR, GridHistory

HISTORY_HOURS = 24 * (365 + 60 + 8)  # what the own forecaster fits on: a year, its calibration days, the lookback
YEARLY_BAND = 0.3  # assumed +-30 % around a flat yearly figure: hours vary that much on most grids
MODELS = ModelCache()  # the own forecaster's fitted models, shared by every plan of this process
# how plan_when's "no data" problems begin: on live data each front end adds how to plan on the bundled data instead
NO_HOURLY_DATA = "No region has hourly data to plan with"
NOT_COVERED = "No region has hourly data covering"
Progress = Callable[[int, int], None]  # (regions done, regions in all); may raise to cancel the plan


@dataclass(frozen=True)
class HourlyIntensity:
    expected: np.ndarray  # gCO2e/kWh per hour from the decision hour
    low: np.ndarray
    high: np.ndarray
    source: str  # "provider forecast …", "own forecast from N days of history …", "Google yearly …"


@dataclass(frozen=True)
class RegionWhen:
    facts: RegionFacts
    series: HourlyIntensity
    best: Window | None
    now: Window | None
    signal: GridSignal | None = None  # the live signal, for its power mix


@dataclass(frozen=True)
class TimePlan:
    decision_time: datetime  # "now": a start at hour 0 starts here
    grid_start: datetime  # the decision hour; hour k of every series is [grid_start + k h, + 1 h)
    deadline: datetime
    run_hours: float
    power: PowerRange
    regions: tuple[RegionWhen, ...]  # in the order of the weighted ranking at each region's best start
    best: RegionWhen | None
    top_yearly: RegionWhen | None  # the region ranked first on Google's yearly figures
    shift: ShiftPlan
    excluded: tuple[tuple[str, str], ...]  # (region, reason)
    notes: tuple[str, ...]

    def start_time(self, window: Window) -> datetime:
        return max(self.decision_time, self.grid_start + timedelta(hours=window.start_h))

    def savings_vs_now_same_region(self) -> tuple[float | None, float | None]:
        if self.best is None or self.best.best is None:
            return None, None
        return savings(self.best.best, self.best.now)

    def savings_vs_now_top_region(self) -> tuple[float | None, float | None]:
        if self.best is None or self.best.best is None or self.top_yearly is None:
            return None, None
        return savings(self.best.best, self.top_yearly.now)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _from_history(
    times: list[datetime] | np.ndarray, values: list[float | None] | np.ndarray, decision: datetime, hours: int,
    origin: str,
) -> HourlyIntensity | None:
    """Hour 0 is the last known value at or before the decision hour; hours 1.. the own forecast made at it."""
    if isinstance(values, np.ndarray):
        raw = values.astype(float)
    else:
        raw = np.array([np.nan if v is None else v for v in values], dtype=float)
    if not np.isfinite(raw).any():
        return None
    try:
        ahead = forecast(times, raw, decision, max(1, hours - 1), models=MODELS)
    except InputError:
        return None  # less than a day of history: the next source answers
    first = np.array([raw[np.isfinite(raw)][-1]])
    return HourlyIntensity(
        np.concatenate([first, ahead.values])[:hours],
        np.concatenate([first, ahead.low])[:hours],
        np.concatenate([first, ahead.high])[:hours],
        f"{ahead.source_label} ({origin}), {round(ahead.level * 100)} % interval",
    )


def replay_moment(grid_start: datetime) -> datetime:
    """The replay's mapping of now onto the bundled year: the same month, day and hour of REPLAY_YEAR."""
    return grid_start.astimezone(UTC).replace(year=REPLAY_YEAR)


def _bundled_series(history: GridHistory, zone: str, grid_start: datetime, hours: int) -> HourlyIntensity | None:
    """The own forecast made at the replayed moment from the bundled hours up to it, in their own calendar (so
    weekdays are right), then placed on today's time axis."""
    if zone not in history.zones:
        return None
    moment = replay_moment(grid_start)
    last = history.hour_of(moment)
    first = max(0, last - HISTORY_HOURS + 1)
    start = np.datetime64(history.start.replace(tzinfo=None), "h")
    times = start + np.arange(first, last + 1).astype("timedelta64[h]")
    label = f"bundled Electricity Maps data up to {moment:%Y-%m-%d %H:00} UTC, on today's time axis, not live"
    return _from_history(times, history.series(zone)[first : last + 1], moment, hours, label)


def _signal_history(signal: GridSignal, grid_start: datetime, hours: int) -> HourlyIntensity | None:
    # only what was known at the decision hour: a plan made for a past decision (a report) must not see later values
    known_by = grid_start + timedelta(hours=1)
    points = sorted((p for p in (*signal.history, *((signal.latest,) if signal.latest else ())) if p.time < known_by),
                    key=lambda p: p.time)  # fmt: skip
    if not points:
        return None
    return _from_history([p.time for p in points], [p.value for p in points], grid_start, hours,
                         f"{signal.source} history")  # fmt: skip


def _provider_forecast(signal: GridSignal, grid_start: datetime, hours: int) -> np.ndarray | None:
    """The forecast's mean per hour of the grid (NaN where it says nothing); None without any forecast value."""
    sums, counts = np.zeros(hours), np.zeros(hours)
    for point in signal.forecast:
        k = math.floor((point.time - grid_start).total_seconds() / 3600)
        if point.value is not None and 0 <= k < hours:
            sums[k] += point.value
            counts[k] += 1
    if not counts.any():
        return None
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _flat_yearly(facts: RegionFacts, hours: int) -> HourlyIntensity:
    value = facts.intensity
    return HourlyIntensity(
        np.full(hours, value),
        np.full(hours, value * (1 - YEARLY_BAND)),
        np.full(hours, value * (1 + YEARLY_BAND)),
        f"Google yearly average ({facts.carbon.provenance.as_of or 'yearly'}), flat: no hourly data; "
        f"±{YEARLY_BAND:.0%} band assumed",
    )


def region_series(
    facts: RegionFacts,
    grid_start: datetime,
    hours: int,
    signal: GridSignal | None,
    history: GridHistory | None,
    fallback_allowed: bool = True,
) -> HourlyIntensity | None:
    """The region's hourly series by the order in the module's docstring; None when nothing fits."""
    fallback = None
    if signal is not None:
        fallback = _signal_history(signal, grid_start, hours)
    if fallback is None and fallback_allowed:
        if history is not None:
            fallback = _bundled_series(history, facts.region.grid_zone, grid_start, hours)
        if fallback is None:
            fallback = _flat_yearly(facts, hours)
    provided = None if signal is None else _provider_forecast(signal, grid_start, hours)
    if provided is None:
        return fallback
    gaps = np.isnan(provided)
    label = f"provider forecast ({signal.source if signal else ''}), no interval"
    if not gaps.any() or fallback is None:
        return HourlyIntensity(provided, provided, provided, label)
    filled = int(gaps.sum())
    return HourlyIntensity(
        np.where(gaps, fallback.expected, provided),
        np.where(gaps, fallback.low, provided),
        np.where(gaps, fallback.high, provided),
        f"{label}; {filled} h it lacks from {fallback.source}",
    )


def check_window(now: datetime, deadline: datetime, run_hours: float) -> None:
    if deadline <= now:
        raise InputError(f"The deadline {deadline:%Y-%m-%d %H:%M} UTC is in the past: give e.g. 36h or a later time.")
    span_h = (deadline - now).total_seconds() / 3600
    if span_h < run_hours - 1e-9:
        raise InputError(
            f"A {run_hours:g} h run cannot finish by the deadline, {span_h:.3g} h from now: "
            "give a later deadline or a shorter run."
        )
    if span_h > MAX_HORIZON_HOURS:
        raise InputError(
            f"The deadline is {span_h:.0f} h away; forecasts reach {MAX_HORIZON_HOURS} h (7 days): give a nearer one."
        )


def plan_when(
    reference: ReferenceData,
    request: PlanRequest,
    deadline: datetime,
    weights: Weights,
    constraints: Constraints,
    now: datetime,
    only_regions: tuple[str, ...] = (),
    signals: Mapping[str, GridSignal] | None = None,  # region -> live signal (None: offline)
    history: GridHistory | None = None,  # the bundled hourly data (offline, and where live data has none)
    utilisation: Utilisation | None = None,
    progress: Progress | None = None,
) -> TimePlan:
    check_window(now, deadline, request.hours)
    for name in only_regions:
        reference.catalog.region(name)  # an unknown region is a clear InputError
    assessment = assess_request(reference, request)
    yearly = rank(assessment, weights, constraints)
    excluded = [(e.region.name, e.reason) for e in yearly.excluded]
    candidates = [s.facts for s in yearly.ranked if not only_regions or s.name in only_regions]
    excluded = [(name, why) for name, why in excluded if not only_regions or name in only_regions]
    if not candidates:
        reasons = "; ".join(f"{name}: {why}" for name, why in excluded[:3])
        raise InputError(f"No region can be planned ({reasons or 'no region passes the rules and limits'}).")

    grid_start = _hour(now)
    deadline_h = (deadline - grid_start).total_seconds() / 3600
    hours = series_hours(request.hours, deadline_h)
    signals = signals or {}
    # Live marginal signals (WattTime) and average figures cannot be compared: then no fallback to average data.
    only_average = all(s.kind is SignalKind.AVERAGE_LIFECYCLE for s in signals.values())
    planned: list[tuple[RegionFacts, HourlyIntensity]] = []
    for done, facts in enumerate(candidates):
        if progress is not None:
            progress(done, len(candidates))
        series = region_series(facts, grid_start, hours, signals.get(facts.region.name), history, only_average)
        if series is None:
            excluded.append((facts.region.name, "no hourly data of the live signal's kind"))
        else:
            planned.append((facts, series))
    if not planned:
        raise InputError(f"{NO_HOURLY_DATA}.")  # each front end says how to plan on the bundled data (with_hints)

    power = power_range(machine_option(reference, request), reference.power, utilisation or Utilisation())
    pue = np.array([f.region.pue for f, _ in planned])
    shift = plan_shift(
        np.stack([s.expected for _, s in planned]),
        np.stack([s.low for _, s in planned]),
        np.stack([s.high for _, s in planned]),
        request.hours,
        deadline_h,
        power.watts * pue / 1000.0,
        power.low * pue / 1000.0,
        power.high * pue / 1000.0,
    )
    whens = {
        f.region.name: RegionWhen(f, s, shift.best_in_region(i), shift.now(i), signals.get(f.region.name))
        for i, (f, s) in enumerate(planned)
    }
    uncovered = [name for name, w in whens.items() if w.best is None]
    excluded += [(name, "its hourly data does not cover a whole run before the deadline") for name in uncovered]
    if len(uncovered) == len(whens):
        raise InputError(
            f"{NOT_COVERED} a {request.hours:g} h run before the deadline "
            f"(e.g. {whens[uncovered[0]].series.source}): give a shorter run."
        )  # on live data each front end adds how to plan on the bundled data instead (with_hints)
    # The planner's weights with each region's carbon at its best start; limits (max emissions) apply to it too.
    at_best = tuple(
        dataclasses.replace(w.facts, emissions_kg=w.best.emissions_kg) for w in whens.values() if w.best is not None
    )
    ranking = rank(Assessment(assessment.scenario, at_best, ()), weights, constraints)
    excluded += [(e.region.name, e.reason) for e in ranking.excluded]
    ordered = tuple(whens[s.name] for s in ranking.ranked)
    top_yearly = next((whens[f.region.name] for f in candidates if f.region.name in whens), None)
    notes = list(ranking.notes)
    if any("bundled Electricity Maps" in w.series.source for w in ordered):
        notes.append(f"Hourly data: Electricity Maps {REPLAY_YEAR} replayed on today's time axis (same date and hour, "
                     "not live); the own forecaster sees only the hours before the replayed moment.")  # fmt: skip
    return TimePlan(
        decision_time=now,
        grid_start=grid_start,
        deadline=deadline,
        run_hours=request.hours,
        power=power,
        regions=ordered,
        best=ordered[0] if ordered else None,
        top_yearly=top_yearly,
        shift=shift,
        excluded=tuple(excluded),
        notes=tuple(notes),
    )


def account_window(
    plan: TimePlan,
    where: RegionWhen,
    window: Window,
    embodied: EmbodiedFigure | None = None,
    water: WaterFactors | None = None,
) -> Accounting:
    """The hour-by-hour accounting of a run in `where` starting at `window`, from the series the plan used."""
    first = window.start_h
    series = where.series
    mix = where.signal.power_mix[-1].production_mw if where.signal and where.signal.power_mix else {}
    offsite = offsite_water_intensity(water, mix) if water is not None and mix else None
    pue = where.facts.region.pue
    return account(
        plan.start_time(window),
        plan.run_hours,
        series.expected[first:].tolist(),
        series.low[first:].tolist(),
        series.high[first:].tolist(),
        plan.power,
        pue,
        [f"intensity: {series.source}", f"PUE {pue:.2f}: {where.facts.region.pue_provenance.label()}",
         "power: Cloud Carbon Footprint coefficients, GPU TDP x utilisation"],
        embodied,
        water,
        offsite,
    )  # fmt: skip

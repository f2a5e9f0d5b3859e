"""Grid signals: a time series of carbon intensity (and a power mix) with its provenance.

Every point says what it is. Average and marginal signals are different quantities: WattTime's
MOER is the emission rate of the marginal plant; Electricity Maps' intensity is the average of
the grid mix. Code that compares signals must check `kind` and never mix kinds silently.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

LBS_PER_MWH_TO_G_PER_KWH = 0.45359237  # 1 lb = 453.59237 g; 1 MWh = 1000 kWh


class SignalKind(enum.Enum):
    AVERAGE_LIFECYCLE = "average, lifecycle"
    AVERAGE_DIRECT = "average, direct"
    MARGINAL = "marginal (MOER)"
    AVERAGE_YEARLY = "average, location-based yearly"


class CarbonMode(enum.Enum):
    """Which figure the ranking's carbon criterion uses."""

    YEARLY = "yearly"  # Google's yearly reference figure (offline default)
    LATEST = "latest"  # the provider's latest value
    FORECAST_MEAN = "forecast"  # mean of the forecast over the run, from now


@dataclass(frozen=True)
class SignalPoint:
    time: datetime  # UTC, aware
    value: float | None  # gCO2e/kWh; None where the provider sent null or the value was refused (core.plausibility)
    estimated: bool = False  # the provider (or the app) estimated it


@dataclass(frozen=True)
class PowerMix:
    """Electricity production by source at one time, MW (None where the provider sent null)."""

    time: datetime
    production_mw: Mapping[str, float | None]
    estimated: bool = False


@dataclass(frozen=True)
class RelativeIndex:
    """WattTime's signal-index: where the current MOER sits among the next 24 h, 0-100 %.

    A position, not an emission rate: shown beside a region, never ranked.
    """

    time: datetime
    percent: float


# Names of the parts of a signal, as used in GridSignal.part_times.
PART_LATEST = "latest"
PART_HISTORY = "history"
PART_FORECAST = "forecast"
PART_POWER = "power"
PART_INDEX = "index"


@dataclass(frozen=True)
class FetchProblem:
    """An error as a value the UI shows next to the region, e.g. 'key rejected'."""

    endpoint: str  # e.g. "carbon-intensity/latest"
    message: str  # short, user-facing: "key rejected", "endpoint not in your plan", "offline", ...
    retry_after_s: float | None = None  # set for rate limits


@dataclass(frozen=True)
class GridSignal:
    """What one provider said about one grid zone, with where and when it came from."""

    zone: str  # provider's zone or region key ("NL", "CAISO_NORTH")
    source: str  # "Electricity Maps", "WattTime", "Electricity Maps 2024 replay (bundled)"
    kind: SignalKind
    fetched_at: datetime  # UTC; for a replay, when the replay was built
    latest: SignalPoint | None = None
    history: tuple[SignalPoint, ...] = ()
    forecast: tuple[SignalPoint, ...] = ()
    power_mix: tuple[PowerMix, ...] = ()  # oldest first; the last is the latest
    problems: tuple[FetchProblem, ...] = ()
    is_replay: bool = False  # replayed historical data shown in place of live data
    unit: str = "gCO2e/kWh"
    notes: tuple[str, ...] = field(default_factory=tuple)
    index: RelativeIndex | None = None  # WattTime signal-index, when the plan includes it
    # When each part (PART_*) was received from the provider; a part kept from an earlier fetch
    # keeps its own time, so staleness is judged per part, not per signal.
    part_times: Mapping[str, datetime] = field(default_factory=dict)
    # Parts merged() kept from an earlier fetch because the newest brought none. A part received before `fetched_at`
    # but not kept came from the HTTP cache: it is not stale for that (only for its age).
    kept_parts: frozenset[str] = frozenset()

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the latest point's own time (not since the fetch)."""
        if self.latest is None:
            return None
        return (now - self.latest.time).total_seconds()

    def part_time(self, part: str) -> datetime | None:
        """When `part` was received; signals built without part times count as fetched at `fetched_at`."""
        if not self.part_times:
            return self.fetched_at
        return self.part_times.get(part)

    def part_problems(self, part: str) -> tuple[FetchProblem, ...]:
        """This fetch's problems that concern `part` (including those that stopped every part)."""
        return tuple(p for p in self.problems if endpoint_part(p.endpoint) in (part, None))

    def merged(self, newer: "GridSignal") -> "GridSignal":
        """Keep the last good data: parts the newer fetch failed to get come from this one,
        with the time they were received then."""
        new_latest = newer.latest is not None and newer.latest.value is not None
        kept = {
            PART_LATEST: not new_latest and self.latest is not None,
            PART_HISTORY: not newer.history and bool(self.history),
            PART_FORECAST: not newer.forecast and bool(self.forecast),
            PART_POWER: not newer.power_mix and bool(self.power_mix),
            PART_INDEX: newer.index is None and self.index is not None,
        }
        times = {part: t for part in kept if not kept[part] and (t := newer.part_time(part)) is not None}
        times.update({part: t for part in kept if kept[part] and (t := self.part_time(part)) is not None})
        return GridSignal(
            zone=newer.zone,
            source=newer.source,
            kind=newer.kind,
            fetched_at=newer.fetched_at,
            latest=self.latest if kept[PART_LATEST] else newer.latest,
            history=self.history if kept[PART_HISTORY] else newer.history,
            forecast=self.forecast if kept[PART_FORECAST] else newer.forecast,
            power_mix=self.power_mix if kept[PART_POWER] else newer.power_mix,
            problems=newer.problems,
            is_replay=newer.is_replay,
            unit=newer.unit,
            notes=newer.notes,
            index=self.index if kept[PART_INDEX] else newer.index,
            part_times=times,
            kept_parts=frozenset(part for part, was_kept in kept.items() if was_kept),
        )


def endpoint_part(endpoint: str) -> str | None:
    """The part (PART_*) a FetchProblem's endpoint feeds; None when it stops every part (login, region lookup).

    Endpoint names are the providers' paths ("carbon-intensity/latest", "power-breakdown/history", WattTime's
    "forecast", "historical", "signal-index") or the fetcher's task names ("latest", "power", ...).
    """
    name = endpoint.lower()
    for word, part in (
        ("index", PART_INDEX),
        ("power", PART_POWER),
        ("forecast", PART_FORECAST),
        ("histor", PART_HISTORY),
        ("latest", PART_LATEST),
    ):
        if word in name:
            return part
    return None


def latest_is_forecast(signal: GridSignal) -> bool:
    """Whether the latest point is the forecast's first point (WattTime: the current period's forecast MOER)."""
    latest, forecast = signal.latest, signal.forecast
    if latest is None or not forecast or not latest.estimated:
        return False
    return latest.time == forecast[0].time and latest.value == forecast[0].value


DEFAULT_STEP_S = 3600.0


@dataclass(frozen=True)
class ForecastMean:
    """A forecast's mean over a run, weighted by how long each point's interval overlaps the run."""

    value: float  # gCO2e/kWh (for MARGINAL signals: converted MOER)
    covered_hours: float  # how much of the run the forecast's non-null points cover
    run_hours: float
    estimated: bool  # a forecast is an estimate; replays pass their points' own flags instead

    @property
    def covers_run(self) -> bool:
        return self.covered_hours >= self.run_hours - 1e-6

    def window(self, covered_by: str = "the forecast") -> str:
        """'over the next 6 h', or 'over the 4.5 h the forecast covers (run is 6 h)'."""
        if self.covers_run:
            return f"over the next {self.run_hours:g} h"
        return f"over the {round(self.covered_hours, 1):g} h {covered_by} covers (run is {self.run_hours:g} h)"


def forecast_step_s(points: tuple[SignalPoint, ...]) -> float:
    """The usual spacing of the points (the median gap), or 1 h when it cannot be told."""
    times = sorted({p.time.timestamp() for p in points})
    gaps = sorted(b - a for a, b in pairwise(times))
    return gaps[len(gaps) // 2] if gaps else DEFAULT_STEP_S


def forecast_mean(signal: GridSignal, start: datetime, hours: float) -> ForecastMean | None:
    """Mean forecast intensity over [start, start + hours), or None when the forecast covers too little of it.

    Each point stands for [time, time + step), cut short where the next point begins, so the interval that holds
    `start` counts: a run starting at 10:40 uses the 10:00 point for its first 20 minutes. Too little means less
    than half the run, or more than max(1 h, a quarter of the run) missing: an hourly forecast that starts at the
    next hour still stands for a short run, but a 24 h forecast does not stand for a 48 h run.
    """
    if not hours > 0 or not signal.forecast:
        return None
    run_start = start.timestamp()
    run_end = run_start + hours * 3600
    step = forecast_step_s(signal.forecast)
    points = sorted(signal.forecast, key=lambda p: p.time)
    weighted = 0.0
    covered_s = 0.0
    estimated = False
    for point, following in zip(points, [*points[1:], None], strict=True):
        if point.value is None:
            continue
        begin = point.time.timestamp()
        until = begin + step if following is None else min(begin + step, following.time.timestamp())
        overlap = min(until, run_end) - max(begin, run_start)
        if overlap > 0:
            weighted += point.value * overlap
            covered_s += overlap
            estimated = estimated or point.estimated
    covered_h = covered_s / 3600
    if covered_h <= 0 or covered_h < hours / 2 or hours - covered_h > max(1.0, hours / 4) + 1e-9:
        return None
    return ForecastMean(weighted / covered_s, covered_h, hours, estimated or not signal.is_replay)

"""Fetch live grid signals for many regions at once: one task per (zone, endpoint) on a bounded
thread pool, so a refresh takes about as long as the slowest single request. Cancellable between
any two tasks; every failure becomes a FetchProblem on its zone, so one failing region never blocks
the others. This is the one place that builds a live `GridSignal`, so it is where every answer is checked against
`core.plausibility`: a refused value or an all-null part becomes a problem (or a note) that names it.

Each part of a signal carries the time the provider's answer was received (`GridSignal.part_times`);
for an answer served from the HTTP cache, the time the cache stored it.

Used by the window (through a Qt worker) and by the CLI; no Qt here.
"""

from __future__ import annotations

import contextvars
import dataclasses
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from carbon_gui.core.catalog import Region
from carbon_gui.core.plausibility import Screened, screen_mixes, screen_points
from carbon_gui.core.signals import (
    PART_FORECAST,
    PART_HISTORY,
    PART_INDEX,
    PART_LATEST,
    PART_POWER,
    FetchProblem,
    GridSignal,
    PowerMix,
    RelativeIndex,
    SignalKind,
    SignalPoint,
)
from carbon_gui.sources.electricitymaps import EP_FORECAST, EP_HISTORY, EP_LATEST, IntensitySeries, signal_kind
from carbon_gui.sources.http import receipts, refresh_budget, store_after_refresh
from carbon_gui.sources.provider_errors import KeyRejected, NoAccess, Offline, ProviderError, RateLimited, UnknownZone
from carbon_gui.sources.watttime import EP_FORECAST as WT_EP_FORECAST
from carbon_gui.sources.watttime import EP_HISTORICAL as WT_EP_HISTORICAL
from carbon_gui.sources.watttime import EP_REGION, SignalIndex, one_login_per_refresh

FORECAST_ENDPOINT = EP_FORECAST
NOT_IN_PLAN_SKIPPED = "endpoint not in your plan (asked again in 24 h)"
DEFAULT_POOL_SIZE = 160  # every zone × endpoint of a 45-region refresh in one wave (~150 requests)
EM_SOURCE = "Electricity Maps"
WT_SOURCE = "WattTime"
WT_RECENT = timedelta(minutes=15)  # a measured MOER at most this old is "latest"; else the forecast's first point
WT_HISTORY = timedelta(hours=24)
WT_WINDOW_STEP_S = 300  # WattTime's data period: the history window moves in these steps, so the cache can answer
MIX_LATEST_ONLY = "power mix: latest hour only (the power-breakdown history was refused)"

# task name -> the signal part it fills
EM_TASK_PARTS = {"latest": PART_LATEST, "history": PART_HISTORY, "forecast": PART_FORECAST, "power": PART_POWER}
WT_TASK_PARTS = {"forecast": PART_FORECAST, "historical": PART_HISTORY, "index": PART_INDEX}
WT_REGION_TASK = "region"
# intensity task -> (its endpoint, what its answer is called in a reason)
EM_INTENSITY_TASKS = {
    "latest": (EP_LATEST, "value"),
    "history": (EP_HISTORY, "history"),
    "forecast": (EP_FORECAST, "forecast"),
}
POWER_ENDPOINT = "power-breakdown"  # a refused power mix: from /history, or /latest standing in for it
T = TypeVar("T")


class ElectricityMapsLike(Protocol):
    @property
    def emission_factor_type(self) -> str | None: ...
    def intensity(self, endpoint: str, zone: str | None = None) -> IntensitySeries: ...
    def power_breakdown_history(self, zone: str | None = None) -> tuple[PowerMix, ...]: ...
    def power_breakdown_latest(self, zone: str | None = None) -> PowerMix: ...


class WattTimeLike(Protocol):
    def region_from_loc(self, lat: float, lon: float) -> str: ...
    def forecast(self, region: str, horizon_hours: int = 24) -> tuple[SignalPoint, ...]: ...
    def historical(self, region: str, start: datetime, end: datetime) -> tuple[SignalPoint, ...]: ...
    def signal_index(self, region: str) -> SignalIndex: ...


@dataclass(frozen=True)
class NoCoverage:
    """A region-from-loc answer kept in the region cache: WattTime has no region here (asked once per session)."""

    message: str


RegionCache = dict[str, str | NoCoverage]  # GCP region -> WattTime region, or why there is none

SignalCallback = Callable[[GridSignal, list[str]], None]  # (signal, regions it applies to)


@dataclass(frozen=True)
class Partial:
    """A task's answer that also reports problems (a fallback was used); `value` None: nothing usable came."""

    value: Any
    problems: tuple[FetchProblem, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class ZoneResult:
    """What the endpoints answered for one zone, filled in as tasks finish."""

    zone: str
    pending: int = 0  # tasks still running
    parts: dict[str, Any] = field(default_factory=dict)  # task name -> value
    received: dict[str, datetime] = field(default_factory=dict)  # task name -> when its answer was received
    problems: list[FetchProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    denied: set[str] = field(default_factory=set)  # task names the plan does not include

    def add(self, task: str, value: Any, received_at: datetime | None, fallback_time: datetime) -> None:
        if isinstance(value, Partial):
            for problem in value.problems:
                self.report(problem)
            self.notes.extend(value.notes)
            value = value.value
        if value is not None:
            self.parts[task] = value
            self.received[task] = received_at or fallback_time

    def report(self, problem: FetchProblem) -> None:
        if problem not in self.problems:  # a refused login says so once, not once per endpoint
            self.problems.append(problem)

    def fail(self, task: str, err: BaseException) -> None:
        self.report(_problem(task, err))
        if isinstance(err, NoAccess) and err.stated_by_provider:
            self.denied.add(task)

    def part_times(self, task_parts: dict[str, str]) -> dict[str, datetime]:
        return {task_parts[task]: moment for task, moment in self.received.items() if task in task_parts}


@dataclass(frozen=True)
class _Outcome:
    value: Any = None
    received_at: datetime | None = None
    error: BaseException | None = None


class _Cancelled(Exception):
    pass


class _TaskPool:
    """Runs (key, task name) jobs on a bounded pool. Results are handled on the calling thread, where a handler
    may submit more jobs. After `cancelled` is set, no job starts and no further result is handed out.

    With `executor`, jobs run on that long-lived pool (its threads are already started: the fetch helper process
    keeps one), and closing cancels only this fetch's queued jobs; else on a pool of its own."""

    def __init__(self, size: int, cancelled: threading.Event, executor: Executor | None = None) -> None:
        self._cancelled = cancelled
        self._own = executor is None
        self._pool = executor or ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="carbon-gui-fetch")
        self._pending: dict[Future[_Outcome], tuple[str, str]] = {}
        # Each job puts its future here when it ends. (concurrent.futures.wait() took and released the lock of every
        # pending future at each call, one call per answer: ~15,000 lock round trips for a refresh's 120 jobs.)
        self._done: queue.SimpleQueue[Future[_Outcome]] = queue.SimpleQueue()

    def submit(self, key: str, task_name: str, task: Callable[[], Any]) -> None:
        """Run `task` in a copy of the caller's context (so it belongs to the caller's refresh, say)."""
        if not self._cancelled.is_set():
            context = contextvars.copy_context()
            future = self._pool.submit(context.run, self._run, task)
            self._pending[future] = (key, task_name)
            future.add_done_callback(self._done.put)

    def _run(self, task: Callable[[], Any]) -> _Outcome:
        if self._cancelled.is_set():
            raise _Cancelled
        with receipts() as got:
            try:
                value = task()
            except Exception as err:  # noqa: BLE001 - handed to the caller as a value
                return _Outcome(error=err)
        return _Outcome(value, got.last)

    def results(self) -> Iterator[tuple[str, str, _Outcome]]:
        while self._pending and not self._cancelled.is_set():
            try:
                future = self._done.get(timeout=0.1)  # (a timeout: to see `cancelled` promptly)
            except queue.Empty:
                continue
            key, task_name = self._pending.pop(future)
            if self._cancelled.is_set():
                return
            yield key, task_name, future.result()

    def close(self) -> None:
        if self._own:
            self._pool.shutdown(wait=False, cancel_futures=True)
        else:
            for future in self._pending:
                future.cancel()


class LiveFetcher:
    """Fetches one provider's signals for the candidate regions. `cancel()` stops it early."""

    def __init__(self, pool_size: int = DEFAULT_POOL_SIZE, executor: Executor | None = None) -> None:
        """`executor`: a long-lived pool to run the requests on (its threads are already started) instead of a
        pool of `pool_size` threads made for this fetch."""
        self._pool_size = pool_size
        self._executor = executor
        self._cancelled = threading.Event()
        self.denied_everywhere: set[str] = set()  # after a fetch: tasks every zone was refused (not in the plan)

    def run_on(self, executor: Executor) -> None:
        """Run the requests on `executor` (a long-lived pool, its threads already started), unless this fetcher
        was given one or a pool size of its own."""
        if self._executor is None and self._pool_size == DEFAULT_POOL_SIZE:
            self._executor = executor

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _note_denials(self, results: Iterable[ZoneResult], task_names: Iterable[str]) -> None:
        done = list(results)
        if done and not self._cancelled.is_set():
            self.denied_everywhere = {t for t in task_names if all(t in r.denied for r in done)}

    # --- Electricity Maps ------------------------------------------------------------------------------------

    def fetch_electricitymaps(
        self,
        client: ElectricityMapsLike,
        regions: Iterable[Region],
        on_signal: SignalCallback,
        *,
        with_forecast: bool = True,
        now: datetime | None = None,
    ) -> None:
        """latest, history, power mix and (unless the plan is known to lack it) forecast; one signal per zone. The
        answers of the whole fetch share one byte budget (`refresh_budget`)."""
        now = now or datetime.now(UTC)
        by_zone = _regions_by_zone(regions)
        tasks: dict[str, Callable[[str], Any]] = {
            "latest": partial(client.intensity, EP_LATEST),
            "history": partial(client.intensity, EP_HISTORY),
            "power": partial(_power_mix, client),
        }
        if with_forecast:
            tasks["forecast"] = partial(client.intensity, EP_FORECAST)
        skipped = () if with_forecast else (FetchProblem(FORECAST_ENDPOINT, NOT_IN_PLAN_SKIPPED),)
        results = {zone: ZoneResult(zone, pending=len(tasks)) for zone in by_zone}
        pool = _TaskPool(self._pool_size, self._cancelled, self._executor)
        try:
            # Both entered before the tasks are submitted: each runs in a copy of this context. The answers are
            # stored once the last signal is out (`store_after_refresh`).
            with store_after_refresh():
                with refresh_budget():
                    for zone in by_zone:
                        for name, task in tasks.items():
                            pool.submit(zone, name, partial(task, zone))
                for zone, name, outcome in pool.results():
                    result = results[zone]
                    _record(result, name, outcome, now)
                    if result.pending == 0:
                        on_signal(_electricitymaps_signal(client, result, now, skipped), by_zone[zone])
        finally:
            pool.close()
        self._note_denials(results.values(), tasks)

    # --- WattTime --------------------------------------------------------------------------------------------

    def fetch_watttime(
        self,
        client: WattTimeLike,
        regions: Iterable[Region],
        on_signal: SignalCallback,
        *,
        region_cache: RegionCache | None = None,
        now: datetime | None = None,
    ) -> None:
        """Per region: its WattTime region (region-from-loc, remembered in `region_cache`, "no coverage" too),
        then forecast, historical and signal-index once per WattTime region. Every lookup and every data request
        is a task on the pool; `on_signal` is called once per region as soon as its data is in. The whole fetch is
        one refresh: one login attempt, whose failure every region is told (`one_login_per_refresh`), one byte
        budget for all its answers (`refresh_budget`), and its answers stored once it ends (`store_after_refresh`)."""
        with store_after_refresh(), one_login_per_refresh(), refresh_budget():
            self._fetch_watttime(client, regions, on_signal, region_cache, now)

    def _fetch_watttime(
        self,
        client: WattTimeLike,
        regions: Iterable[Region],
        on_signal: SignalCallback,
        region_cache: RegionCache | None,
        now: datetime | None,
    ) -> None:
        now = now or datetime.now(UTC)
        cache: RegionCache = region_cache if region_cache is not None else {}
        end = _window_end(now)
        members: dict[str, list[str]] = defaultdict(list)  # WattTime region -> GCP regions
        results: dict[str, ZoneResult] = {}
        finished: dict[str, GridSignal] = {}
        pool = _TaskPool(self._pool_size, self._cancelled, self._executor)

        def place(region: str, answer: str | NoCoverage) -> None:
            if isinstance(answer, NoCoverage):
                on_signal(_problem_signal(region, FetchProblem(EP_REGION, answer.message), now), [region])
                return
            members[answer].append(region)
            if answer in finished:
                on_signal(finished[answer], [region])
            elif answer not in results:
                results[answer] = ZoneResult(answer, pending=len(WT_TASK_PARTS))
                pool.submit(answer, "forecast", partial(client.forecast, answer, 24))
                pool.submit(answer, "historical", partial(client.historical, answer, end - WT_HISTORY, end))
                pool.submit(answer, "index", partial(client.signal_index, answer))

        def looked_up(region: str, outcome: _Outcome) -> None:
            if isinstance(outcome.error, UnknownZone):
                cache[region] = NoCoverage(outcome.error.message)
            elif outcome.error is not None:  # passing trouble (offline, key, 5xx): asked again next refresh
                on_signal(_problem_signal(region, _problem(EP_REGION, outcome.error), now), [region])
                return
            else:
                cache[region] = outcome.value
            place(region, cache[region])

        try:
            for region in regions:
                if region.name in cache:
                    place(region.name, cache[region.name])
                elif region.lat is None or region.lon is None:
                    missing = FetchProblem(EP_REGION, "no coordinates for this region")
                    on_signal(_problem_signal(region.name, missing, now), [region.name])
                else:
                    pool.submit(region.name, WT_REGION_TASK, partial(client.region_from_loc, region.lat, region.lon))
            for key, name, outcome in pool.results():
                if name == WT_REGION_TASK:
                    looked_up(key, outcome)
                    continue
                result = results[key]
                _record(result, name, outcome, now)
                if result.pending == 0:
                    finished[key] = _watttime_signal(result, now)
                    for member in members[key]:
                        on_signal(finished[key], [member])
        finally:
            pool.close()
        self._note_denials(results.values(), WT_TASK_PARTS)


def _problem(task: str, err: BaseException) -> FetchProblem:
    if isinstance(err, ProviderError):
        return err.to_problem()
    return FetchProblem(task, f"unexpected error ({type(err).__name__})")  # a bug in one task must not stop others


def _record(result: ZoneResult, task: str, outcome: _Outcome, now: datetime) -> None:
    result.pending -= 1
    if outcome.error is None:
        result.add(task, outcome.value, outcome.received_at, now)
    else:
        result.fail(task, outcome.error)


def _power_mix(client: ElectricityMapsLike, zone: str) -> Partial:
    """The power-breakdown history, or the latest hour alone where the history is refused or unusable."""
    try:
        return Partial(client.power_breakdown_history(zone))
    except (KeyRejected, Offline, RateLimited, UnknownZone):
        raise  # /latest would fail the same way
    except ProviderError as err:
        history_problem = err.to_problem()
    try:
        return Partial((client.power_breakdown_latest(zone),), (history_problem,), (MIX_LATEST_ONLY,))
    except ProviderError as err:
        return Partial(None, (history_problem, err.to_problem()))


def _checked(result: ZoneResult, task: str, endpoint: str, check: Callable[[Any], Screened[T]]) -> tuple[T, ...]:
    """What the plausibility check (`core.plausibility`) leaves of a task's part; () when the task brought none.
    A refused part says why and has no receive time; refused values leave a note."""
    if task not in result.parts:
        return ()
    screened = check(result.parts[task])
    if screened.problem is not None:
        result.report(FetchProblem(endpoint, screened.problem))
        result.received.pop(task, None)
    if screened.note is not None:
        result.notes.append(screened.note)
    return screened.items


def _screen_series(series: IntensitySeries, kind: SignalKind, **names: str) -> Screened[SignalPoint]:
    return screen_points(series.points, kind, **names)


def _electricitymaps_signal(
    client: ElectricityMapsLike, result: ZoneResult, now: datetime, skipped: tuple[FetchProblem, ...]
) -> GridSignal:
    series = [value for value in result.parts.values() if isinstance(value, IntensitySeries)]
    factor_types = {factor for s in series for factor in s.factor_types}
    kind = signal_kind(factor_types, client.emission_factor_type)
    points: dict[str, tuple[SignalPoint, ...]] = {}
    for name, (endpoint, part) in EM_INTENSITY_TASKS.items():
        check = partial(_screen_series, kind=kind, source=EM_SOURCE, zone=result.zone, part=part)
        points[name] = _checked(result, name, endpoint, check)
    power_mix = _checked(result, "power", POWER_ENDPOINT, partial(screen_mixes, source=EM_SOURCE, zone=result.zone))
    latest = points["latest"]
    return GridSignal(
        zone=result.zone,
        source=EM_SOURCE,
        kind=kind,
        fetched_at=now,
        latest=latest[0] if latest else None,
        history=points["history"],
        forecast=points["forecast"],
        power_mix=power_mix,
        problems=tuple(result.problems) + skipped,
        notes=tuple(result.notes),
        part_times=result.part_times(EM_TASK_PARTS),
    )


def _watttime_signal(result: ZoneResult, now: datetime) -> GridSignal:
    check = partial(screen_points, kind=SignalKind.MARGINAL, source=WT_SOURCE, zone=result.zone)
    forecast = _checked(result, "forecast", WT_EP_FORECAST, partial(check, part="forecast"))
    history = _checked(result, "historical", WT_EP_HISTORICAL, partial(check, part="history"))
    index: SignalIndex | None = result.parts.get("index")
    latest, from_task, note = watttime_latest(history, forecast, now)
    part_times = result.part_times(WT_TASK_PARTS)
    if from_task is not None:
        part_times[PART_LATEST] = result.received[from_task]
    return GridSignal(
        zone=result.zone,
        source=WT_SOURCE,
        kind=SignalKind.MARGINAL,
        fetched_at=now,
        latest=latest,
        history=history,
        forecast=forecast,
        problems=tuple(result.problems),
        notes=(*result.notes, note) if note else tuple(result.notes),
        index=RelativeIndex(index.time, index.percentile) if index and index.percentile is not None else None,
        part_times=part_times,
    )


def watttime_latest(
    history: tuple[SignalPoint, ...], forecast: tuple[SignalPoint, ...], now: datetime
) -> tuple[SignalPoint | None, str | None, str]:
    """WattTime's current MOER: (point, the task it came from, a note saying which was used).

    The newest measured (historical) value when it is at most 15 min old; else the forecast's first point, which
    forecasts the current period and is marked estimated; else an older measured value, whose age then shows.
    """
    measured = next((p for p in reversed(history) if p.value is not None), None)
    if measured is not None and now - measured.time <= WT_RECENT:
        return measured, "historical", f"latest: measured MOER for {measured.time:%H:%M} UTC (historical)"
    if forecast and forecast[0].value is not None:
        point = dataclasses.replace(forecast[0], estimated=True)
        why = "no measured MOER in the last 15 min"
        return point, "forecast", f"latest: forecast for the current period from {point.time:%H:%M} UTC ({why})"
    if measured is not None:
        return measured, "historical", f"latest: measured MOER for {measured.time:%H:%M} UTC (no forecast)"
    return None, None, ""


def _window_end(now: datetime) -> datetime:
    """`now` rounded up to WattTime's 5-minute period: the same history request (and cache entry) for 5 minutes."""
    seconds = now.timestamp()
    return datetime.fromtimestamp(-(-seconds // WT_WINDOW_STEP_S) * WT_WINDOW_STEP_S, UTC)


def _regions_by_zone(regions: Iterable[Region]) -> dict[str, list[str]]:
    by_zone: dict[str, list[str]] = defaultdict(list)
    for region in regions:
        if region.grid_zone:
            by_zone[region.grid_zone].append(region.name)
    return dict(by_zone)


def _problem_signal(zone: str, problem: FetchProblem, now: datetime) -> GridSignal:
    """A WattTime signal that only says why a region has no data (no coverage, lookup failed)."""
    return GridSignal(zone=zone, source=WT_SOURCE, kind=SignalKind.MARGINAL, fetched_at=now, problems=(problem,))

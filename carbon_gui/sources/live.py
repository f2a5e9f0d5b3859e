"""Fetch live grid signals for many regions at once: one task per (zone, endpoint) on a bounded
thread pool, so a refresh takes about as long as the slowest single request. Cancellable; every
failure becomes a FetchProblem on its zone, so one failing region never blocks the others.

Used by the window (through a Qt worker) and by the CLI; no Qt here.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from carbon_gui.core.catalog import Region
from carbon_gui.core.signals import FetchProblem, GridSignal, PowerMix, SignalKind, SignalPoint
from carbon_gui.sources.provider_errors import NoAccess, ProviderError

FORECAST_ENDPOINT = "carbon-intensity/forecast"
NOT_IN_PLAN_SKIPPED = "endpoint not in your plan (asked again in 24 h)"
DEFAULT_POOL_SIZE = 160  # every zone × endpoint of a 45-region refresh in one wave (~150 requests)


class ElectricityMapsLike(Protocol):
    def latest(self, zone: str) -> SignalPoint: ...
    def history(self, zone: str) -> tuple[SignalPoint, ...]: ...
    def forecast(self, zone: str) -> tuple[SignalPoint, ...]: ...
    def power_breakdown_history(self, zone: str) -> tuple[PowerMix, ...]: ...


class WattTimeLike(Protocol):
    def region_from_loc(self, lat: float, lon: float) -> str: ...
    def forecast(self, region: str, horizon_hours: int = 24) -> tuple[SignalPoint, ...]: ...
    def historical(self, region: str, start: datetime, end: datetime) -> tuple[SignalPoint, ...]: ...


@dataclass
class ZoneResult:
    """What the endpoints answered for one zone, filled in as tasks finish."""

    zone: str
    parts: dict[str, Any] = field(default_factory=dict)
    problems: list[FetchProblem] = field(default_factory=list)
    denied: set[str] = field(default_factory=set)  # task names the plan does not include


SignalCallback = Callable[[GridSignal, list[str]], None]  # (signal, regions in its zone)


class LiveFetcher:
    """Fetches one provider's signals for the candidate regions. `cancel()` stops it early."""

    def __init__(self, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self._pool_size = pool_size
        self._cancelled = threading.Event()
        self.denied_everywhere: set[str] = set()  # after a fetch: tasks every zone was refused (not in the plan)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _run(
        self,
        tasks: dict[tuple[str, str], Callable[[], Any]],
        results: dict[str, ZoneResult],
        on_zone_done: Callable[[ZoneResult], None],
    ) -> None:
        remaining: dict[str, int] = defaultdict(int)
        for zone, _ in tasks:
            remaining[zone] += 1
        pool = ThreadPoolExecutor(
            max_workers=min(self._pool_size, max(1, len(tasks))), thread_name_prefix="carbon-gui-fetch"
        )
        try:
            futures: dict[Future[Any], tuple[str, str]] = {}
            for key, task in tasks.items():
                if self._cancelled.is_set():
                    break
                futures[pool.submit(task)] = key
            pending = set(futures)
            while pending and not self._cancelled.is_set():
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    zone, endpoint = futures[future]
                    result = results[zone]
                    try:
                        result.parts[endpoint] = future.result()
                    except ProviderError as err:
                        result.problems.append(err.to_problem())
                        if isinstance(err, NoAccess) and err.stated_by_provider:
                            result.denied.add(endpoint)
                    except Exception as err:  # noqa: BLE001 - a bug in one task must not stop the others
                        result.problems.append(FetchProblem(endpoint, f"unexpected error ({type(err).__name__})"))
                    remaining[zone] -= 1
                    if remaining[zone] == 0:
                        on_zone_done(result)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if results and not self._cancelled.is_set():
            endpoints = {endpoint for _, endpoint in tasks}
            self.denied_everywhere = {e for e in endpoints if all(e in r.denied for r in results.values())}

    def fetch_electricitymaps(
        self,
        client: ElectricityMapsLike,
        regions: Iterable[Region],
        on_signal: SignalCallback,
        *,
        with_forecast: bool = True,
        now: datetime | None = None,
    ) -> None:
        """latest, history, power mix and (unless the plan is known to lack it) forecast, per zone."""
        now = now or datetime.now(UTC)
        by_zone = _regions_by_zone(regions)
        tasks: dict[tuple[str, str], Callable[[], Any]] = {}
        for zone in by_zone:
            tasks[(zone, "latest")] = partial(client.latest, zone)
            tasks[(zone, "history")] = partial(client.history, zone)
            tasks[(zone, "power")] = partial(client.power_breakdown_history, zone)
            if with_forecast:
                tasks[(zone, "forecast")] = partial(client.forecast, zone)
        results = {zone: ZoneResult(zone) for zone in by_zone}

        skipped = () if with_forecast else (FetchProblem(FORECAST_ENDPOINT, NOT_IN_PLAN_SKIPPED),)

        def done(result: ZoneResult) -> None:
            parts = result.parts
            on_signal(
                GridSignal(
                    zone=result.zone,
                    source="Electricity Maps",
                    kind=SignalKind.AVERAGE_LIFECYCLE,
                    fetched_at=now,
                    latest=parts.get("latest"),
                    history=parts.get("history", ()),
                    forecast=parts.get("forecast", ()),
                    power_mix=parts.get("power", ()),
                    problems=tuple(result.problems) + skipped,
                ),
                by_zone[result.zone],
            )

        self._run(tasks, results, done)

    def fetch_watttime(
        self,
        client: WattTimeLike,
        regions: Iterable[Region],
        on_signal: SignalCallback,
        *,
        region_cache: dict[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        """WattTime regions come from region-from-loc (cached: regions do not move)."""
        now = now or datetime.now(UTC)
        cache = region_cache if region_cache is not None else {}
        by_wt_region: dict[str, list[str]] = defaultdict(list)
        for region in regions:
            if self._cancelled.is_set():
                return
            if region.lat is None or region.lon is None:
                on_signal(
                    _problem_signal(region.name, "WattTime", "no coordinates for this region", now), [region.name]
                )
                continue
            try:
                if region.name not in cache:
                    cache[region.name] = client.region_from_loc(region.lat, region.lon)
            except ProviderError as err:
                on_signal(_problem_signal(region.name, "WattTime", err.message, now), [region.name])
                continue
            by_wt_region[cache[region.name]].append(region.name)
        tasks: dict[tuple[str, str], Callable[[], Any]] = {}
        for wt in by_wt_region:
            tasks[(wt, "forecast")] = partial(client.forecast, wt, 24)
            tasks[(wt, "historical")] = partial(client.historical, wt, now - timedelta(hours=24), now)
        results = {wt: ZoneResult(wt) for wt in by_wt_region}

        def done(result: ZoneResult) -> None:
            forecast = result.parts.get("forecast", ())
            on_signal(
                GridSignal(
                    zone=result.zone,
                    source="WattTime",
                    kind=SignalKind.MARGINAL,
                    fetched_at=now,
                    latest=forecast[0] if forecast else None,  # the current period's MOER
                    history=result.parts.get("historical", ()),
                    forecast=forecast,
                    problems=tuple(result.problems),
                ),
                by_wt_region[result.zone],
            )

        self._run(tasks, results, done)


def _regions_by_zone(regions: Iterable[Region]) -> dict[str, list[str]]:
    by_zone: dict[str, list[str]] = defaultdict(list)
    for region in regions:
        if region.grid_zone:
            by_zone[region.grid_zone].append(region.name)
    return dict(by_zone)


def _problem_signal(zone: str, source: str, message: str, now: datetime) -> GridSignal:
    kind = SignalKind.MARGINAL if source == "WattTime" else SignalKind.AVERAGE_LIFECYCLE
    return GridSignal(zone=zone, source=source, kind=kind, fetched_at=now, problems=(FetchProblem("region", message),))

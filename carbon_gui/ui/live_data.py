"""Keeps the latest grid signal per region: refreshes on a timer or on demand, off the GUI thread,
keeps the last good data when a fetch fails, and reports progress as zones arrive.

Zones arriving from the fetch thread wait in one inbox; the GUI thread takes them in slices of at most
APPLY_SLICE_S and tells the window once per slice. A refresh answered at once (the HTTP cache, a fast provider)
used to cost one queued signal, merge, progress update and `updated` per zone, back to back."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from carbon_gui.core.catalog import Region
from carbon_gui.core.live_carbon import latest_figure
from carbon_gui.core.signals import GridSignal
from carbon_gui.providers import PROVIDER_NAMES, REPLAY, SIGNAL_SOURCES
from carbon_gui.ui.live_labels import refresh_status

if TYPE_CHECKING:
    from carbon_gui.live_service import LiveService
    from carbon_gui.sources.live import LiveFetcher
    from carbon_gui.ui.workers import BackgroundTasks

STALE_MARK = "STALE"  # how core.live_carbon marks a stale figure's as_of
DEFAULT_REFRESH_MIN = 15  # Electricity Maps' free tier updates hourly; 15 min keeps well within it
APPLY_SLICE_S = 0.004  # the GUI thread applies arrived zones for at most this long before other events run
_http_stack_frozen = False


def _live_fetcher() -> type[LiveFetcher]:
    """LiveFetcher; its first import loads the HTTP stack (requests, requests-cache, urllib3). Then, once, every object
    alive (the window's and those libraries') moves to gc's permanent generation: the next full collection would
    otherwise walk them all with the GIL held, a 72 ms stall in the middle of a refresh (benchmarks/live_refresh.py).
    Frozen objects are still freed by reference counting; the collector is off during the import. The first call runs
    on the pool (`LiveData.refresh`)."""
    global _http_stack_frozen
    if _http_stack_frozen:
        from carbon_gui.sources.live import LiveFetcher

        return LiveFetcher
    gc.disable()
    try:
        from carbon_gui.sources.live import LiveFetcher

        gc.freeze()
    finally:
        gc.enable()
    _http_stack_frozen = True
    return LiveFetcher


class LiveData(QObject):
    arrivalsWaiting = Signal()  # the inbox was empty and a zone came in: emitted on the fetch thread, delivered queued
    updated = Signal()  # signals changed (GUI thread)
    progress = Signal(int, int)  # zones done, zones expected
    statusChanged = Signal(str)

    def __init__(self, service: LiveService, tasks: BackgroundTasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._tasks = tasks
        self.provider = REPLAY
        self.signals: dict[str, GridSignal] = {}  # region -> signal of its zone
        self.last_refresh: datetime | None = None
        self._fetcher: LiveFetcher | None = None
        self._loading: object | None = None  # the first live refresh, while the HTTP stack loads on the pool
        self._expected = 0
        self._done = 0
        self._regions: list[Region] = []
        self._arrived: list[GridSignal] = []  # this refresh's signals, as fetched (before keeping the last good)
        self._started = datetime.now(UTC)
        self.refresh_minutes = DEFAULT_REFRESH_MIN
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.retry = QTimer(self)  # after a 429, once Retry-After has passed
        self.retry.setSingleShot(True)
        self.retry.timeout.connect(self.refresh)
        # (fetcher, signal, its regions), appended on the fetch thread, taken on the GUI thread
        self._inbox: list[tuple[LiveFetcher, GridSignal, list[str]]] = []
        self._inbox_lock = threading.Lock()
        self._next_slice = QTimer(self)  # a zero timer: the rest of the inbox after the events waiting now
        self._next_slice.setSingleShot(True)
        self._next_slice.setInterval(0)
        self._next_slice.timeout.connect(self._apply_arrivals)
        self.arrivalsWaiting.connect(self._apply_arrivals)
        self._when_applied: Callable[[], None] | None = None  # the end of a refresh, once its zones are applied

    @property
    def busy(self) -> bool:
        return self._fetcher is not None or self._loading is not None

    def set_regions(self, regions: list[Region]) -> None:
        self._regions = regions

    def set_refresh_minutes(self, minutes: int) -> None:
        self.refresh_minutes = max(1, minutes)
        self.timer.start(self.refresh_minutes * 60_000)

    def set_provider(self, provider: str) -> None:
        if provider != self.provider:
            self.cancel()
            self.provider = provider
            self.signals = {}  # never show one provider's values under another's name
            self.updated.emit()
        self.refresh()

    @property
    def stale_after_s(self) -> float:
        """A value received longer ago than two refresh periods is stale."""
        return 2 * 60.0 * self.refresh_minutes

    def is_stale(self, signal: GridSignal, now: datetime | None = None) -> bool:
        """Whether core marks the signal's latest value STALE: kept from an earlier fetch because the newest
        one failed for it, or received more than `stale_after_s` ago. A signal without a latest value is not."""
        figure = latest_figure(signal, now or datetime.now(UTC), self.stale_after_s)
        return not isinstance(figure, str) and STALE_MARK in figure[1].as_of

    def refresh(self) -> None:
        if self.busy or not self._regions:
            return
        regions = list(self._regions)
        if self.provider == REPLAY:
            self.statusChanged.emit("Replaying 2024 Electricity Maps data…")
            self._tasks.run(self._service.replay, regions, on_result=self._on_replay, on_error=self._on_error)
            return
        self._expected = len({r.grid_zone for r in regions if r.grid_zone}) or len(regions)
        self._done = 0
        self._arrived = []
        self._when_applied = None
        self._started = datetime.now(UTC)
        self.progress.emit(0, self._expected)
        self.statusChanged.emit(f"Fetching {PROVIDER_NAMES[self.provider]} data…")
        if _http_stack_frozen:
            self._start_fetch(self.provider, regions)
            return
        # The first live refresh: the HTTP stack loads on the pool (on this thread it stalled the window), then the
        # fetch starts, unless the refresh was cancelled or superseded meanwhile.
        loading = self._loading = object()
        provider = self.provider

        def loaded(_: object) -> None:
            if self._loading is loading:
                self._loading = None
                self._start_fetch(provider, regions)

        def failed(message: str) -> None:
            if self._loading is loading:
                self._loading = None
                self._fail(message)

        self._tasks.run(_live_fetcher, on_result=loaded, on_error=failed)

    def _start_fetch(self, provider: str, regions: list[Region]) -> None:
        fetcher = _live_fetcher()()
        self._fetcher = fetcher

        def on_signal(signal: GridSignal, zone_regions: list[str]) -> None:  # on the fetch thread
            if fetcher.cancelled:  # after a cancel the window may be gone
                return
            with self._inbox_lock:
                first = not self._inbox
                self._inbox.append((fetcher, signal, zone_regions))
            if first:  # else a slice is already due to take it
                self.arrivalsWaiting.emit()

        self._tasks.run(
            self._service.fetch, provider, regions, on_signal, fetcher,
            on_result=lambda _: self._on_finished(fetcher), on_error=self._on_error,
        )  # fmt: skip

    def cancel(self) -> None:
        self.retry.stop()
        self._when_applied = None
        if self._fetcher is not None or self._loading is not None:
            if self._fetcher is not None:
                self._fetcher.cancel()
            self._fetcher = None
            self._loading = None
            self.statusChanged.emit("Refresh cancelled; the last good values stay on screen.")

    def _apply_arrivals(self) -> None:
        """Merge arrived zones into the signals for at most APPLY_SLICE_S, then report once; what is left follows
        after the events waiting now (timers, paints). With the inbox empty, the refresh's end may run."""
        deadline = time.perf_counter() + APPLY_SLICE_S
        applied = 0
        while True:
            with self._inbox_lock:
                if not self._inbox:
                    break
                fetcher, signal, regions = self._inbox.pop(0)
            if fetcher is self._fetcher and signal.source == SIGNAL_SOURCES.get(self.provider):
                self._apply_zone(signal, regions)  # else a late answer from a cancelled or superseded refresh
                applied += 1
            if time.perf_counter() >= deadline:
                with self._inbox_lock:
                    if self._inbox:
                        self._next_slice.start()
                break
        if applied:
            self.progress.emit(min(self._done, self._expected), self._expected)
            self.updated.emit()
        with self._inbox_lock:
            applied_all = not self._inbox
        if applied_all and self._when_applied is not None:
            then, self._when_applied = self._when_applied, None
            then()

    def _after_arrivals(self, then: Callable[[], None]) -> None:
        """Run `then` once every zone already arrived is applied (now, or after the last slice: whenever the inbox
        holds something, a slice is due)."""
        with self._inbox_lock:
            waiting = bool(self._inbox)
        if waiting:
            self._when_applied = then
        else:
            then()

    def _apply_zone(self, signal: GridSignal, regions: list[str]) -> None:
        self._arrived.append(signal)
        for region in regions:
            old = self.signals.get(region)
            self.signals[region] = old.merged(signal) if old is not None else signal
        self._done += 1

    def _on_finished(self, fetcher: LiveFetcher) -> None:
        if fetcher is self._fetcher:
            self._after_arrivals(lambda: self._finish(fetcher))

    def _finish(self, fetcher: LiveFetcher) -> None:
        if fetcher is not self._fetcher:
            return
        self._fetcher = None
        self.last_refresh = datetime.now(UTC)
        self.progress.emit(self._expected, self._expected)
        waits = [p.retry_after_s for s in self.signals.values() for p in s.problems if p.retry_after_s]
        if waits and not self.retry.isActive():
            self.retry.start(int(max(waits) * 1000))  # the message said "retrying in N s": do so
        self.statusChanged.emit(
            refresh_status(PROVIDER_NAMES[self.provider], self._arrived, self._started, self.last_refresh)
        )

    def _on_replay(self, signals: dict[str, GridSignal]) -> None:
        if self.provider != REPLAY:
            return
        self.signals = signals
        self.last_refresh = datetime.now(UTC)
        self.statusChanged.emit(f"No key: replaying 2024 Electricity Maps data for {len(signals)} regions.")
        self.updated.emit()

    def _on_error(self, message: str) -> None:
        self._after_arrivals(lambda: self._fail(message))  # the zones that came before the failure stay

    def _fail(self, message: str) -> None:
        self._fetcher = None
        self.statusChanged.emit(f"Refresh failed: {message}. The last good values stay on screen.")

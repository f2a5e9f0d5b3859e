"""The fetch helper process: runs `LiveFetcher` for the window, so a refresh's ~150 request threads never hold
the window process's GIL. Started by `fetch_process.FetchProcess` as `python -m carbon_gui.sources.fetch_helper`.

Orders come in on stdin, answers go out on stdout (`fetch_protocol`); stdout is then pointed at stderr, so a stray
print can never corrupt the stream. The helper owns the HTTP sessions (and with them the requests-cache on disk,
shared with any other process as before) and a pool of fetch threads that lives as long as it does. It keeps no
memory of its own beyond that: the forecast refusal and the WattTime region cache live in the parent and come
with each order, so a restarted helper loses nothing. It exits when stdin ends, which is also what happens when
the parent dies, however it dies.

CARBON_GUI_HELPER_PROFILE=<file> (for developers): every thread of the helper runs under cProfile, and the merged
stats are written to that file when it exits (benchmarks/live_refresh.py with BENCH_PROFILE=<file> does this).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.signals import GridSignal
from carbon_gui.providers import ELECTRICITYMAPS, WATTTIME
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.fetch_protocol import (
    HEARTBEAT_S,
    Beat,
    Cancel,
    Failed,
    FetchOrder,
    Finished,
    Ready,
    SignalArrived,
    read_message,
    write_message,
)
from carbon_gui.sources.http import make_session, wait_for_stores
from carbon_gui.sources.live import DEFAULT_POOL_SIZE, LiveFetcher, RegionCache
from carbon_gui.sources.watttime import WattTimeClient

PROFILE_VARIABLE = "CARBON_GUI_HELPER_PROFILE"  # a file: profile every thread, write merged stats there at exit
# Twice a refresh's worth: a fetch started while a cancelled one's requests drain still finds idle threads.
EXECUTOR_THREADS = 2 * DEFAULT_POOL_SIZE


class Helper:
    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._fetches: dict[int, LiveFetcher] = {}
        self._clients: dict[str, tuple[bytes, Any]] = {}  # provider -> (fingerprint of its settings, client)
        self._fingerprint_key = secrets.token_bytes(32)
        self._executor = ThreadPoolExecutor(max_workers=EXECUTOR_THREADS, thread_name_prefix="carbon-gui-fetch")
        self._active = threading.Event()  # a fetch is running: send heartbeats

    def send(self, message: object) -> None:
        try:
            with self._write_lock:
                write_message(self._out, message)
        except (OSError, ValueError):  # the parent has gone: nothing left to do
            os._exit(0)

    def serve(self, inp: IO[bytes]) -> None:
        threading.Thread(target=self._beat, name="carbon-gui-helper-beat", daemon=True).start()
        self.send(Ready(os.getpid()))
        while True:
            try:
                message = read_message(inp)
            except Exception:  # noqa: BLE001 - a broken stream: the parent is gone or confused; either way, stop
                message = None
            if message is None:
                _dump_profiles()
                wait_for_stores()  # the last refresh's answers, for the next start within the TTL
                os._exit(0)  # end of stdin: the parent closed it or died. Threads mid-request die with us.
            if isinstance(message, FetchOrder):
                fetcher = LiveFetcher(executor=self._executor)
                with self._lock:
                    self._fetches[message.fetch_id] = fetcher
                    self._active.set()
                name = f"carbon-gui-helper-fetch-{message.fetch_id}"
                threading.Thread(target=self._run, args=(message, fetcher), name=name, daemon=True).start()
            elif isinstance(message, Cancel):
                with self._lock:
                    running = self._fetches.get(message.fetch_id)
                if running is not None:
                    running.cancel()

    def _beat(self) -> None:
        while True:
            self._active.wait()  # idle: no beats
            self.send(Beat())
            time.sleep(HEARTBEAT_S)

    def _run(self, order: FetchOrder, fetcher: LiveFetcher) -> None:
        fetch_id = order.fetch_id

        def on_signal(grid_signal: GridSignal, regions: list[str]) -> None:
            self.send(SignalArrived(fetch_id, grid_signal, list(regions)))

        try:
            region_cache: RegionCache = dict(order.region_cache)
            if order.provider == ELECTRICITYMAPS:
                fetcher.fetch_electricitymaps(
                    self._client(order), order.regions, on_signal, with_forecast=order.with_forecast, now=order.now
                )
            elif order.provider == WATTTIME:
                fetcher.fetch_watttime(
                    self._client(order), order.regions, on_signal, region_cache=region_cache, now=order.now
                )
            else:
                raise InputError(f"Unknown provider '{order.provider}'. Use electricitymaps or watttime.")
            self.send(Finished(fetch_id, fetcher.cancelled, frozenset(fetcher.denied_everywhere), region_cache))
        except UserFacingError as exc:
            self.send(Failed(fetch_id, str(exc), user_facing=True))
        except Exception as exc:  # noqa: BLE001 - reported by type only: a message could quote a request
            self.send(Failed(fetch_id, type(exc).__name__, user_facing=False))
        finally:
            with self._lock:
                self._fetches.pop(fetch_id, None)
                if not self._fetches:
                    self._active.clear()

    def _client(self, order: FetchOrder) -> Any:
        """The provider's client for these settings and keys: the same one (session, cache connection, WattTime
        token) from fetch to fetch, a new one when anything changed."""
        keys = order.keys
        parts = (order.provider, order.base_url, str(order.cache_path), repr(order.cache_ttl_s), repr(order.timeout_s))
        fingerprint = hmac.new(self._fingerprint_key, "\0".join((*parts, *keys.values())).encode(), hashlib.sha256)
        key = fingerprint.digest()
        with self._lock:
            known = self._clients.get(order.provider)
            if known is not None and known[0] == key:
                return known[1]
            client = _make_client(order)
            self._clients[order.provider] = (key, client)
            return client


def _make_client(order: FetchOrder) -> Any:
    session = make_session(
        Path(order.cache_path) if order.cache_path else None, order.cache_ttl_s, pool_size=DEFAULT_POOL_SIZE
    )
    keys = order.keys
    if order.provider == ELECTRICITYMAPS:
        if not keys.token:
            raise InputError("No Electricity Maps token: add one under Settings → Keys.")
        return ElectricityMapsClient(session, order.base_url, keys.token, timeout_s=order.timeout_s)
    if not keys.username or not keys.password:
        raise InputError("No WattTime account: add one under Settings → Keys.")
    return WattTimeClient(session, order.base_url, keys.username, keys.password, timeout_s=order.timeout_s)


# --- profiling (CARBON_GUI_HELPER_PROFILE=<file>: every thread under cProfile, merged stats written at exit) ---

_PROFILES: list[Any] = []


def _profile_threads() -> None:
    import cProfile

    def start(*_: object) -> None:  # runs once in each new thread, and hands it its own profiler
        profiler = cProfile.Profile()
        _PROFILES.append(profiler)
        profiler.enable()

    threading.setprofile(start)
    start()  # this (the main) thread too


def _dump_profiles() -> None:
    target = os.environ.get(PROFILE_VARIABLE)
    if not target or not _PROFILES:
        return
    import pstats

    merged: pstats.Stats | None = None
    for profiler in list(_PROFILES):
        with contextlib.suppress(Exception):  # a profiler that saw nothing has no stats
            profiler.create_stats()
            merged = pstats.Stats(profiler) if merged is None else merged.add(profiler)
    if merged is not None:
        merged.dump_stats(target)


def main() -> None:
    # The protocol gets private copies of stdin and stdout; fd 1 then goes to stderr and fd 0 to the null device,
    # so nothing else in this process can write into (or read from) the stream.
    out = os.fdopen(os.dup(1), "wb")
    inp = os.fdopen(os.dup(0), "rb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    with contextlib.suppress(AttributeError, ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get(PROFILE_VARIABLE):
        _profile_threads()  # Ctrl+C in a terminal is for the app; we follow its exit
    Helper(out).serve(inp)


if __name__ == "__main__":
    main()

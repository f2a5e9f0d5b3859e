"""Live grid data for the window and the CLI: which provider, its clients, the offline replay.

Base URLs are settings with environment overrides (CARBON_GUI_ELECTRICITYMAPS_URL,
CARBON_GUI_WATTTIME_URL), so any local server can stand in for a provider.

`LiveService(..., isolate=True)` (the window) runs each fetch in a helper process (`sources.fetch_process`), so
the fetch's threads never compete with the GUI thread for the GIL; the CLI and most tests fetch in-process. Both
ways go through `LiveFetcher` and give the same signals; the memory of a refused forecast and the WattTime region
cache stay here either way, so a restarted helper forgets nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_gui.core.catalog import Region
from carbon_gui.core.errors import InputError
from carbon_gui.core.signals import GridSignal
from carbon_gui.providers import ELECTRICITYMAPS, REPLAY, WATTTIME, cache_dir, provider_url

if TYPE_CHECKING:  # the HTTP stack (requests, requests-cache) loads on the first fetch, not at start-up
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from carbon_gui.secrets import Credentials
    from carbon_gui.sources.electricitymaps import ElectricityMapsClient
    from carbon_gui.sources.fetch_process import FetchProcess
    from carbon_gui.sources.fetch_protocol import Finished, ProviderKeys
    from carbon_gui.sources.live import LiveFetcher, RegionCache, SignalCallback
    from carbon_gui.sources.replay import ReplayData
    from carbon_gui.sources.watttime import WattTimeClient

FORECAST_RECHECK_S = 24 * 3600
CACHE_TTL_S = 5 * 60  # below the 15-min refresh, so Refresh gets new data, reopening within 5 min does not fetch
NO_TOKEN = "No Electricity Maps token: add one under Settings → Keys."
NO_ACCOUNT = "No WattTime account: add one under Settings → Keys."


class LiveService:
    """Builds provider clients from credentials (kept in memory only) and fetches or replays."""

    def __init__(
        self,
        load_credentials: Callable[[], Credentials],
        environ: Mapping[str, str] = os.environ,
        cache_path: Path | None = None,
        timeout_s: float = 10.0,
        isolate: bool = False,
    ) -> None:
        """`isolate`: fetch in a helper process (started on the first fetch) instead of on threads of this one.
        A frozen app has no interpreter to start one with, and fetches in-process."""
        self._load_credentials = load_credentials
        self._environ = environ
        self._cache_path = cache_path if cache_path is not None else cache_dir(environ) / "http-cache.sqlite"
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._client_key: dict[str, bytes] = {}  # provider -> fingerprint of the credentials its client uses
        self._fingerprint_key = secrets.token_bytes(32)  # this process only: fingerprints mean nothing elsewhere
        self._replay: ReplayData | None = None
        self.watttime_regions: RegionCache = {}  # GCP region -> WattTime region or no coverage, learned once
        # When the plan last refused forecasts (monotonic), and the fingerprint of the key that was refused:
        # a new key may have a bigger plan, so the memory only holds for the key it was learned with.
        self._forecast_denied: tuple[bytes, float] | None = None
        self._isolate = isolate and not getattr(sys, "frozen", False)
        self._process: FetchProcess | None = None
        self._executor: ThreadPoolExecutor | None = None  # in-process fetches' threads, kept from fetch to fetch

    @property
    def isolated(self) -> bool:
        return self._isolate

    @property
    def helper_pid(self) -> int | None:
        """The fetch helper's process id while one runs (isolated mode), else None."""
        return self._process.pid if self._process is not None else None

    def close(self) -> None:
        """Stop the fetch helper, if one runs (it also stops when this service is collected or the app exits)."""
        with self._lock:
            process, self._process = self._process, None
            executor, self._executor = self._executor, None
        if process is not None:
            process.close()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def credentials(self) -> Credentials:
        return self._load_credentials()

    def providers(self, credentials: Credentials) -> list[str]:
        found = [REPLAY]
        if credentials.has_electricitymaps:
            found.insert(0, ELECTRICITYMAPS)
        if credentials.has_watttime:
            found.insert(len(found) - 1, WATTTIME)
        return found

    def replay(self, regions: Iterable[Region], now: datetime | None = None) -> dict[str, GridSignal]:
        from carbon_gui.sources.replay import load_replay, replay_signal  # numpy: not before the window's first paint

        now = now or datetime.now(UTC)
        with self._lock:
            if self._replay is None:
                self._replay = load_replay()
            data = self._replay
        signals = {}
        for region in regions:
            signal = replay_signal(data, region.grid_zone, now)
            if signal is not None:
                signals[region.name] = signal
        return signals

    def fetch(
        self,
        provider: str,
        regions: list[Region],
        on_signal: SignalCallback,
        fetcher: LiveFetcher,
        now: datetime | None = None,
    ) -> None:
        """Blocking: call from a worker thread. Signals arrive through `on_signal`, on this thread, as zones finish.
        `fetcher.cancel()` (from any thread) makes it return promptly, isolated or not."""
        credentials = self.credentials()
        if provider == ELECTRICITYMAPS:
            token = credentials.electricitymaps_token
            if token is None:
                raise InputError(NO_TOKEN)
            key = self._fingerprint(ELECTRICITYMAPS, token.reveal(), provider_url(ELECTRICITYMAPS, self._environ))
            # A free plan refuses forecasts for every zone: stop asking for a day instead of
            # spending a quarter of every refresh on refusals.
            denied = self._forecast_denied
            with_forecast = denied is None or denied[0] != key or time.monotonic() - denied[1] > FORECAST_RECHECK_S
            if self._isolate:
                keys = self._keys(token=token.reveal())
                finished = self._fetch_isolated(
                    provider, regions, on_signal, fetcher, credentials, keys, now, with_forecast
                )
                if finished is None:
                    return
            else:
                client, key = self._electricitymaps(credentials)
                fetcher.run_on(self._threads())
                fetcher.fetch_electricitymaps(client, regions, on_signal, with_forecast=with_forecast, now=now)
            if with_forecast and not fetcher.cancelled:
                refused = "forecast" in fetcher.denied_everywhere
                self._forecast_denied = (key, time.monotonic()) if refused else None
        elif provider == WATTTIME:
            if not self._isolate:
                fetcher.run_on(self._threads())
                fetcher.fetch_watttime(
                    self._watttime(credentials), regions, on_signal, region_cache=self.watttime_regions, now=now
                )
                return
            if not credentials.watttime_username or credentials.watttime_password is None:
                raise InputError(NO_ACCOUNT)
            keys = self._keys(username=credentials.watttime_username, password=credentials.watttime_password.reveal())
            finished = self._fetch_isolated(provider, regions, on_signal, fetcher, credentials, keys, now)
            if finished is not None:
                self.watttime_regions.update(finished.region_cache)
        else:
            raise InputError(f"Unknown provider '{provider}'. Use electricitymaps or watttime.")

    def _threads(self) -> ThreadPoolExecutor:
        """The pool in-process fetches run on: started with the first, kept for the next (as the helper keeps its
        own), so a refresh after the first does not start ~120 threads while its requests wait to go out."""
        from concurrent.futures import ThreadPoolExecutor

        from carbon_gui.sources.live import DEFAULT_POOL_SIZE

        with self._lock:
            if self._executor is None:  # (twice a refresh's worth: one may start while a cancelled one drains)
                self._executor = ThreadPoolExecutor(2 * DEFAULT_POOL_SIZE, thread_name_prefix="carbon-gui-fetch")
            return self._executor

    @staticmethod
    def _keys(**values: str) -> ProviderKeys:
        from carbon_gui.sources.fetch_protocol import ProviderKeys

        return ProviderKeys(**values)

    def _fetch_isolated(
        self,
        provider: str,
        regions: list[Region],
        on_signal: SignalCallback,
        fetcher: LiveFetcher,
        credentials: Credentials,
        keys: ProviderKeys,
        now: datetime | None,
        with_forecast: bool = True,
    ) -> Finished | None:
        """The fetch, in the helper process; None when cancelled. Sets `fetcher.denied_everywhere` as an
        in-process fetch would."""
        from carbon_gui.sources.fetch_process import FetchProcess
        from carbon_gui.sources.fetch_protocol import FetchOrder

        with self._lock:
            if self._process is None:
                self._process = FetchProcess()
            process = self._process
        region_cache = dict(self.watttime_regions) if provider == WATTTIME else {}

        def order(fetch_id: int) -> FetchOrder:
            return FetchOrder(
                fetch_id=fetch_id,
                provider=provider,
                regions=tuple(regions),
                base_url=provider_url(provider, self._environ),
                cache_path=str(self._cache_path),
                cache_ttl_s=CACHE_TTL_S,
                timeout_s=self._timeout_s,
                keys=keys,
                with_forecast=with_forecast,
                region_cache=region_cache,
                now=now,
            )

        # Every key this service knows is kept out of the helper's environment, not only this provider's.
        known = [s.reveal() for s in (credentials.electricitymaps_token, credentials.watttime_password) if s]
        finished = process.fetch(order, on_signal, lambda: fetcher.cancelled, secrets=known)
        if finished is None or finished.cancelled:
            return None
        fetcher.denied_everywhere = set(finished.denied_everywhere)
        return finished

    def check_key(self, provider: str, credentials: Credentials) -> str:
        """'accepted', 'rejected', 'no access to this endpoint' or why it could not be checked."""
        from carbon_gui.sources.http import make_session

        session = make_session(None, 0)  # a check must reach the provider, never the cache
        try:
            if provider == ELECTRICITYMAPS:
                from carbon_gui.sources.electricitymaps import ElectricityMapsClient

                if credentials.electricitymaps_token is None:
                    return "no token entered"
                token = credentials.electricitymaps_token.reveal()
                return ElectricityMapsClient(
                    session, provider_url(provider, self._environ), token, timeout_s=self._timeout_s
                ).check_key()
            from carbon_gui.sources.watttime import WattTimeClient

            if not credentials.watttime_username or credentials.watttime_password is None:
                return "no username or password entered"
            return WattTimeClient(
                session,
                provider_url(provider, self._environ),
                credentials.watttime_username,
                credentials.watttime_password.reveal(),
                timeout_s=self._timeout_s,
            ).check_key()
        finally:
            session.close()

    def _session(self) -> requests.Session:
        from carbon_gui.sources.http import make_session
        from carbon_gui.sources.live import DEFAULT_POOL_SIZE

        return make_session(self._cache_path, CACHE_TTL_S, pool_size=DEFAULT_POOL_SIZE)

    def _fingerprint(self, *parts: str) -> bytes:
        """A keyed hash of credentials, to tell whether they changed without keeping them in clear."""
        return hmac.new(self._fingerprint_key, "\0".join(parts).encode(), hashlib.sha256).digest()

    def _electricitymaps(self, credentials: Credentials) -> tuple[ElectricityMapsClient, bytes]:
        """The client for these credentials (a new one when the key or URL changed), and their fingerprint."""
        from carbon_gui.sources.electricitymaps import ElectricityMapsClient

        if credentials.electricitymaps_token is None:
            raise InputError(NO_TOKEN)
        url = provider_url(ELECTRICITYMAPS, self._environ)
        key = self._fingerprint(ELECTRICITYMAPS, credentials.electricitymaps_token.reveal(), url)
        with self._lock:
            if self._client_key.get(ELECTRICITYMAPS) != key:  # new or rotated key: new client
                self._clients[ELECTRICITYMAPS] = ElectricityMapsClient(
                    self._session(), url, credentials.electricitymaps_token.reveal(), timeout_s=self._timeout_s
                )
                self._client_key[ELECTRICITYMAPS] = key
            client: ElectricityMapsClient = self._clients[ELECTRICITYMAPS]
            return client, key

    def _watttime(self, credentials: Credentials) -> WattTimeClient:
        from carbon_gui.sources.watttime import WattTimeClient

        if not credentials.watttime_username or credentials.watttime_password is None:
            raise InputError(NO_ACCOUNT)
        url = provider_url(WATTTIME, self._environ)
        key = self._fingerprint(WATTTIME, credentials.watttime_username, credentials.watttime_password.reveal(), url)
        with self._lock:
            if self._client_key.get(WATTTIME) != key:
                self._clients[WATTTIME] = WattTimeClient(
                    self._session(),
                    url,
                    credentials.watttime_username,
                    credentials.watttime_password.reveal(),
                    timeout_s=self._timeout_s,
                )
                self._client_key[WATTTIME] = key
            wt_client: WattTimeClient = self._clients[WATTTIME]
            return wt_client

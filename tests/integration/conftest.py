"""Fixtures for the live-data integration tests: fake providers on 127.0.0.1, short-timeout clients, and
helpers that fetch through `LiveFetcher` (the path the window and the CLI use)."""

import gc
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import requests

from carbon_gui.core.catalog import Jurisdiction, Region
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import GridSignal
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.http import make_session
from carbon_gui.sources.live import LiveFetcher
from carbon_gui.sources.provider_errors import (
    BadResponse,
    KeyRejected,
    NoAccess,
    Offline,
    ProviderError,
    RateLimited,
    ServerError,
    UnknownZone,
)
from carbon_gui.sources.watttime import WattTimeClient

from .fake_providers import FakeElectricityMaps, FakeWattTime

TIMEOUT_S = 0.25  # connect and read timeout of the clients under test
DEADLINE_S = 0.45  # overall deadline per call
SERVER_TIMEOUT_SLEEP_S = 1.5  # the "timeout" fault answers after this: later than both limits above
DRIP_INTERVAL_S = 0.05  # the "drip" fault: one byte per 0.05 s, never trips the read timeout, only the deadline
BACKOFF_S = 0.01


# --- what each injected fault must turn into (shared by the Electricity Maps and WattTime suites) ----------------


@dataclass(frozen=True)
class Expected:
    error: type[ProviderError] | None  # None: no error (the "nulls" fault)
    message: str | None = None


EXPECTED: dict[str, Expected] = {
    "401": Expected(KeyRejected, "key rejected"),
    "403": Expected(NoAccess, "endpoint not in your plan"),
    "403_html": Expected(NoAccess, "endpoint not in your plan"),
    "403_zone": Expected(NoAccess, "no access to this zone"),
    "429": Expected(RateLimited, "rate-limited, retrying in 30 s"),
    "500": Expected(ServerError, "provider error (HTTP 500)"),
    "503": Expected(ServerError, "provider error (HTTP 503)"),
    "timeout": Expected(Offline, "timed out"),
    "drip": Expected(Offline, "timed out"),
    "truncated": Expected(BadResponse, "malformed answer from the provider"),
    "malformed": Expected(BadResponse, "malformed answer from the provider"),
    "wrong_shape": Expected(BadResponse, "malformed answer from the provider"),
    "empty": Expected(BadResponse, "malformed answer from the provider"),
    "unknown_zone": Expected(UnknownZone, "zone not known to the provider"),
    "disconnect": Expected(Offline, "connection lost"),
    "nulls": Expected(None),
}



def login_message(fault: str) -> str:
    """What a failed WattTime login says: it names the login, except for a rejected key (which speaks for itself)."""
    expected = EXPECTED[fault]
    if expected.error is ServerError:
        return f"WattTime login failed: HTTP {fault} (a server error at WattTime, try again later)"
    if expected.error in (BadResponse, Offline):
        return f"WattTime login failed: {expected.message}"
    return expected.message


SLOW_FAULTS = ("timeout", "drip")
FAST_FAULTS = tuple(f for f in EXPECTED if f not in SLOW_FAULTS)


def assert_no_secret(exc: BaseException, secrets: list[str]) -> None:
    """Neither the exception nor anything chained to it shows a secret in str() or repr()."""
    seen: BaseException | None = exc
    while seen is not None:
        texts = [str(seen), repr(seen), *(repr(v) for v in vars(seen).values())]
        if isinstance(seen, ProviderError):
            texts.append(repr(seen.to_problem()))
        for text in texts:
            for secret in secrets:
                assert secret not in text, f"{type(seen).__name__} shows a secret: {text!r}"
        seen = seen.__cause__ or seen.__context__


# --- fetching through LiveFetcher ----------------------------------------------------------------------------

TEST_JURISDICTION = Jurisdiction("Testland", "TST", False, False, "n/a", "standard")
SF = (37.77, -122.42)  # covered by the fake WattTime's CAISO_NORTH
FRANKFURT = (50.11, 8.68)  # not covered


def region(name: str, zone: str = "", lat: float | None = None, lon: float | None = None) -> Region:
    """A Google Cloud region as the catalog gives it, with only what the fetcher reads filled in."""
    return Region(name, name, TEST_JURISDICTION, lat, lon, zone, True, 1.1, Provenance("test", "PUE", False, "test"))


@dataclass
class Fetched:
    """Every `on_signal` call of one fetch, in order."""

    calls: list[tuple[GridSignal, list[str]]] = field(default_factory=list)

    def on_signal(self, signal: GridSignal, regions: list[str]) -> None:
        self.calls.append((signal, list(regions)))

    def by_region(self) -> dict[str, GridSignal]:
        return {name: signal for signal, names in self.calls for name in names}

    def one(self) -> GridSignal:
        """The signal of a fetch that concerned one zone (asserting that is what happened)."""
        signals = {id(signal): signal for signal, _ in self.calls}
        assert len(signals) == 1, f"expected one signal, got {len(signals)}"
        return next(iter(signals.values()))


def fetch_em(client: Any, *zones: str, fetcher: LiveFetcher | None = None, **kwargs: Any) -> Fetched:
    """LiveFetcher.fetch_electricitymaps for one region per zone (region name = "r-" + zone)."""
    fetched = Fetched()
    regions = [region(f"r-{zone}", zone) for zone in zones or ("NL",)]
    (fetcher or LiveFetcher()).fetch_electricitymaps(client, regions, fetched.on_signal, **kwargs)
    return fetched


def fetch_wt(client: Any, *regions: Region, fetcher: LiveFetcher | None = None, **kwargs: Any) -> Fetched:
    """LiveFetcher.fetch_watttime for `regions` (default: one region in San Francisco, CAISO_NORTH)."""
    fetched = Fetched()
    chosen = list(regions) or [region("us-west-sf", "US-CAL-CISO", *SF)]
    (fetcher or LiveFetcher()).fetch_watttime(client, chosen, fetched.on_signal, **kwargs)
    return fetched


def wait_for(condition: Callable[[], object], timeout_s: float = 10.0) -> bool:
    """Poll `condition` until it is true (True) or `timeout_s` has passed (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to 127.0.0.1 must never go through a proxy configured in the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def em_server() -> Iterator[FakeElectricityMaps]:
    server = FakeElectricityMaps.start(timeout_sleep_s=SERVER_TIMEOUT_SLEEP_S, drip_interval_s=DRIP_INTERVAL_S)
    yield server
    server.stop()


@pytest.fixture
def wt_server() -> Iterator[FakeWattTime]:
    server = FakeWattTime.start(timeout_sleep_s=SERVER_TIMEOUT_SLEEP_S, drip_interval_s=DRIP_INTERVAL_S)
    yield server
    server.stop()


@pytest.fixture
def session_factory() -> Iterator[Callable[..., requests.Session]]:
    """make_session with a tiny backoff; every session made is closed after the test."""
    sessions: list[requests.Session] = []

    def make(cache_path: Path | None = None, ttl_s: float = 60.0, **kwargs: object) -> requests.Session:
        kwargs.setdefault("backoff", BACKOFF_S)
        session = make_session(cache_path, ttl_s, **kwargs)  # type: ignore[arg-type]
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def session(session_factory: Callable[..., requests.Session]) -> requests.Session:
    return session_factory()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def em_client(em_server: FakeElectricityMaps, session: requests.Session) -> ElectricityMapsClient:
    return ElectricityMapsClient(
        session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S, deadline_s=DEADLINE_S
    )


@pytest.fixture
def wt_client(wt_server: FakeWattTime, session: requests.Session, clock: FakeClock) -> WattTimeClient:
    return WattTimeClient(
        session,
        wt_server.api_url,
        wt_server.username,
        wt_server.password,
        timeout_s=TIMEOUT_S,
        deadline_s=DEADLINE_S,
        clock=clock,
    )


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_calls(action: Callable[[], object]) -> int:
    """How many Python functions `action` calls on this thread: a stand-in for its CPU that a busy machine does not
    change."""
    calls = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    # Earlier tests' garbage, collected in the middle of the count, would add its finalizers' calls (thousands).
    gc.collect()
    gc.disable()
    sys.setprofile(count)
    try:
        action()
    finally:
        sys.setprofile(None)
        gc.enable()
    return calls

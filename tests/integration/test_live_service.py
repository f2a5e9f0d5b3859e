"""LiveService, the path the window and the CLI take: the HTTP cache across a reopen (no request, no login, and
receive times that are the cache's, not now), and the free plan's refused forecast remembered per key.

Every test runs twice: fetching in-process (the CLI) and in the helper process (the window, isolate=True)."""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from carbon_gui import live_service
from carbon_gui.core.catalog import Region
from carbon_gui.core.signals import PART_FORECAST, GridSignal
from carbon_gui.live_service import LiveService
from carbon_gui.providers import ELECTRICITYMAPS, WATTTIME
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources.live import NOT_IN_PLAN_SKIPPED, LiveFetcher, NoCoverage

from .conftest import FRANKFURT, SF, Fetched, region
from .fake_providers import FakeElectricityMaps, FakeWattTime

NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)  # fixed, so every fetch asks the same WattTime history window
EM_REGIONS = [region("europe-west4", "NL"), region("europe-west3", "DE")]
WT_REGIONS = [region("us-west-sf", "US-CAL-CISO", *SF), region("europe-west3", "DE", *FRANKFURT)]


@pytest.fixture(params=[False, True], ids=["in-process", "isolated"])
def isolate(request: pytest.FixtureRequest) -> Iterator[bool]:
    yield request.param
    for service in _made:  # stop their helper processes
        service.close()
    _made.clear()


_made: list[LiveService] = []


def _service(*args: Any, isolate: bool, **kwargs: Any) -> LiveService:
    service = LiveService(*args, isolate=isolate, **kwargs)
    _made.append(service)
    return service


def em_service(server: FakeElectricityMaps, cache: Path, token: list[str], isolate: bool) -> LiveService:
    """A service whose Electricity Maps token is whatever `token[0]` holds when it fetches."""
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": server.api_url}

    def credentials() -> Credentials:
        return Credentials(Secret(token[0]))

    return _service(credentials, environ=environ, cache_path=cache, timeout_s=2, isolate=isolate)


def wt_service(server: FakeWattTime, cache: Path, isolate: bool) -> LiveService:
    credentials = Credentials(watttime_username=server.username, watttime_password=Secret(server.password))
    environ = {"CARBON_GUI_WATTTIME_URL": server.api_url}
    return _service(lambda: credentials, environ=environ, cache_path=cache, timeout_s=2, isolate=isolate)


def fetch(service: LiveService, provider: str, regions: list[Region], fetcher: LiveFetcher | None = None) -> Fetched:
    fetched = Fetched()
    service.fetch(provider, regions, fetched.on_signal, fetcher or LiveFetcher(), now=NOW)
    assert fetched.calls, "the fetch reported nothing"
    return fetched


def receive_times(fetched: Fetched) -> list[datetime]:
    times = [t for signal, _ in fetched.calls for t in signal.part_times.values()]
    assert times, "no part came with a receive time"
    return times


@pytest.fixture
def em() -> Iterator[FakeElectricityMaps]:
    with FakeElectricityMaps.start() as server:
        yield server


@pytest.fixture
def wt() -> Iterator[FakeWattTime]:
    with FakeWattTime.start() as server:
        yield server


# --- the cache: reopening and refreshing within the TTL ------------------------------------------------------


def test_reopening_within_the_ttl_makes_no_watttime_request_not_even_a_login(
    wt: FakeWattTime, tmp_path: Path, isolate: bool
) -> None:
    cache = tmp_path / "http.sqlite"
    started = datetime.now(UTC)
    first = fetch(wt_service(wt, cache, isolate), WATTTIME, WT_REGIONS)
    first_done = datetime.now(UTC)
    asked = wt.count()
    assert wt.count("login") == 1 and asked == 6  # login, 2 lookups, forecast, historical, signal-index

    second = fetch(wt_service(wt, cache, isolate), WATTTIME, WT_REGIONS)  # a new service: the app was reopened
    assert wt.count() == asked  # 0 requests, /login included
    assert second.by_region()["us-west-sf"].latest == first.by_region()["us-west-sf"].latest
    assert second.by_region()["europe-west3"].problems[0].message == "no WattTime coverage here"
    # the parts carry the time the cache stored them, never the time of the second fetch
    assert all(started <= t <= first_done for t in receive_times(second))


def test_refresh_within_the_ttl_shows_the_cached_times(em: FakeElectricityMaps, tmp_path: Path, isolate: bool) -> None:
    service = em_service(em, tmp_path / "http.sqlite", [em.token], isolate)
    started = datetime.now(UTC)
    first = fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    first_done = datetime.now(UTC)
    asked = em.count()
    assert asked == 8  # 2 zones × latest, history, forecast, power history
    second = fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    assert em.count() == asked
    times = receive_times(second)
    assert len(times) == 8 and all(started <= t <= first_done for t in times)
    assert len(receive_times(first)) == 8


def test_after_the_ttl_the_times_are_new(
    em: FakeElectricityMaps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolate: bool
) -> None:
    monkeypatch.setattr(live_service, "CACHE_TTL_S", 1)
    service = em_service(em, tmp_path / "http.sqlite", [em.token], isolate)
    first = fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1])
    time.sleep(1.1)  # the cached answers expire
    between = datetime.now(UTC)
    second = fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1])
    assert em.count("carbon-intensity/latest") == 2
    assert max(receive_times(first)) <= between <= min(receive_times(second))


# --- the free plan's refused forecast, remembered for the key that was refused -------------------------------


def forecast_asked(signal: GridSignal) -> bool:
    return not any(p.message == NOT_IN_PLAN_SKIPPED for p in signal.problems)


def test_a_refused_forecast_is_not_asked_again_for_the_same_key(
    em: FakeElectricityMaps, tmp_path: Path, isolate: bool
) -> None:
    em.plan = "free"
    service = em_service(em, tmp_path / "http.sqlite", [em.token], isolate)
    fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    assert em.count("carbon-intensity/forecast") == 2
    em.reset()
    signal = fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1]).one()
    assert em.count("carbon-intensity/forecast") == 0 and not forecast_asked(signal)


def test_a_new_key_is_asked_for_forecasts_again(em: FakeElectricityMaps, tmp_path: Path, isolate: bool) -> None:
    em.plan = "free"
    token = [em.token]
    service = em_service(em, tmp_path / "http.sqlite", token, isolate)
    fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    assert em.count("carbon-intensity/forecast") == 2
    em.token = token[0] = "a-new-key-on-a-bigger-plan"  # the user entered a new key
    em.plan = "commercial"
    signal = fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1]).one()
    assert em.count("carbon-intensity/forecast") == 3
    assert forecast_asked(signal) and signal.forecast and PART_FORECAST in signal.part_times
    assert signal.problems == ()


def test_the_refusal_is_remembered_without_the_key_in_clear(
    em: FakeElectricityMaps, tmp_path: Path, isolate: bool
) -> None:
    em.plan = "free"
    service = em_service(em, tmp_path / "http.sqlite", [em.token], isolate)
    fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1])
    state = repr(vars(service)) + repr(service._client_key) + repr(service._forecast_denied)
    assert service._forecast_denied is not None
    assert em.token not in state and em.token.encode() not in service._forecast_denied[0]


def test_cancelled_fetch_does_not_change_the_memory(em: FakeElectricityMaps, tmp_path: Path, isolate: bool) -> None:
    em.plan = "free"
    service = em_service(em, tmp_path / "http.sqlite", [em.token], isolate)
    fetcher = LiveFetcher()
    fetcher.cancel()
    service.fetch(ELECTRICITYMAPS, EM_REGIONS, Fetched().on_signal, fetcher, now=NOW)
    assert service._forecast_denied is None
    assert em.count() == 0  # cancelled before any task started


# --- the WattTime region cache lives as long as the service ---------------------------------------------------


def test_no_coverage_is_remembered_across_refreshes(
    wt: FakeWattTime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolate: bool
) -> None:
    monkeypatch.setattr(live_service, "CACHE_TTL_S", 0)  # no HTTP cache: it must not be what saves the lookups
    service = wt_service(wt, tmp_path / "http.sqlite", isolate)
    fetch(service, WATTTIME, WT_REGIONS)
    assert service.watttime_regions == {
        "us-west-sf": "CAISO_NORTH",
        "europe-west3": NoCoverage("no WattTime coverage here"),
    }
    assert wt.count("region-from-loc") == 2 and wt.count("forecast") == 1
    again = fetch(service, WATTTIME, WT_REGIONS).by_region()
    assert wt.count("region-from-loc") == 2  # neither region asked again, the one without coverage included
    assert wt.count("forecast") == 2  # while the data was fetched anew
    assert [p.message for p in again["europe-west3"].problems] == ["no WattTime coverage here"]


# --- in-process fetches keep their threads ----------------------------------------------------------------------


def test_in_process_fetches_keep_their_threads_until_the_service_closes(
    em: FakeElectricityMaps, tmp_path: Path
) -> None:
    """As the helper process does: the threads of a refresh wait for the next one (~120 thread starts delayed its
    requests), and closing the service lets them go."""

    def fetch_threads() -> set[int]:
        return {t.ident or 0 for t in threading.enumerate() if t.name.startswith("carbon-gui-fetch")}

    service = LiveService(
        lambda: Credentials(Secret(em.token)),
        environ={"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url},
        cache_path=tmp_path / "http.sqlite",
        timeout_s=2,
    )
    others = fetch_threads()  # other services' (earlier tests' in this process)
    fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    after_the_first = fetch_threads() - others
    assert after_the_first
    service._cache_path = tmp_path / "other.sqlite"  # a cold cache: every request goes out again
    service._clients.clear()
    service._client_key.clear()
    fetch(service, ELECTRICITYMAPS, EM_REGIONS)
    time.sleep(0.3)  # (a pool per fetch let its threads go as the fetch ended)
    # (a submit may still start a thread: a worker counts as idle a moment after its answer is in)
    assert after_the_first <= fetch_threads(), "the first fetch's threads are gone: each fetch started its own"
    service.close()
    deadline = time.monotonic() + 5
    while fetch_threads() & after_the_first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not fetch_threads() & after_the_first, "the service's fetch threads outlived it"

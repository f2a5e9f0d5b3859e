"""One WattTime login per refresh (issue 8, item 4), against the fake WattTime on 127.0.0.1.

A refresh of many regions logs in once: concurrent region fetches wait for that one attempt and share its token or
its failure. A failed login (5xx, timeout, refused, malformed) is the answer for every region of that refresh, with
no further request; the next refresh tries again. Checked in-process (the CLI) and in the helper process (the
window), where one refresh is one order to the helper."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carbon_gui.live_service import LiveService
from carbon_gui.providers import WATTTIME
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources.live import LiveFetcher, RegionCache
from carbon_gui.sources.watttime import WattTimeClient

from .conftest import DEADLINE_S, SF, Fetched, fetch_wt, login_message, region
from .fake_providers import FakeWattTime, Fault
from .test_cli_live import run_cli

NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
MANY = [region(f"us-west-{i}", "", SF[0] + i / 100, SF[1]) for i in range(12)]  # all in CAISO_NORTH
LOGIN_FAULTS = ["503", "500", "malformed", "wrong_shape", "empty", "401"]


def _problems(fetched: Fetched) -> set[tuple[tuple[str, str], ...]]:
    return {tuple((p.endpoint, p.message) for p in signal.problems) for signal, _ in fetched.calls}


def _assert_every_region_told(fetched: Fetched, message: str | None) -> None:
    assert sorted(names[0] for _, names in fetched.calls) == sorted(r.name for r in MANY)
    assert _problems(fetched) == {(("login", message),)}


@pytest.mark.parametrize("fault", LOGIN_FAULTS)
def test_a_failed_login_is_one_request_for_a_whole_refresh(
    fault: str, wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["login"] = fault
    fetched = fetch_wt(wt_client, *MANY, now=NOW)
    assert wt_server.count("login") == 1  # not one per region, and a 503 is not retried by the transport either
    assert wt_server.count() == 1  # and nothing else was asked after it
    _assert_every_region_told(fetched, login_message(fault))


def test_a_failed_login_also_stops_the_data_requests_of_known_regions(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    cache: RegionCache = {r.name: f"REGION_{i}" for i, r in enumerate(MANY)}  # 12 WattTime regions, 36 requests
    wt_server.faults["login"] = "503"
    fetched = fetch_wt(wt_client, *MANY, region_cache=cache, now=NOW)
    assert wt_server.count() == 1
    _assert_every_region_told(fetched, login_message("503"))


@pytest.mark.parametrize("fault", ["timeout", "drip"])  # answers after 1.5 s / one byte every 50 ms
def test_a_silent_login_ends_the_refresh_within_one_login_deadline(
    fault: str, wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["login"] = fault  # the client's read timeout is 0.25 s, its deadline per call 0.45 s
    started = time.monotonic()
    fetched = fetch_wt(wt_client, *MANY, now=NOW)
    elapsed = time.monotonic() - started
    assert wt_server.count("login") == 1
    assert elapsed < 2 * DEADLINE_S, f"{elapsed:.2f} s: logins were tried one after another"  # 12 would take 3 s
    _assert_every_region_told(fetched, login_message("timeout"))


def test_the_next_refresh_logs_in_again_after_a_server_error(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["login"] = Fault("503", times=1)
    first = fetch_wt(wt_client, *MANY, now=NOW)
    _assert_every_region_told(first, login_message("503"))
    second = fetch_wt(wt_client, *MANY, now=NOW)
    assert wt_server.count("login") == 2
    assert _problems(second) == {()}
    assert len({id(signal) for signal, _ in second.calls}) == 1  # one CAISO_NORTH signal, shared


def test_a_successful_login_is_shared_by_every_region(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_server.latency_s = 0.05  # the login is still running when the other regions need a token
    fetched = fetch_wt(wt_client, *MANY, now=NOW)
    assert wt_server.count("login") == 1
    assert _problems(fetched) == {()}


def test_a_token_refused_mid_refresh_gets_one_new_login(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.my_access()  # a token from an earlier refresh, which WattTime has since expired
    wt_server.expire_tokens()
    fetched = fetch_wt(wt_client, *MANY, now=NOW)
    assert wt_server.count("login") == 2
    assert _problems(fetched) == {()}


# --- the window's helper process: one refresh is one order --------------------------------------------------


@pytest.fixture(params=[False, True], ids=["in-process", "isolated"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveService, FakeWattTime]]:
    with FakeWattTime.start() as server:
        credentials = Credentials(watttime_username=server.username, watttime_password=Secret(server.password))
        live = LiveService(lambda: credentials, environ={"CARBON_GUI_WATTTIME_URL": server.api_url},
                           cache_path=tmp_path / "cache.sqlite", timeout_s=2, isolate=request.param)  # fmt: skip
        try:
            yield live, server
        finally:
            live.close()


def test_one_login_per_refresh_through_the_live_service(service: tuple[LiveService, FakeWattTime]) -> None:
    live, server = service
    server.faults["login"] = "503"
    for refresh in (1, 2):
        fetched = Fetched()
        live.fetch(WATTTIME, MANY, fetched.on_signal, LiveFetcher(), now=NOW)
        assert server.count("login") == refresh  # one attempt per refresh, each tried afresh
        _assert_every_region_told(fetched, login_message("503"))
    assert server.count() == 2


def test_cleanest_live_with_a_failing_login_asks_once_and_says_so(tmp_path: Path) -> None:
    with FakeWattTime.start(faults={"login": "503"}) as server:
        env = {"CARBON_GUI_WATTTIME_URL": server.api_url, "CARBON_GUI_WATTTIME_USERNAME": server.username,
               "CARBON_GUI_WATTTIME_PASSWORD": server.password, "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        started = time.monotonic()
        result = run_cli("cleanest", "--live", "--provider", "watttime", env=env)
        elapsed = time.monotonic() - started
        assert server.count() == 1  # every region of the refresh was told the same, without a request
    assert result.returncode == 2 and "Traceback" not in result.stderr
    reasons = result.stderr.removeprefix("carbon-gui: no region has a current value (").removesuffix(").\n")
    assert set(reasons.split("; ")) == {login_message("503"), "no coordinates for this region"}
    assert elapsed < 30, f"{elapsed:.0f} s"  # one login per region, each retried 3 times, took minutes

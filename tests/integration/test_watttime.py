"""WattTime against the fake server: the client's endpoints, units, tokens and errors, and the signals LiveFetcher
builds from them (region lookups as pool tasks, the region cache, signal-index, which value is "latest")."""

import base64
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from carbon_gui.core.signals import (
    LBS_PER_MWH_TO_G_PER_KWH,
    PART_FORECAST,
    PART_HISTORY,
    PART_INDEX,
    PART_LATEST,
    RelativeIndex,
    SignalKind,
    SignalPoint,
)
from carbon_gui.sources.live import LiveFetcher, NoCoverage, RegionCache, watttime_latest
from carbon_gui.sources.provider_errors import (
    BadResponse,
    KeyRejected,
    NoAccess,
    ProviderError,
    RateLimited,
    UnknownZone,
)
from carbon_gui.sources.watttime import TOKEN_REFRESH_S, SignalIndex, WattTimeClient

from .conftest import (
    DEADLINE_S,
    EXPECTED,
    FAST_FAULTS,
    FRANKFURT,
    SF,
    SLOW_FAULTS,
    TIMEOUT_S,
    FakeClock,
    assert_no_secret,
    fetch_wt,
    login_message,
    region,
    wait_for,
)
from .fake_providers import FakeWattTime, Fault, fixture

NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
WASHINGTON = (38.9, -77.0)
WITH_PJM = {"CAISO_NORTH": (35.5, 42.0, -124.5, -117.0), "PJM_DC": (38.0, 40.0, -78.0, -76.0)}
START, END = datetime(2025, 6, 1, 11, tzinfo=UTC), datetime(2025, 6, 1, 12, tzinfo=UTC)

ENDPOINTS: dict[str, Callable[[WattTimeClient], Any]] = {
    "login": lambda c: c.forecast("CAISO_NORTH"),  # every call starts with a login
    "region-from-loc": lambda c: c.region_from_loc(*SF),
    "signal-index": lambda c: c.signal_index("CAISO_NORTH"),
    "forecast": lambda c: c.forecast("CAISO_NORTH"),
    "historical": lambda c: c.historical("CAISO_NORTH", START, END),
    "my-access": lambda c: c.my_access(),
}


def _client(server: FakeWattTime, session: requests.Session, **kwargs: Any) -> WattTimeClient:
    kwargs.setdefault("timeout_s", TIMEOUT_S)
    kwargs.setdefault("deadline_s", DEADLINE_S)
    username = kwargs.pop("username", server.username)
    password = kwargs.pop("password", server.password)
    return WattTimeClient(session, server.api_url, username, password, **kwargs)


def _secrets(server: FakeWattTime) -> list[str]:
    basic = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
    return [server.password, basic, *server.issued_tokens]


# --- happy paths ---------------------------------------------------------------------------------------------


def test_login_uses_basic_auth_and_the_token_is_a_bearer(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.forecast("CAISO_NORTH")
    login, forecast = wt_server.requests
    assert login.path == "/login"
    expected = base64.b64encode(f"{wt_server.username}:{wt_server.password}".encode()).decode()
    assert login.headers["authorization"] == f"Basic {expected}"
    assert forecast.path == "/v3/forecast"
    assert forecast.headers["authorization"] == f"Bearer {wt_server.issued_tokens[0]}"


def test_region_from_loc(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    assert wt_client.region_from_loc(*SF) == "CAISO_NORTH"
    request = wt_server.requests_to("region-from-loc")[0]
    assert request.query == {"latitude": ["37.7700"], "longitude": ["-122.4200"], "signal_type": ["co2_moer"]}


def test_region_from_loc_without_coverage(wt_client: WattTimeClient) -> None:
    with pytest.raises(UnknownZone) as caught:
        wt_client.region_from_loc(50.1, 8.7)
    assert caught.value.message == "no WattTime coverage here"
    assert caught.value.endpoint == "region-from-loc"


def test_signal_index_is_a_percentile_not_an_intensity(wt_client: WattTimeClient) -> None:
    index = wt_client.signal_index("CAISO_NORTH")
    assert index == SignalIndex(time=datetime(2025, 6, 1, 12, tzinfo=UTC), percentile=42.0, region="CAISO_NORTH")
    assert not isinstance(index, SignalPoint)
    assert not hasattr(index, "value")


def test_signal_index_out_of_range_is_refused(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    body = fixture("wt_v3_signal-index.json")
    body["data"][0]["value"] = 420.0
    wt_server.faults["signal-index"] = Fault("status", status=200, body=body)
    with pytest.raises(BadResponse):
        wt_client.signal_index("CAISO_NORTH")


def test_forecast_converts_lbs_per_mwh(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    forecast = wt_client.forecast("CAISO_NORTH", horizon_hours=12)
    assert len(forecast) == 10
    assert forecast[0].time == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert forecast[0].value == pytest.approx(812 * 0.45359237)
    assert forecast[0].value == pytest.approx(812 * LBS_PER_MWH_TO_G_PER_KWH)
    assert [p.time - forecast[0].time for p in forecast[:3]] == [
        timedelta(0),
        timedelta(minutes=5),
        timedelta(minutes=10),
    ]
    request = wt_server.requests_to("forecast")[0]
    assert request.query == {"region": ["CAISO_NORTH"], "signal_type": ["co2_moer"], "horizon_hours": ["12"]}


@pytest.mark.parametrize("units", ["g_co2_per_kwh", None])
def test_forecast_in_other_units_is_refused(
    units: str | None, wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    body = fixture("wt_v3_forecast.json")
    if units is None:
        del body["meta"]["units"]
    else:
        body["meta"]["units"] = units
    wt_server.faults["forecast"] = Fault("status", status=200, body=body)
    with pytest.raises(BadResponse) as caught:
        wt_client.forecast("CAISO_NORTH")
    assert caught.value.message == "malformed answer from the provider"


def test_historical_sends_zoned_times_and_marks_imputed_points(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    body = fixture("wt_v3_historical.json")
    body["data"][2]["imputed_data_used"] = True
    body["data"][3]["value"] = None
    wt_server.faults["historical"] = Fault("status", status=200, body=body)
    berlin = timezone_plus(2)
    points = wt_client.historical("CAISO_NORTH", START.astimezone(berlin), END)
    assert [p.estimated for p in points] == [False, False, True, False]
    assert points[0].value == pytest.approx(812 * LBS_PER_MWH_TO_G_PER_KWH)
    assert points[3].value is None
    request = wt_server.requests_to("historical")[0]
    assert request.param("start") == "2025-06-01T11:00:00+00:00"
    assert request.param("end") == "2025-06-01T12:00:00+00:00"


def timezone_plus(hours: int) -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_historical_refuses_naive_times_before_any_request(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    with pytest.raises(ValueError):
        wt_client.historical("CAISO_NORTH", datetime(2025, 6, 1, 11), END)
    assert wt_server.count("historical") == 0


def test_historical_accepts_the_server_check(wt_client: WattTimeClient) -> None:
    points = wt_client.historical("CAISO_NORTH", START, END)  # the fake answers 400 to times without an offset
    assert len(points) == 4


def test_my_access(wt_client: WattTimeClient) -> None:
    access = wt_client.my_access()
    assert access["signal_types"][0]["regions"][0]["region"] == "CAISO_NORTH"


# --- tokens --------------------------------------------------------------------------------------------------


def test_token_is_reused(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.forecast("CAISO_NORTH")
    wt_client.signal_index("CAISO_NORTH")
    wt_client.historical("CAISO_NORTH", START, END)
    wt_client.my_access()
    wt_client.region_from_loc(*SF)
    assert wt_server.count("login") == 1
    bearers = {r.headers["authorization"] for r in wt_server.requests if r.route != "login"}
    assert bearers == {f"Bearer {wt_server.issued_tokens[0]}"}


def test_token_is_refreshed_before_it_expires(
    wt_client: WattTimeClient, wt_server: FakeWattTime, clock: FakeClock
) -> None:
    wt_client.forecast("CAISO_NORTH")
    clock.advance(TOKEN_REFRESH_S - 60)
    wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 1
    clock.advance(120)  # 26 minutes after the login
    wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2
    assert wt_server.requests[-1].headers["authorization"] == f"Bearer {wt_server.issued_tokens[1]}"


def test_token_refresh_still_works_with_a_cache(
    tmp_path: Any, session_factory: Callable[..., requests.Session], wt_server: FakeWattTime, clock: FakeClock
) -> None:
    client = _client(wt_server, session_factory(tmp_path / "cache.sqlite", ttl_s=3600), clock=clock)
    client.forecast("CAISO_NORTH")
    clock.advance(TOKEN_REFRESH_S + 60)
    client.forecast("CAISO_NORTH")  # from the cache: no token needed, so none is renewed
    assert wt_server.count("login") == 1
    client.signal_index("CAISO_NORTH")  # a request: the 26-minute-old token is renewed first
    assert wt_server.count("login") == 2
    assert wt_server.requests[-1].headers["authorization"] == f"Bearer {wt_server.issued_tokens[1]}"


def test_new_login_after_a_401(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.forecast("CAISO_NORTH")
    wt_server.expire_tokens()
    assert len(wt_client.forecast("CAISO_NORTH")) == 10
    assert wt_server.count("login") == 2
    assert wt_server.count("forecast") == 3  # ok, 401, ok with the new token


def test_a_persistent_401_gives_up_after_one_new_login(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_server.faults["forecast"] = "401"
    with pytest.raises(KeyRejected):
        wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2
    assert wt_server.count("forecast") == 2


def test_a_bare_403_gets_one_new_login_but_invalid_scope_does_not(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["forecast"] = Fault("403_html", times=1)
    assert wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2
    wt_server.faults["forecast"] = "403"
    with pytest.raises(NoAccess):
        wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2


def test_a_refused_login_is_not_retried_for_a_minute(
    session: requests.Session, wt_server: FakeWattTime, clock: FakeClock
) -> None:
    client = _client(wt_server, session, password="wrong", clock=clock)
    for _ in range(3):
        with pytest.raises(KeyRejected) as caught:
            client.forecast("CAISO_NORTH")
        assert caught.value.endpoint == "login"
    assert wt_server.count("login") == 1
    clock.advance(61)
    with pytest.raises(KeyRejected):
        client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2


def test_a_rate_limited_login_waits_for_retry_after(
    wt_client: WattTimeClient, wt_server: FakeWattTime, clock: FakeClock
) -> None:
    wt_server.faults["login"] = Fault("429", times=1, retry_after="120")
    with pytest.raises(RateLimited) as caught:
        wt_client.forecast("CAISO_NORTH")
    assert caught.value.retry_after_s == 120
    clock.advance(60)
    with pytest.raises(RateLimited) as caught:
        wt_client.forecast("CAISO_NORTH")
    assert caught.value.retry_after_s == pytest.approx(60)
    assert wt_server.count("login") == 1
    clock.advance(61)
    assert wt_client.forecast("CAISO_NORTH")
    assert wt_server.count("login") == 2


def test_many_threads_share_one_login(
    wt_server: FakeWattTime, session_factory: Callable[..., requests.Session]
) -> None:
    client = _client(wt_server, session_factory(pool_size=64), timeout_s=5.0, deadline_s=10.0)
    barrier = threading.Barrier(48)

    def call(_: int) -> int:
        barrier.wait()
        return len(client.forecast("CAISO_NORTH"))

    with ThreadPoolExecutor(48) as pool:
        assert list(pool.map(call, range(48))) == [10] * 48
    assert wt_server.count("login") == 1


# --- check_key -----------------------------------------------------------------------------------------------


def test_check_key(session: requests.Session, wt_server: FakeWattTime, free_port: int) -> None:
    assert _client(wt_server, session).check_key() == "accepted"
    assert _client(wt_server, session, password="nope").check_key() == "rejected"
    wt_server.faults["my-access"] = "403"
    assert _client(wt_server, session).check_key() == "no access to this endpoint"
    offline = WattTimeClient(session, f"http://127.0.0.1:{free_port}", "u", "p", timeout_s=TIMEOUT_S)
    assert offline.check_key() == "WattTime login failed: offline"


def test_check_key_always_logs_in_afresh(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.forecast("CAISO_NORTH")
    assert wt_client.check_key() == "accepted"
    assert wt_server.count("login") == 2


# --- faults --------------------------------------------------------------------------------------------------

WT_FAULTS = [f for f in (*FAST_FAULTS, *SLOW_FAULTS) if f != "403_zone"]


def _expected_message(endpoint: str, fault: str) -> str | None:
    if fault == "unknown_zone" and endpoint == "region-from-loc":
        return "no WattTime coverage here"
    return login_message(fault) if endpoint == "login" else EXPECTED[fault].message


FAULT_CASES = [
    (endpoint, fault)
    for endpoint in ENDPOINTS
    for fault in WT_FAULTS
    if not (fault == "unknown_zone" and endpoint in ("login", "my-access"))  # no zone in those requests
]


@pytest.mark.parametrize(("endpoint", "fault"), FAULT_CASES)
def test_fault_on_endpoint(endpoint: str, fault: str, wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_server.faults[endpoint] = fault
    expected = EXPECTED[fault]
    call = ENDPOINTS[endpoint]
    if expected.error is None:
        result = call(wt_client)
        if endpoint in ("login", "region-from-loc", "my-access"):
            assert result  # nothing numeric in these answers
        elif endpoint == "signal-index":
            assert result.percentile is None
        else:
            assert result and all(p.value is None for p in result)
        return
    with pytest.raises(ProviderError) as caught:
        call(wt_client)
    err = caught.value
    assert type(err) is expected.error
    assert err.message == _expected_message(endpoint, fault)
    assert err.endpoint == endpoint
    assert_no_secret(err, _secrets(wt_server))
    if fault == "429":
        assert err.retry_after_s == 30.0



# --- signals built by LiveFetcher ----------------------------------------------------------------------------


def test_fetch_builds_a_marginal_signal_with_every_part(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    started = datetime.now(UTC)
    signal = fetch_wt(wt_client, now=NOW).one()
    finished = datetime.now(UTC)
    assert signal.kind is SignalKind.MARGINAL
    assert signal.source == "WattTime" and signal.zone == "CAISO_NORTH" and signal.fetched_at == NOW
    assert signal.unit == "gCO2e/kWh" and signal.problems == ()
    assert len(signal.forecast) == 10 and len(signal.history) == 4
    assert signal.index == RelativeIndex(datetime(2025, 6, 1, 12, tzinfo=UTC), 42.0)
    assert set(signal.part_times) == {PART_LATEST, PART_HISTORY, PART_FORECAST, PART_INDEX}
    assert all(started <= t <= finished for t in signal.part_times.values())
    assert sorted(r.route or "" for r in wt_server.requests) == sorted(
        ["login", "region-from-loc", "forecast", "historical", "signal-index"]
    )
    historical = wt_server.requests_to("historical")[0]  # the last 24 h, up to `now` rounded up to 5 minutes
    assert historical.param("start") == "2025-05-31T12:05:00+00:00"
    assert historical.param("end") == "2025-06-01T12:05:00+00:00"


def test_latest_is_the_forecast_of_the_current_period_when_no_recent_measurement(wt_client: WattTimeClient) -> None:
    signal = fetch_wt(wt_client, now=NOW).one()  # the newest measured MOER is from 11:15, 47 minutes ago
    assert signal.latest == SignalPoint(signal.forecast[0].time, signal.forecast[0].value, estimated=True)
    assert signal.part_times[PART_LATEST] == signal.part_times[PART_FORECAST]
    assert signal.notes == (
        "latest: forecast for the current period from 12:00 UTC (no measured MOER in the last 15 min)",
    )


def test_latest_is_the_measured_value_when_it_is_recent(wt_client: WattTimeClient) -> None:
    signal = fetch_wt(wt_client, now=datetime(2025, 6, 1, 11, 27, tzinfo=UTC)).one()  # 11:15 is 12 min old
    assert signal.latest == signal.history[-1] and not signal.latest.estimated
    assert signal.part_times[PART_LATEST] == signal.part_times[PART_HISTORY]
    assert signal.notes == ("latest: measured MOER for 11:15 UTC (historical)",)


def test_latest_is_an_older_measurement_when_the_forecast_fails(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["forecast"] = "503"
    signal = fetch_wt(wt_client, now=NOW).one()
    assert signal.forecast == () and signal.latest == signal.history[-1]
    assert signal.notes == ("latest: measured MOER for 11:15 UTC (no forecast)",)
    assert [p.message for p in signal.problems] == ["provider error (HTTP 503)"]


def test_watttime_latest_skips_null_values() -> None:
    t = datetime(2025, 6, 1, 12, tzinfo=UTC)
    history = (SignalPoint(t - timedelta(minutes=5), 300.0), SignalPoint(t, None))
    assert watttime_latest(history, (), t)[0] == history[0]
    assert watttime_latest((), (SignalPoint(t, None),), t) == (None, None, "")


def test_a_free_account_gets_problems_for_other_regions(session: requests.Session) -> None:
    with FakeWattTime.start(regions={"CAISO_NORTH"}, coverage=WITH_PJM) as server:
        client = _client(server, session)
        regions = [region("us-west-sf", "", *SF), region("us-east-dc", "", *WASHINGTON)]
        signals = fetch_wt(client, *regions, now=NOW).by_region()
        assert server.count("login") == 1  # "Invalid scope" is the plan talking: no new login
    assert signals["us-west-sf"].problems == () and signals["us-west-sf"].index is not None
    refused = signals["us-east-dc"]
    assert refused.zone == "PJM_DC" and refused.latest is None and refused.index is None
    assert sorted((p.endpoint, p.message) for p in refused.problems) == [
        ("forecast", "endpoint not in your plan"),
        ("historical", "endpoint not in your plan"),
        ("signal-index", "endpoint not in your plan"),
    ]


def test_a_refused_login_is_reported_once_per_region(session: requests.Session, wt_server: FakeWattTime) -> None:
    client = _client(wt_server, session, password="wrong")
    regions = [region(f"r{i}", "", *SF) for i in range(3)]
    fetched = fetch_wt(client, *regions, now=NOW)
    assert len(fetched.calls) == 3
    for signal, _ in fetched.calls:
        assert [(p.endpoint, p.message) for p in signal.problems] == [("login", "key rejected")]
    assert wt_server.count() == 1  # one refused login; the others waited for it and were told the same


def test_signal_index_refused_is_a_problem_not_a_failure(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_server.faults["signal-index"] = "403"
    signal = fetch_wt(wt_client, now=NOW).one()
    assert signal.index is None and PART_INDEX not in signal.part_times
    assert [(p.endpoint, p.message) for p in signal.problems] == [("signal-index", "endpoint not in your plan")]
    assert signal.latest is not None and signal.forecast and signal.history


def test_region_lookups_run_at_once_on_the_pool(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.my_access()  # logged in beforehand, so only the lookups are held below
    wt_server.hold_until_in_flight = 12  # every answer waits until 12 requests are in the server at once
    wt_server.hold_timeout_s = 2.0
    regions = [region(f"r{i}", "", FRANKFURT[0] + i / 100, FRANKFURT[1]) for i in range(12)]
    fetched = fetch_wt(wt_client, *regions, now=NOW)
    assert wt_server.max_in_flight == 12, "the region lookups did not run concurrently"
    assert wt_server.count("region-from-loc") == 12
    assert sorted(names[0] for _, names in fetched.calls) == sorted(r.name for r in regions)


def test_every_region_gets_its_own_call_as_its_data_arrives(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    regions = [region("a", "", *SF), region("b", "", SF[0] + 0.1, SF[1]), region("c", "", *FRANKFURT)]
    cache: RegionCache = {"a": "CAISO_NORTH"}  # a is known, b is looked up, c has no coverage
    fetched = fetch_wt(wt_client, *regions, region_cache=cache, now=NOW)
    assert sorted(names for _, names in fetched.calls) == [["a"], ["b"], ["c"]]
    by_region = fetched.by_region()
    assert by_region["a"] is by_region["b"]  # one WattTime region, fetched once
    assert wt_server.count("forecast") == 1 and wt_server.count("region-from-loc") == 2
    assert [p.message for p in by_region["c"].problems] == ["no WattTime coverage here"]
    assert cache == {"a": "CAISO_NORTH", "b": "CAISO_NORTH", "c": NoCoverage("no WattTime coverage here")}


def test_no_coverage_is_remembered_but_passing_trouble_is_not(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    cache: RegionCache = {}
    regions = [region("frankfurt", "", *FRANKFURT), region("sf", "", *SF)]
    wt_server.faults["region-from-loc"] = Fault("503", times=4)  # the lookup fails after its 3 retries
    first = fetch_wt(wt_client, regions[1], region_cache=cache, now=NOW).one()
    assert [(p.endpoint, p.message) for p in first.problems] == [("region-from-loc", "provider error (HTTP 503)")]
    assert cache == {}
    fetch_wt(wt_client, *regions, region_cache=cache, now=NOW)
    assert cache == {"frankfurt": NoCoverage("no WattTime coverage here"), "sf": "CAISO_NORTH"}
    lookups = wt_server.count("region-from-loc")
    again = fetch_wt(wt_client, *regions, region_cache=cache, now=NOW).by_region()
    assert wt_server.count("region-from-loc") == lookups  # neither region is asked again
    assert [p.message for p in again["frankfurt"].problems] == ["no WattTime coverage here"]
    assert again["sf"].zone == "CAISO_NORTH"


class CancelsOnLookup:
    """The real client, with a spy on region_from_loc that cancels the fetch during the n-th lookup."""

    def __init__(self, client: WattTimeClient, fetcher: LiveFetcher, n: int) -> None:
        self._client, self._fetcher, self._n = client, fetcher, n
        self.lookups = 0

    def region_from_loc(self, lat: float, lon: float) -> str:
        self.lookups += 1
        if self.lookups == self._n:
            self._fetcher.cancel()
        return self._client.region_from_loc(lat, lon)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_cancel_stops_before_the_next_task(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    fetcher = LiveFetcher(pool_size=1)  # one task at a time, so "the next task" is well defined
    spy = CancelsOnLookup(wt_client, fetcher, n=3)
    regions = [region(f"r{i}", "", FRANKFURT[0] + i / 100, FRANKFURT[1]) for i in range(10)]
    fetched = fetch_wt(spy, *regions, fetcher=fetcher, now=NOW)
    # the fetch returns at once; the lookup running at the cancel finishes on its thread, then the pool's thread ends
    assert wait_for(lambda: not any(t.name.startswith("carbon-gui-fetch") for t in threading.enumerate()))
    assert spy.lookups == 3
    assert wt_server.count("region-from-loc") == 3
    # at most the first two lookups' answers were handed out (the loop may not have reached the second by then);
    # the third, answered after the cancel, never is
    assert {names[0] for _, names in fetched.calls} <= {"r0", "r1"}
    assert fetcher.cancelled


WT_FETCH_ENDPOINTS = ("login", "region-from-loc", "forecast", "historical", "signal-index")
FETCH_CASES = [(e, f) for e in WT_FETCH_ENDPOINTS for f in FAST_FAULTS if f != "403_zone"]
FETCH_CASES = [(e, f) for e, f in FETCH_CASES if not (f == "unknown_zone" and e == "login")]
FETCH_CASES += [("forecast", "timeout"), ("historical", "drip"), ("region-from-loc", "timeout")]
DATA_PARTS = {"forecast": PART_FORECAST, "historical": PART_HISTORY, "signal-index": PART_INDEX}
NULL_REASONS = {  # what an all-null answer is reported as
    "forecast": "WattTime returned no MOER forecast for CAISO_NORTH (all values null)",
    "historical": "WattTime returned no MOER history for CAISO_NORTH (all values null)",
}


@pytest.mark.parametrize(("endpoint", "fault"), FETCH_CASES)
def test_fetch_keeps_the_other_parts(
    endpoint: str, fault: str, wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults[endpoint] = fault
    signal = fetch_wt(wt_client, now=NOW).one()
    expected = EXPECTED[fault]
    assert signal.kind is SignalKind.MARGINAL
    for problem in signal.problems:
        assert all(secret not in repr(problem) for secret in _secrets(wt_server))
    if expected.error is None:  # nulls: the answers came, with nothing in them
        missing = NULL_REASONS.get(endpoint)
        if missing is None:  # nothing numeric (login, lookup), or a percentile that is simply not shown
            assert signal.problems == ()
            if endpoint in DATA_PARTS:
                assert DATA_PARTS[endpoint] in signal.part_times
            return
        assert [(p.endpoint, p.message) for p in signal.problems] == [(endpoint, missing)]
        assert DATA_PARTS[endpoint] not in signal.part_times  # the part is refused, the other one stands in
        assert signal.latest is not None and signal.latest.value is not None
        return
    if endpoint in ("login", "region-from-loc"):  # nothing but the reason
        message = _expected_message(endpoint, fault)
        assert [(p.endpoint, p.message) for p in signal.problems] == [(endpoint, message)]
        assert signal.zone == "us-west-sf" and signal.part_times == {} and signal.latest is None
        return
    assert [(p.endpoint, p.message) for p in signal.problems] == [(endpoint, expected.message)]
    assert set(signal.part_times) == {PART_LATEST, *DATA_PARTS.values()} - {DATA_PARTS[endpoint]}
    assert bool(signal.forecast) == (endpoint != "forecast")
    assert bool(signal.history) == (endpoint != "historical")
    assert (signal.index is not None) == (endpoint != "signal-index")
    assert signal.latest is not None  # the forecast's first point, or the last historical one

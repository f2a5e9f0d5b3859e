"""WattTimeClient against the fake WattTime server: endpoints, units, tokens, faults."""

import base64
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from carbon_gui.core.signals import LBS_PER_MWH_TO_G_PER_KWH, SignalKind, SignalPoint
from carbon_gui.sources.provider_errors import (
    BadResponse,
    KeyRejected,
    NoAccess,
    ProviderError,
    RateLimited,
    UnknownZone,
)
from carbon_gui.sources.watttime import TOKEN_REFRESH_S, SignalIndex, WattTimeClient

from .conftest import DEADLINE_S, EXPECTED, FAST_FAULTS, SLOW_FAULTS, TIMEOUT_S, FakeClock, assert_no_secret
from .fake_providers import FakeWattTime, Fault, fixture

NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
SF = (37.77, -122.42)  # covered by the fake's CAISO_NORTH
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


def test_fetch_signal(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    signal = wt_client.fetch_signal("CAISO_NORTH", now=NOW)
    assert signal.kind is SignalKind.MARGINAL
    assert signal.source == "WattTime" and signal.zone == "CAISO_NORTH" and signal.fetched_at == NOW
    assert signal.latest == signal.forecast[0]
    assert len(signal.forecast) == 10 and len(signal.history) == 4
    assert signal.problems == ()
    assert signal.unit == "gCO2e/kWh"
    historical = wt_server.requests_to("historical")[0]
    assert historical.param("start") == (NOW - timedelta(hours=24)).isoformat()
    assert historical.param("end") == NOW.isoformat()


def test_fetch_signal_for_a_free_account(session: requests.Session) -> None:
    with FakeWattTime.start(regions={"CAISO_NORTH"}) as server:
        client = _client(server, session)
        assert client.fetch_signal("CAISO_NORTH", now=NOW).problems == ()
        signal = client.fetch_signal("PJM_DC", now=NOW)
        assert server.count("login") == 1  # "Invalid scope" is the plan talking: no new login
    assert signal.latest is None and signal.forecast == () and signal.history == ()
    assert [(p.endpoint, p.message) for p in signal.problems] == [
        ("forecast", "endpoint not in your plan"),
        ("historical", "endpoint not in your plan"),
    ]


def test_fetch_signal_falls_back_to_history_for_latest(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_server.faults["forecast"] = "503"
    signal = wt_client.fetch_signal("CAISO_NORTH", now=NOW)
    assert signal.forecast == ()
    assert signal.latest == signal.history[-1]
    assert [p.message for p in signal.problems] == ["provider error (HTTP 503)"]


def test_fetch_signal_with_a_refused_login_reports_it_once(session: requests.Session, wt_server: FakeWattTime) -> None:
    client = _client(wt_server, session, password="wrong")
    signal = client.fetch_signal("CAISO_NORTH", now=NOW)
    assert [(p.endpoint, p.message) for p in signal.problems] == [("login", "key rejected")]
    assert wt_server.count() == 1


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
    assert offline.check_key() == "offline"


def test_check_key_always_logs_in_afresh(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    wt_client.forecast("CAISO_NORTH")
    assert wt_client.check_key() == "accepted"
    assert wt_server.count("login") == 2


# --- faults --------------------------------------------------------------------------------------------------

WT_FAULTS = [f for f in (*FAST_FAULTS, *SLOW_FAULTS) if f != "403_zone"]


def _expected_message(endpoint: str, fault: str) -> str | None:
    if fault == "unknown_zone" and endpoint == "region-from-loc":
        return "no WattTime coverage here"
    return EXPECTED[fault].message


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


FETCH_CASES = [(e, f) for e in ("login", "forecast", "historical") for f in FAST_FAULTS if f != "403_zone"]
FETCH_CASES += [("forecast", "timeout"), ("historical", "drip")]


@pytest.mark.parametrize(("endpoint", "fault"), FETCH_CASES)
def test_fetch_signal_keeps_the_other_parts(
    endpoint: str, fault: str, wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults[endpoint] = fault
    signal = wt_client.fetch_signal("CAISO_NORTH", now=NOW)
    expected = EXPECTED[fault]
    assert signal.kind is SignalKind.MARGINAL
    for problem in signal.problems:
        assert all(secret not in repr(problem) for secret in _secrets(wt_server))
    if expected.error is None:
        assert signal.problems == ()
        assert signal.forecast and signal.history
        return
    if endpoint == "login":
        assert [(p.endpoint, p.message) for p in signal.problems] == [("login", expected.message)]
        assert signal.forecast == () and signal.history == ()
        return
    assert [(p.endpoint, p.message) for p in signal.problems] == [(endpoint, expected.message)]
    assert bool(signal.forecast) == (endpoint != "forecast")
    assert bool(signal.history) == (endpoint != "historical")
    assert signal.latest is not None  # the forecast's first point, or the last historical one

"""Electricity Maps against the fake server: the client's endpoints and errors, and the signals LiveFetcher builds
from them (the path the window and the CLI use), for every endpoint and every fault."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from carbon_gui.core.signals import (
    PART_FORECAST,
    PART_HISTORY,
    PART_LATEST,
    PART_POWER,
    GridSignal,
    PowerMix,
    SignalKind,
    SignalPoint,
)
from carbon_gui.sources.electricitymaps import (
    EP_HISTORY,
    EP_LATEST,
    ElectricityMapsClient,
    signal_kind,
    zone_params,
)
from carbon_gui.sources.live import MIX_LATEST_ONLY, NOT_IN_PLAN_SKIPPED, LiveFetcher
from carbon_gui.sources.provider_errors import KeyRejected, NoAccess, Offline, ProviderError, RateLimited, UnknownZone

from .conftest import (
    EXPECTED,
    FAST_FAULTS,
    SLOW_FAULTS,
    TIMEOUT_S,
    Fetched,
    assert_no_secret,
    fetch_em,
    region,
    wait_for,
)
from .fake_providers import FakeElectricityMaps, Fault, fixture

NOW = datetime(2025, 6, 1, 12, 5, tzinfo=UTC)

# endpoint -> (call, check of a "nulls" answer)
ENDPOINTS: dict[str, Callable[[ElectricityMapsClient], Any]] = {
    "carbon-intensity/latest": lambda c: c.latest("NL"),
    "carbon-intensity/history": lambda c: c.history("NL"),
    "carbon-intensity/forecast": lambda c: c.forecast("NL"),
    "power-breakdown/latest": lambda c: c.power_breakdown_latest("NL"),
    "power-breakdown/history": lambda c: c.power_breakdown_history("NL"),
}


def _values(result: Any) -> list[float | None]:
    items = result if isinstance(result, tuple) else (result,)
    values: list[float | None] = []
    for item in items:
        if isinstance(item, SignalPoint):
            values.append(item.value)
        else:
            assert isinstance(item, PowerMix)
            values.extend(item.production_mw.values())
    return values


# --- happy paths ---------------------------------------------------------------------------------------------


def test_latest(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    point = em_client.latest("NL")
    assert point == SignalPoint(time=datetime(2025, 6, 1, 12, 0, tzinfo=UTC), value=274.0, estimated=True)
    assert point.time.tzinfo is UTC
    [request] = em_server.requests
    assert request.path == "/v3/carbon-intensity/latest"
    assert request.query == {"zone": ["NL"]}
    assert request.headers["auth-token"] == em_server.token
    assert "authorization" not in request.headers


def test_latest_for_a_gcp_region(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_client.latest(gcp_region="europe-west4")
    em_client.latest_for_gcp_region("us-east4")
    first, second = em_server.requests
    assert first.query == {"dataCenterProvider": ["gcp"], "dataCenterRegion": ["europe-west4"]}
    assert second.param("dataCenterRegion") == "us-east4"


def test_zone_params() -> None:
    assert zone_params("DE") == {"zone": "DE"}
    assert zone_params(gcp_region="europe-west3") == {"dataCenterProvider": "gcp", "dataCenterRegion": "europe-west3"}
    with pytest.raises(ValueError):
        zone_params()
    with pytest.raises(ValueError):
        zone_params("DE", "europe-west3")


def test_history_is_sorted_and_keeps_nulls(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    body = fixture("em_v3_carbon-intensity_history.json")
    body["history"].reverse()
    body["history"][0]["carbonIntensity"] = None  # the newest hour, now first in the answer
    em_server.faults["carbon-intensity/history"] = Fault("status", status=200, body=body)
    history = em_client.history("NL")
    assert len(history) == 24
    assert [p.time for p in history] == sorted(p.time for p in history)
    assert history[0] == SignalPoint(datetime(2025, 5, 31, 13, tzinfo=UTC), 310.0, False)
    assert history[-1].value is None and history[-1].estimated is True
    assert sum(p.estimated for p in history) == 2


def test_forecast(em_client: ElectricityMapsClient) -> None:
    forecast = em_client.forecast("NL")
    assert len(forecast) == 24
    assert forecast[0] == SignalPoint(datetime(2025, 6, 1, 12, tzinfo=UTC), 270.0)
    assert forecast[-1].time == datetime(2025, 6, 2, 11, tzinfo=UTC)


def test_forecast_on_a_free_plan_is_no_access(session: requests.Session) -> None:
    with FakeElectricityMaps.start(plan="free") as server:
        client = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=TIMEOUT_S)
        with pytest.raises(NoAccess) as caught:
            client.forecast("NL")
        assert caught.value.message == "endpoint not in your plan"
        assert caught.value.endpoint == "carbon-intensity/forecast"
        fetcher = LiveFetcher()
        signal = fetch_em(client, "NL", "DE", fetcher=fetcher, now=NOW).by_region()["r-NL"]
    assert signal.latest is not None and signal.history and signal.power_mix
    assert [(p.endpoint, p.message) for p in signal.problems] == [
        ("carbon-intensity/forecast", "endpoint not in your plan")
    ]
    assert fetcher.denied_everywhere == {"forecast"}  # what LiveService remembers for a day


def test_power_breakdown(em_client: ElectricityMapsClient) -> None:
    mix = em_client.power_breakdown_latest("NL")
    assert mix.time == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert mix.production_mw["wind"] == 3150.0
    assert mix.production_mw["hydro discharge"] is None  # keys with spaces, null kept
    assert mix.production_mw["geothermal"] is None
    assert mix.estimated is False
    history = em_client.power_breakdown_history("NL")
    assert [m.time.hour for m in history] == [10, 11, 12]


def test_intensity_says_which_zone_and_emission_factor(em_client: ElectricityMapsClient) -> None:
    series = em_client.intensity(EP_HISTORY, gcp_region="europe-west4")
    assert series.zone == "NL" and len(series.points) == 24
    assert series.factor_types == frozenset({"lifecycle"})
    assert em_client.intensity(EP_LATEST, "DE").points == (em_client.latest("DE"),)
    with pytest.raises(ValueError):
        em_client.intensity("power-breakdown/latest", "DE")


def test_signal_kind() -> None:
    assert signal_kind(set()) is SignalKind.AVERAGE_LIFECYCLE
    assert signal_kind({"lifecycle"}) is SignalKind.AVERAGE_LIFECYCLE
    assert signal_kind({"Direct"}) is SignalKind.AVERAGE_DIRECT
    assert signal_kind({"lifecycle"}, requested="direct") is SignalKind.AVERAGE_DIRECT


# --- signals built by LiveFetcher ----------------------------------------------------------------------------


def test_fetch_builds_one_signal_per_zone(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    started = datetime.now(UTC)
    fetched = fetch_em(em_client, "NL", "DE", now=NOW)
    finished = datetime.now(UTC)
    assert sorted(names[0] for _, names in fetched.calls) == ["r-DE", "r-NL"]
    signal = fetched.by_region()["r-NL"]
    assert isinstance(signal, GridSignal)
    assert signal.zone == "NL"
    assert signal.source == "Electricity Maps"
    assert signal.kind is SignalKind.AVERAGE_LIFECYCLE
    assert signal.fetched_at == NOW
    assert signal.latest == SignalPoint(datetime(2025, 6, 1, 12, tzinfo=UTC), 274.0, estimated=True)
    assert len(signal.history) == 24 and len(signal.forecast) == 24 and len(signal.power_mix) == 3
    assert signal.problems == () and signal.notes == ()
    assert signal.unit == "gCO2e/kWh" and not signal.is_replay
    assert set(signal.part_times) == {PART_LATEST, PART_HISTORY, PART_FORECAST, PART_POWER}
    assert all(started <= t <= finished for t in signal.part_times.values())  # received now, not `now=`
    assert sorted(r.route or "" for r in em_server.requests if r.param("zone") == "NL") == sorted(
        ["carbon-intensity/latest", "carbon-intensity/history", "carbon-intensity/forecast", "power-breakdown/history"]
    )
    assert em_server.count() == 8


def test_regions_sharing_a_zone_share_one_fetch(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    fetched = Fetched()
    regions = [region("europe-west4", "NL"), region("europe-west12", "NL"), region("no-zone")]
    LiveFetcher().fetch_electricitymaps(em_client, regions, fetched.on_signal, now=NOW)
    [(signal, names)] = fetched.calls
    assert signal.zone == "NL" and names == ["europe-west4", "europe-west12"]
    assert em_server.count("carbon-intensity/latest") == 1


def test_fetch_without_forecast_says_it_was_skipped(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    signal = fetch_em(em_client, "DE", with_forecast=False, now=NOW).one()
    assert signal.forecast == () and PART_FORECAST not in signal.part_times
    assert [(p.endpoint, p.message) for p in signal.problems] == [("carbon-intensity/forecast", NOT_IN_PLAN_SKIPPED)]
    assert em_server.count("carbon-intensity/forecast") == 0
    assert signal.latest is not None and signal.history and signal.power_mix


def test_direct_emission_factor_gives_the_direct_kind(
    session: requests.Session, em_server: FakeElectricityMaps
) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, emission_factor_type="direct")
    signal = fetch_em(client, "NL", now=NOW).one()
    assert signal.kind is SignalKind.AVERAGE_DIRECT
    assert {r.param("emissionFactorType") for r in em_server.requests} == {"direct"}


def test_kind_follows_the_emission_factor_in_the_answer(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    body = fixture("em_v3_carbon-intensity_latest.json")
    body["emissionFactorType"] = "direct"
    em_server.faults["carbon-intensity/latest"] = Fault("status", status=200, body=body)
    assert fetch_em(em_client, "NL", now=NOW).one().kind is SignalKind.AVERAGE_DIRECT
    em_server.faults.clear()
    assert fetch_em(em_client, "NL", now=NOW).one().kind is SignalKind.AVERAGE_LIFECYCLE


def test_mix_falls_back_to_latest_when_history_is_refused(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults["power-breakdown/history"] = "403"
    signal = fetch_em(em_client, "NL", now=NOW).one()
    assert len(signal.power_mix) == 1 and signal.power_mix[0].production_mw["solar"] == 5200.0
    assert [p.endpoint for p in signal.problems] == ["power-breakdown/history"]
    assert signal.notes == (MIX_LATEST_ONLY,)
    assert PART_POWER in signal.part_times
    assert em_server.count("power-breakdown/latest") == 1


def test_fetch_for_an_unknown_zone(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    signal = fetch_em(em_client, "XX", now=NOW).one()
    assert signal.zone == "XX" and signal.latest is None and signal.part_times == {}
    assert {p.message for p in signal.problems} == {"zone not known to the provider"}
    assert len(signal.problems) == 4  # latest, history, forecast, power history
    assert em_server.count("power-breakdown/latest") == 0  # no stand-in asked: it would not know the zone either


def test_fetch_with_every_endpoint_failing(session: requests.Session, em_server: FakeElectricityMaps) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, "wrong-token", timeout_s=TIMEOUT_S)
    signal = fetch_em(client, "NL", now=NOW).one()
    assert signal.latest is None and signal.history == () and signal.forecast == () and signal.power_mix == ()
    assert signal.part_times == {}
    assert {p.message for p in signal.problems} == {"key rejected"}
    assert sorted(p.endpoint for p in signal.problems) == [
        "carbon-intensity/forecast",
        "carbon-intensity/history",
        "carbon-intensity/latest",
        "power-breakdown/history",
    ]


def test_unknown_zone(em_client: ElectricityMapsClient) -> None:
    with pytest.raises(UnknownZone) as caught:
        em_client.latest("XX")
    assert caught.value.message == "zone not known to the provider"
    with pytest.raises(UnknownZone):
        em_client.latest(gcp_region="mars-north1")


# --- check_key -----------------------------------------------------------------------------------------------


def test_check_key(session: requests.Session, em_server: FakeElectricityMaps) -> None:
    good = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    bad = ElectricityMapsClient(session, em_server.api_url, "not-the-key", timeout_s=TIMEOUT_S)
    assert good.check_key() == "accepted"
    assert em_server.requests[-1].query == {"zone": ["DE"]}
    assert bad.check_key() == "rejected"
    em_server.faults["carbon-intensity/latest"] = "403"
    assert good.check_key() == "no access to this endpoint"
    em_server.faults["carbon-intensity/latest"] = "timeout"
    assert good.check_key() == "timed out"


def test_check_key_offline(session: requests.Session, free_port: int) -> None:
    client = ElectricityMapsClient(session, f"http://127.0.0.1:{free_port}/v3", "key", timeout_s=TIMEOUT_S)
    assert client.check_key() == "offline"


# --- faults --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [*FAST_FAULTS, *SLOW_FAULTS])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_fault_on_endpoint(
    endpoint: str, fault: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults[endpoint] = fault
    expected = EXPECTED[fault]
    call = ENDPOINTS[endpoint]
    if expected.error is None:
        result = call(em_client)
        values = _values(result)
        assert values and all(v is None for v in values)
        return
    with pytest.raises(ProviderError) as caught:
        call(em_client)
    err = caught.value
    assert type(err) is expected.error
    assert err.message == expected.message
    assert err.endpoint == endpoint
    assert err.to_problem().message == expected.message
    assert_no_secret(err, [em_server.token])
    if fault == "429":
        assert err.retry_after_s == 30.0
        assert em_server.count(endpoint) == 1  # 429 is not retried by urllib3


NULL_REASONS = {  # what an all-null answer is reported as (a power mix may come from either endpoint)
    "carbon-intensity/latest": "Electricity Maps returned no carbon-intensity value for NL (all values null)",
    "carbon-intensity/history": "Electricity Maps returned no carbon-intensity history for NL (all values null)",
    "carbon-intensity/forecast": "Electricity Maps returned no carbon-intensity forecast for NL (all values null)",
    "power-breakdown/latest": "Electricity Maps returned no power mix for NL (all values null)",
    "power-breakdown/history": "Electricity Maps returned no power mix for NL (all values null)",
}
FETCH_CASES = [(endpoint, fault) for endpoint in ENDPOINTS for fault in FAST_FAULTS]
FETCH_CASES += [("carbon-intensity/latest", "timeout"), ("carbon-intensity/history", "drip")]  # one slow case each


@pytest.mark.parametrize(("endpoint", "fault"), FETCH_CASES)
def test_fetch_keeps_the_other_endpoints(
    endpoint: str, fault: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults[endpoint] = fault
    if endpoint == "power-breakdown/latest":
        em_server.faults["power-breakdown/history"] = "403"  # /latest is only asked when the history is refused
    signal = fetch_em(em_client, "NL", now=NOW).one()
    expected = EXPECTED[fault]
    problems = {p.endpoint: p for p in signal.problems}
    failed = {endpoint}  # an all-null answer is refused too, with its own reason
    if endpoint == "power-breakdown/latest":
        failed.add("power-breakdown/history")
        assert problems.pop("power-breakdown/history").message == "endpoint not in your plan"
    if expected.error is None:
        reported_as = "power-breakdown" if endpoint.startswith("power") else endpoint
        assert list(problems) == [reported_as]
        assert problems[reported_as].message == NULL_REASONS[endpoint]
    else:
        assert list(problems) == [endpoint]
        assert problems[endpoint].message == expected.message
        assert problems[endpoint].retry_after_s == (30.0 if fault == "429" else None)
    for problem in signal.problems:
        assert em_server.token not in repr(problem)
    assert (signal.latest is not None) == ("carbon-intensity/latest" not in failed)
    assert bool(signal.history) == ("carbon-intensity/history" not in failed)
    assert bool(signal.forecast) == ("carbon-intensity/forecast" not in failed)
    if "power-breakdown/history" not in failed:
        assert len(signal.power_mix) == 3
    elif "power-breakdown/latest" in failed or expected.error in (KeyRejected, RateLimited, Offline, UnknownZone, None):
        assert signal.power_mix == ()  # no stand-in after a key, rate-limit, connection or unknown-zone problem
    else:
        assert len(signal.power_mix) == 1  # /power-breakdown/latest stood in
    came = {
        PART_LATEST: signal.latest is not None,
        PART_HISTORY: bool(signal.history),
        PART_FORECAST: bool(signal.forecast),
        PART_POWER: bool(signal.power_mix),
    }
    assert set(signal.part_times) == {part for part, ok in came.items() if ok}  # only what came has a receive time


def test_fetch_never_raises_on_any_fault(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    for endpoint in ENDPOINTS:
        em_server.faults[endpoint] = "503"
    signal = fetch_em(em_client, "NL", now=NOW).one()
    assert signal.latest is None
    assert {p.message for p in signal.problems} == {"provider error (HTTP 503)"}
    assert em_server.count("carbon-intensity/latest") == 4  # 1 + 3 retries


def test_drip_is_stopped_by_the_overall_deadline(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    # 7 kB at one byte per 50 ms: never a 250 ms read timeout, 6 minutes without a deadline (the test's limit is 2)
    em_server.faults["carbon-intensity/history"] = "drip"
    with pytest.raises(ProviderError) as caught:
        em_client.history("NL")
    assert caught.value.message == "timed out"
    assert wait_for(lambda: em_server.drips), "the server never saw the client hang up"
    [(sent, length)] = em_server.drips
    assert 0 < sent < length  # bytes kept coming, and the client left before the body was complete


def test_key_rejected_message_for_missing_token(session: requests.Session, em_server: FakeElectricityMaps) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, "", timeout_s=TIMEOUT_S)
    with pytest.raises(KeyRejected):
        client.latest("NL")

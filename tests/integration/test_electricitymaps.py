"""ElectricityMapsClient against the fake Electricity Maps server: every endpoint, every fault."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from carbon_gui.core.signals import GridSignal, PowerMix, SignalKind, SignalPoint
from carbon_gui.sources.electricitymaps import ElectricityMapsClient, zone_params
from carbon_gui.sources.provider_errors import KeyRejected, NoAccess, Offline, ProviderError, RateLimited, UnknownZone

from .conftest import DEADLINE_S, EXPECTED, FAST_FAULTS, SLOW_FAULTS, TIMEOUT_S, assert_no_secret
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
        signal = client.fetch_signal("NL", now=NOW)
    assert signal.latest is not None and signal.history and signal.power_mix
    assert [(p.endpoint, p.message) for p in signal.problems] == [
        ("carbon-intensity/forecast", "endpoint not in your plan")
    ]


def test_power_breakdown(em_client: ElectricityMapsClient) -> None:
    mix = em_client.power_breakdown_latest("NL")
    assert mix.time == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert mix.production_mw["wind"] == 3150.0
    assert mix.production_mw["hydro discharge"] is None  # keys with spaces, null kept
    assert mix.production_mw["geothermal"] is None
    assert mix.estimated is False
    history = em_client.power_breakdown_history("NL")
    assert [m.time.hour for m in history] == [10, 11, 12]


def test_fetch_signal(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    signal = em_client.fetch_signal("NL", now=NOW)
    assert isinstance(signal, GridSignal)
    assert signal.zone == "NL"
    assert signal.source == "Electricity Maps"
    assert signal.kind is SignalKind.AVERAGE_LIFECYCLE
    assert signal.fetched_at == NOW
    assert signal.latest is not None and signal.latest.value == 274.0
    assert len(signal.history) == 24 and len(signal.forecast) == 24 and len(signal.power_mix) == 3
    assert signal.problems == ()
    assert signal.unit == "gCO2e/kWh" and not signal.is_replay
    assert sorted(r.route or "" for r in em_server.requests) == sorted(
        ["carbon-intensity/latest", "carbon-intensity/history", "carbon-intensity/forecast", "power-breakdown/history"]
    )


def test_fetch_signal_by_gcp_region_names_the_zone(em_client: ElectricityMapsClient) -> None:
    signal = em_client.fetch_signal(gcp_region="europe-west4", now=NOW)
    assert signal.zone == "NL"
    assert signal.problems == ()


def test_fetch_signal_without_forecast_and_mix(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    signal = em_client.fetch_signal("DE", with_forecast=False, with_mix=False, now=NOW)
    assert signal.forecast == () and signal.power_mix == ()
    assert em_server.count("carbon-intensity/forecast") == 0
    assert em_server.count("power-breakdown/history") == 0


def test_direct_emission_factor_gives_the_direct_kind(
    session: requests.Session, em_server: FakeElectricityMaps
) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, emission_factor_type="direct")
    signal = client.fetch_signal("NL", now=NOW)
    assert signal.kind is SignalKind.AVERAGE_DIRECT
    assert em_server.requests[0].param("emissionFactorType") == "direct"


def test_kind_follows_the_emission_factor_in_the_answer(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    body = fixture("em_v3_carbon-intensity_latest.json")
    body["emissionFactorType"] = "direct"
    em_server.faults["carbon-intensity/latest"] = Fault("status", status=200, body=body)
    assert em_client.fetch_signal("NL", now=NOW).kind is SignalKind.AVERAGE_DIRECT


def test_mix_falls_back_to_latest_when_history_is_refused(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults["power-breakdown/history"] = "403"
    signal = em_client.fetch_signal("NL", now=NOW)
    assert len(signal.power_mix) == 1 and signal.power_mix[0].production_mw["solar"] == 5200.0
    assert [p.endpoint for p in signal.problems] == ["power-breakdown/history"]
    assert signal.notes == ("power mix: latest hour only",)


def test_fetch_signal_with_every_endpoint_failing(session: requests.Session, em_server: FakeElectricityMaps) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, "wrong-token", timeout_s=TIMEOUT_S)
    signal = client.fetch_signal("NL", now=NOW)
    assert signal.latest is None and signal.history == () and signal.forecast == () and signal.power_mix == ()
    assert {p.message for p in signal.problems} == {"key rejected"}
    assert [p.endpoint for p in signal.problems] == [
        "carbon-intensity/latest",
        "carbon-intensity/history",
        "carbon-intensity/forecast",
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


FETCH_CASES = [(endpoint, fault) for endpoint in ENDPOINTS for fault in FAST_FAULTS]
FETCH_CASES += [("carbon-intensity/latest", "timeout"), ("carbon-intensity/history", "drip")]  # one slow case each


@pytest.mark.parametrize(("endpoint", "fault"), FETCH_CASES)
def test_fetch_signal_keeps_the_other_endpoints(
    endpoint: str, fault: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults[endpoint] = fault
    if endpoint == "power-breakdown/latest":
        em_server.faults["power-breakdown/history"] = "403"  # /latest is only asked when the history is refused
    signal = em_client.fetch_signal("NL", now=NOW)
    expected = EXPECTED[fault]
    problems = {p.endpoint: p for p in signal.problems}
    failed = {endpoint} if expected.error is not None else set()
    if endpoint == "power-breakdown/latest":
        failed.add("power-breakdown/history")
        assert problems.pop("power-breakdown/history").message == "endpoint not in your plan"
    if expected.error is None:
        assert problems == {}
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
    elif "power-breakdown/latest" in failed or expected.error in (KeyRejected, RateLimited, Offline):
        assert signal.power_mix == ()  # no stand-in after a key, rate-limit or connection problem
    else:
        assert len(signal.power_mix) == 1  # /power-breakdown/latest stood in
    if fault == "nulls":
        nulled: dict[str, Any] = {
            "carbon-intensity/latest": signal.latest,
            "carbon-intensity/history": signal.history,
            "carbon-intensity/forecast": signal.forecast,
            "power-breakdown/latest": signal.power_mix,
            "power-breakdown/history": signal.power_mix,
        }
        values = _values(nulled[endpoint])
        assert values and all(v is None for v in values)


def test_fetch_signal_never_raises_on_any_fault(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    for endpoint in ENDPOINTS:
        em_server.faults[endpoint] = "503"
    signal = em_client.fetch_signal("NL", now=NOW)
    assert signal.latest is None
    assert {p.message for p in signal.problems} == {"provider error (HTTP 503)"}
    assert em_server.count("carbon-intensity/latest") == 4  # 1 + 3 retries


def test_drip_is_stopped_by_the_overall_deadline(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults["carbon-intensity/history"] = "drip"  # 7 kB at 10 bytes/s: 12 minutes without a deadline
    started = datetime.now(UTC)
    with pytest.raises(ProviderError) as caught:
        em_client.history("NL")
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert caught.value.message == "timed out"
    assert DEADLINE_S - 0.05 <= elapsed < DEADLINE_S + TIMEOUT_S + 0.5


def test_key_rejected_message_for_missing_token(session: requests.Session, em_server: FakeElectricityMaps) -> None:
    client = ElectricityMapsClient(session, em_server.api_url, "", timeout_s=TIMEOUT_S)
    with pytest.raises(KeyRejected):
        client.latest("NL")

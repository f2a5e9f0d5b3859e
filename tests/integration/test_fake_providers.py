"""The fake providers themselves: the UI tests and the benchmark rely on this behaviour."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.watttime import WattTimeClient

from .fake_providers import FakeElectricityMaps, FakeWattTime, Fault, bundled_gcp_zones


def test_latency_and_more_than_100_concurrent_requests(session_factory: Callable[..., requests.Session]) -> None:
    with FakeElectricityMaps.start(latency_s=0.3) as server:
        server.hold_until_in_flight = 120  # every answer waits until all 120 requests are inside the server at once
        client = ElectricityMapsClient(session_factory(pool_size=128), server.api_url, server.token, timeout_s=30)
        zones = [f"US-Z{i}" for i in range(120)]  # 120 distinct zones, as in one refresh
        with ThreadPoolExecutor(120) as pool:
            points = list(pool.map(client.latest, zones))
    assert len(points) == 120 and all(p.value == 274.0 for p in points)
    assert server.count() == 120
    assert server.max_in_flight == 120, "the server did not hold 120 requests at once: not concurrent"


def test_latency_applies_to_every_request(session: requests.Session) -> None:
    with FakeWattTime.start(latency_s=0.2) as server:
        client = WattTimeClient(session, server.api_url, server.username, server.password)
        started = time.monotonic()
        client.forecast("CAISO_NORTH")  # login + forecast
        assert time.monotonic() - started >= 0.4


def test_requests_are_recorded(em_server: FakeElectricityMaps, em_client: ElectricityMapsClient) -> None:
    em_client.history("DE")
    [request] = em_server.requests
    assert request.method == "GET"
    assert request.route == "carbon-intensity/history"
    assert request.param("zone") == "DE"
    assert request.headers["auth-token"] == em_server.token
    assert em_server.requests_to("carbon-intensity/history") == [request]
    em_server.reset()
    assert em_server.count() == 0


def test_fault_times_then_normal(em_server: FakeElectricityMaps, em_client: ElectricityMapsClient) -> None:
    em_server.faults["carbon-intensity/latest"] = Fault("unknown_zone", times=2)
    for _ in range(2):
        with pytest.raises(Exception, match="zone not known"):
            em_client.latest("NL")
    assert em_client.latest("NL").value == 274.0


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Fault("explode")


def test_answers_follow_the_requested_zone(em_server: FakeElectricityMaps, session: requests.Session) -> None:
    body = session.get(
        em_server.api_url + "/carbon-intensity/history",
        params={"dataCenterProvider": "gcp", "dataCenterRegion": "europe-west3"},
        headers={"auth-token": em_server.token},
        timeout=2,
    ).json()
    assert body["zone"] == "DE" and {item["zone"] for item in body["history"]} == {"DE"}
    assert bundled_gcp_zones()["europe-west4"] == "NL"


def test_zones_and_health_need_no_token(em_server: FakeElectricityMaps, session: requests.Session) -> None:
    zones = session.get(em_server.api_url + "/zones", timeout=2)
    assert zones.status_code == 200 and "access" not in zones.json()["NL"]
    assert session.get(em_server.api_url + "/health", timeout=2).json()["status"] == "ok"
    with_token = session.get(em_server.api_url + "/zones", headers={"auth-token": em_server.token}, timeout=2)
    assert with_token.json()["DE"]["access"] == ["*"]


def test_missing_token_gets_the_documented_401(em_server: FakeElectricityMaps, session: requests.Session) -> None:
    answer = session.get(em_server.api_url + "/carbon-intensity/latest", params={"zone": "NL"}, timeout=2)
    assert answer.status_code == 401
    assert answer.json()["message"].startswith("Please provide a valid authentication header")


def test_now_shifts_every_timestamp(session: requests.Session) -> None:
    now = datetime(2030, 1, 2, 3, 45, tzinfo=UTC)
    with FakeElectricityMaps.start(now=now) as em, FakeWattTime.start(now=now) as wt:
        em_client = ElectricityMapsClient(session, em.api_url, em.token)
        wt_client = WattTimeClient(session, wt.api_url, wt.username, wt.password)
        assert em_client.latest("NL").time == datetime(2030, 1, 2, 3, tzinfo=UTC)
        assert em_client.history("NL")[-1].time == datetime(2030, 1, 2, 3, tzinfo=UTC)
        assert em_client.forecast("NL")[0].time == datetime(2030, 1, 2, 3, tzinfo=UTC)
        assert wt_client.forecast("CAISO_NORTH")[1].time == datetime(2030, 1, 2, 3, 5, tzinfo=UTC)


def test_stop_is_quick_even_with_sleeping_handlers(session: requests.Session) -> None:
    server = FakeElectricityMaps.start(timeout_sleep_s=30, drip_interval_s=5)
    client = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=0.2, deadline_s=0.4)
    server.faults["carbon-intensity/latest"] = "timeout"
    server.faults["carbon-intensity/history"] = "drip"
    for call in (client.latest, client.history):
        with pytest.raises(Exception, match="timed out"):
            call("NL")
    started = time.monotonic()
    server.stop()
    server.stop()  # idempotent
    assert time.monotonic() - started < 1.0

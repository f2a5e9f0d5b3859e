"""What waiting for a refresh's answers costs the thread that runs the fetch: it hands each answer on as it comes, and
its CPU per answer must not grow with the number of requests in flight (a refresh has ~120; its CPU competes with
the request threads' for the GIL)."""

import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.reference import load_reference

from .conftest import fetch_em, python_calls  # (python_calls: the fetch's own thread; its requests run on others)
from .fake_providers import FakeElectricityMaps


def test_the_fetching_thread_spends_no_more_per_answer_when_more_are_in_flight(
    em_server: FakeElectricityMaps, session: requests.Session
) -> None:
    zones = sorted({r.grid_zone for r in load_reference().catalog.regions if r.grid_zone})[:40]
    em_server.latency_s = 0.2  # the answers of a fetch are in flight together
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token)
    few = python_calls(lambda: fetch_em(client, *zones[:8], with_forecast=False)) / 8
    many = python_calls(lambda: fetch_em(client, *zones, with_forecast=False)) / len(zones)
    # concurrent.futures.wait() went through every pending request at each answer: 1.4-1.55x the calls per zone
    assert many <= 1.15 * few, f"{many:.0f} calls per zone with {len(zones)} zones, {few:.0f} with 8"

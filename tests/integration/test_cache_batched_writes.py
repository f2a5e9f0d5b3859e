"""A refresh stores its answers in the HTTP cache in one transaction when it ends (issue 11, live refresh speed):
~120 answers written one by one as they came were ~120 SQLite transactions, each holding the backend's lock while
the other fetch threads waited. The real LiveFetcher, client and cached session against the real local fake
Electricity Maps and a real cache file; SQLite's own trace callback counts the transactions."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.live import LiveFetcher
from carbon_gui.sources.reference import load_reference
from carbon_gui.sources.watttime import WattTimeClient

from .fake_providers import FakeElectricityMaps, FakeWattTime


@pytest.fixture
def regions() -> list:
    return list(load_reference().catalog.regions)


def traced(session: requests.Session, statements: list[str] | None = None) -> list[str]:
    """Every SQL statement the session's cache runs from now on; `traced(session, None)` again stops it. (A Python
    callback inside SQLite, while other threads read through the same connection, can deadlock: trace writes only.)"""
    collected: list[str] = []
    with session.cache.responses.connection() as connection:  # type: ignore[attr-defined]
        connection.set_trace_callback(collected.append if statements is None else None)
    return collected


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM responses").fetchone()[0])


def test_an_electricity_maps_refresh_writes_its_answers_in_one_transaction(
    tmp_path: Path, session_factory: Callable[..., requests.Session], regions: list
) -> None:
    path = tmp_path / "http.sqlite"
    with FakeElectricityMaps.start() as em:
        session = session_factory(path, ttl_s=60)
        statements = traced(session)
        client = ElectricityMapsClient(session, em.api_url, em.token)
        zones: list[str] = []
        LiveFetcher().fetch_electricitymaps(client, regions, lambda s, _: zones.append(s.zone), with_forecast=False)
        answers = em.count()
        assert len(set(zones)) == len(zones) == 40 and answers == 3 * 40
        writes = [s for s in statements if s.startswith("BEGIN")]
        assert len(writes) == 1, f"{len(writes)} transactions for {answers} answers"
        assert rows(path) == answers  # every answer stored, by the time the refresh returned
        traced(session, statements)
        # and the next refresh is answered by the cache alone
        LiveFetcher().fetch_electricitymaps(client, regions, lambda s, _: None, with_forecast=False)
        assert em.count() == answers


def test_a_watttime_refresh_writes_its_answers_in_one_transaction(
    tmp_path: Path, session_factory: Callable[..., requests.Session], regions: list
) -> None:
    path = tmp_path / "http.sqlite"
    with FakeWattTime.start() as wt:
        session = session_factory(path, ttl_s=60)
        statements = traced(session)
        client = WattTimeClient(session, wt.api_url, wt.username, wt.password)
        zones: list[str] = []
        LiveFetcher().fetch_watttime(client, regions, lambda s, _: zones.append(s.zone), region_cache={})
        traced(session, statements)
        assert len(zones) == len(regions) and wt.count("region-from-loc") > 10  # ("no coverage" answers are stored too)
        stored = [s for s in statements if s.startswith("INSERT")]
        # (the transactions without an INSERT are requests-cache deleting the never-stored login answer's key)
        writing = [t for t in " ".join(statements).split("BEGIN")[1:] if "INSERT" in t]
        assert len(writing) == 1, f"{len(writing)} transactions for {len(stored)} answers"
        assert len(stored) > 10 and rows(path) == len(stored)


def test_outside_a_refresh_an_answer_is_stored_at_once(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    path = tmp_path / "http.sqlite"
    client = ElectricityMapsClient(session_factory(path, ttl_s=60), em_server.api_url, em_server.token)
    client.latest("NL")
    assert rows(path) == 1

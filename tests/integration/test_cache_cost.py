"""What the HTTP cache costs a request. A refresh after the cache's TTL sends ~120 requests at once, and their CPU is
spent one after another under the GIL: the cache's share of each request delays the last send, and a write that
waits for a lock holds every answer queued behind it."""

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from carbon_gui.sources import http
from carbon_gui.sources.http import cached_json, get_json

from .conftest import python_calls
from .fake_providers import FakeElectricityMaps

LATEST = "carbon-intensity/latest"


def test_the_cache_adds_less_to_a_request_than_the_request_itself_costs(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, tmp_path: Path
) -> None:
    cached = session_factory(tmp_path / "cache.sqlite")
    plain = session_factory()
    url = f"{em_server.api_url}/{LATEST}"
    headers = {"auth-token": em_server.token}

    def ask(session: requests.Session, n: int) -> None:  # a new answer each time: a miss, then a write
        get_json(session, url, params={"zone": "NL", "n": n}, headers=headers, endpoint_name=LATEST)

    for n in range(3):  # connections open, the cache's index read
        ask(cached, n)
        ask(plain, n)
    with_cache, without = python_calls(lambda: ask(cached, 10)), python_calls(lambda: ask(plain, 10))
    assert cached_json(cached, url, params={"zone": "NL", "n": 10}, endpoint_name=LATEST) is not None  # was stored
    # requests-cache's own per-request policy (CacheActions, Cache-Control parsing, signature inspection) made it
    # ~1080 calls on top of a plain request's ~830
    assert with_cache - without <= without, f"the cache adds {with_cache - without} calls to {without}"


def test_an_answer_is_stored_while_another_thread_holds_requests_cache_s_lock(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite"
    session = session_factory(path)
    url = f"{em_server.api_url}/{LATEST}"
    headers = {"auth-token": em_server.token}
    get_json(session, url, params={"zone": "DE"}, headers=headers, endpoint_name=LATEST)  # the index is read now
    lock = session.cache.responses._lock  # type: ignore[attr-defined]
    held, done = threading.Event(), threading.Event()

    def hold() -> None:  # as a thread in the middle of a write of requests-cache's own would
        with lock:
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        with ThreadPoolExecutor(1) as pool:
            asked = pool.submit(get_json, session, url, params={"zone": "NL"}, headers=headers, endpoint_name=LATEST)
            # Before, each write took that lock (and held it across three GIL releases): the answers of a refresh
            # waited for it 30-50 ms each, measured
            assert asked.result(timeout=5)["carbonIntensity"] == 274
    finally:
        done.set()
        holder.join()
    other = session_factory(path)  # another process, say: the answer is in the file
    assert cached_json(other, url, params={"zone": "NL"}, endpoint_name=LATEST) is not None
    assert em_server.count(LATEST) == 2


def test_an_expired_answer_is_not_read_back_before_the_request_goes_out(
    session_factory: Callable[..., requests.Session],
    em_server: FakeElectricityMaps,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "INDEX_MAX_AGE_S", 3600.0)  # the index is read once, when the session starts
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=1.0)
    url = f"{em_server.api_url}/{LATEST}"
    headers = {"auth-token": em_server.token}

    def ask(zone: str) -> None:
        get_json(session, url, params={"zone": zone}, headers=headers, endpoint_name=LATEST)

    for zone in ("DE", "FR", "NL"):
        ask(zone)
    time.sleep(1.6)  # every answer has expired (their expiry is kept to the second)
    after_the_ttl = python_calls(lambda: ask("NL"))
    never_stored = python_calls(lambda: ask("BE"))
    assert em_server.count(LATEST) == 5  # both asked the provider
    # before, the expired answer was read from the file and unpickled only to be found expired (~90 calls more)
    assert after_the_ttl <= never_stored + 10, f"{after_the_ttl} calls after the TTL, {never_stored} for a new answer"


def test_an_answer_that_cannot_be_stored_is_used_all_the_same(
    session_factory: Callable[..., requests.Session],
    em_server: FakeElectricityMaps,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "cache.sqlite"
    session = session_factory(path)
    url = f"{em_server.api_url}/{LATEST}"
    headers = {"auth-token": em_server.token}
    get_json(session, url, params={"zone": "DE"}, headers=headers, endpoint_name=LATEST)
    other = sqlite3.connect(path, isolation_level=None)  # another process writing for a long time, say
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answer = get_json(session, url, params={"zone": "NL"}, headers=headers, endpoint_name=LATEST)
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert answer["carbonIntensity"] == 274 and waited < 3
    assert "could not be stored" in caplog.text
    get_json(session, url, params={"zone": "NL"}, headers=headers, endpoint_name=LATEST)
    assert em_server.count(LATEST) == 3  # it was not stored: asked again


def test_the_cache_file_is_never_created_again_by_a_write(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite"
    session = session_factory(path)
    url = f"{em_server.api_url}/{LATEST}"
    path.unlink()  # removed while the app runs (a cleaner, say): a new file would not be private
    headers = {"auth-token": em_server.token}
    answer = get_json(session, url, params={"zone": "NL"}, headers=headers, endpoint_name=LATEST)
    assert answer["carbonIntensity"] == 274
    assert not path.exists()

"""A refresh's answers go into the HTTP cache once its last signal is out (`http.store_after_refresh`), in one
batch on a thread of their own: storing each as it came cost about a third of a request's CPU under the GIL while
the refresh's other answers were arriving. Nothing that asks the cache may tell the difference: the next lookup in
this process waits for the batch, a helper process finishes it before it exits, the filter still refuses an answer
echoing a secret, and each entry keeps the time its answer came, not the time it was stored.

Against the real clients, the real cached session and real local servers."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from carbon_gui.live_service import LiveService
from carbon_gui.providers import ELECTRICITYMAPS
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources import http
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.http import get_json, make_session, wait_for_stores
from carbon_gui.sources.live import LiveFetcher
from carbon_gui.sources.watttime import WattTimeClient

from .conftest import SF, Fetched, python_calls, region
from .fake_providers import FakeElectricityMaps
from .hostile_server import HostileWattTime
from .secret_scan import assert_no_secret_on_disk

REGIONS = [region("europe-west4", "NL"), region("europe-west3", "DE"), region("europe-west1", "BE")]
ANSWERS_PER_ZONE = 4  # latest, history, power-breakdown history, forecast
NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)


@pytest.fixture
def em() -> Iterator[FakeElectricityMaps]:
    with FakeElectricityMaps.start() as server:
        yield server


def stored(path: Path) -> int:
    """Answers in the cache file, read as another process would."""
    with sqlite3.connect(path) as con:
        (count,) = con.execute("SELECT COUNT(*) FROM responses").fetchone()
    return int(count)


def test_a_refresh_stores_its_answers_after_its_last_signal(em: FakeElectricityMaps, tmp_path: Path) -> None:
    path = tmp_path / "http.sqlite"
    session = make_session(path, 600)
    client = ElectricityMapsClient(session, em.api_url, em.token, timeout_s=2)
    in_the_file_at_each_signal: list[int] = []

    def on_signal(*_: object) -> None:
        in_the_file_at_each_signal.append(stored(path))

    LiveFetcher().fetch_electricitymaps(client, REGIONS, on_signal, now=NOW)
    assert len(in_the_file_at_each_signal) == len(REGIONS)
    # before, each answer was stored as it came: by the last signal, the file held most of them
    assert in_the_file_at_each_signal == [0] * len(REGIONS)
    wait_for_stores()
    assert stored(path) == ANSWERS_PER_ZONE * len(REGIONS)
    asked = em.count()
    LiveFetcher().fetch_electricitymaps(client, REGIONS, on_signal, now=NOW)  # within the TTL: all from the cache
    assert em.count() == asked
    session.close()


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "isolated"])
def test_the_app_reopened_at_once_asks_nothing(em: FakeElectricityMaps, tmp_path: Path, isolate: bool) -> None:
    """Closing the app right after a refresh loses none of its answers: in-process, the next lookup waits for the
    batch; the helper process finishes it before it exits."""
    cache = tmp_path / "http.sqlite"

    def service() -> LiveService:
        environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
        return LiveService(lambda: Credentials(Secret(em.token)), environ=environ, cache_path=cache, isolate=isolate)

    first = service()
    first.fetch(ELECTRICITYMAPS, REGIONS, Fetched().on_signal, LiveFetcher(), now=NOW)
    first.close()  # the app closes at once
    asked = em.count()
    second = service()
    reopened = Fetched()
    try:
        second.fetch(ELECTRICITYMAPS, REGIONS, reopened.on_signal, LiveFetcher(), now=NOW)
    finally:
        second.close()
    assert em.count() == asked, "the reopened app asked again: the first one's answers were not stored"
    assert {name for _, names in reopened.calls for name in names} == {r.name for r in REGIONS}


def test_an_answer_echoing_a_secret_of_its_call_is_not_stored_after_the_refresh(tmp_path: Path) -> None:
    """The filter runs when the batch is stored, with the secrets the call knew (here the WattTime password, which
    the data requests do not carry: only the login does)."""
    user, password = "sentinel-user-batch", "SENTINEL/PW+batch=1c"
    cache_dir = tmp_path / "cache"
    with HostileWattTime.start(username=user, password=password, token_prefix="SENTINEL-BEARER-batch") as server:
        server.hostile["forecast"] = "echo_warnings"
        server.echo = lambda _: password
        session = make_session(cache_dir / "http.sqlite", 600)
        client = WattTimeClient(session, server.api_url, user, password, timeout_s=2)
        sf = [region("us-west-sf", "US-CAL-CISO", *SF)]
        for _ in range(2):
            fetched = Fetched()
            LiveFetcher().fetch_watttime(client, sf, fetched.on_signal, now=NOW)
            assert fetched.calls
            wait_for_stores()
        assert server.count("forecast") == 2, "the echoing forecast was stored and served from the cache"
        assert server.count("historical") == 1  # a control: a clean answer was stored
        session.close()
        assert_no_secret_on_disk(cache_dir, [password, f"{user}:{password}", *server.issued_tokens])


def test_an_answer_just_past_its_expiry_is_not_read_back(em: FakeElectricityMaps, tmp_path: Path) -> None:
    """The file keeps each expiry rounded to the second; the in-memory index keeps it exact. Before, an answer up
    to half a second past its expiry was read back and unpickled, only to be found expired."""
    session = make_session(tmp_path / "http.sqlite", 1.0)
    url = f"{em.api_url}/carbon-intensity/latest"

    def ask(zone: str) -> None:
        get_json(session, url, params={"zone": zone}, headers={"auth-token": em.token}, endpoint_name="latest")

    ask("FR")  # connection open, index read
    while not 0.6 <= time.time() % 1 < 0.7:  # stored at x.6: its expiry (x+1).6 is kept as x+2 in the file
        time.sleep(0.01)
    ask("NL")
    time.sleep(1.15)  # past the exact expiry, before the rounded one
    after_the_ttl = python_calls(lambda: ask("NL"))
    never_stored = python_calls(lambda: ask("BE"))
    assert em.count("carbon-intensity/latest") == 4  # both asked the provider
    assert after_the_ttl <= never_stored + 10, f"{after_the_ttl} calls after the TTL, {never_stored} for a new answer"
    session.close()


def test_a_batch_the_file_refuses_is_logged_and_the_refresh_is_unharmed(
    em: FakeElectricityMaps, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "http.sqlite"
    session = make_session(path, 600)
    client = ElectricityMapsClient(session, em.api_url, em.token, timeout_s=2)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another process writing, and holding the lock past WRITE_WAIT_S
    fetched = Fetched()
    try:
        LiveFetcher().fetch_electricitymaps(client, REGIONS, fetched.on_signal, now=NOW)
        wait_for_stores(http.STORE_WAIT_S + 1)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert len(fetched.calls) == len(REGIONS) and all(s.latest is not None for s, _ in fetched.calls)
    assert "could not be stored" in caplog.text
    assert stored(path) == 0
    session.close()


def test_the_session_prepares_a_request_as_requests_does() -> None:
    """The session's own preparation of a plain GET (see `_ProviderSession.prepare_request`) gives what requests'
    general one gives: URL, query, headers (a request's None removes a session header), Basic auth."""
    ours, theirs = make_session(None, 0), requests.Session()
    theirs.headers.update(ours.headers)
    cases = [
        {"url": "http://127.0.0.1:9/v3/carbon-intensity/latest", "params": {"zone": "DE"}},
        {"url": "http://127.0.0.1:9/v3/x?fixed=1", "params": {"zone": "US-CAL-CISO", "n": 5, "skip": None}},
        {"url": "http://127.0.0.1:9/v3/x", "params": {"q": "é b&c/d", "lat": -12.5}},
        {"url": "http://127.0.0.1:9/v3/x", "headers": {"auth-token": "t0k", "Accept": None}},
        {"url": "http://127.0.0.1:9/login", "auth": ("user", "pä:ss")},
        {"url": "http://[::1]:9/v3/x y", "params": {}},
    ]
    for case in cases:
        request = requests.Request("GET", **case)  # type: ignore[arg-type]
        if "params" in case:  # get_json hands requests the query it made (see http._query)
            ours_request = requests.Request("GET", **{**case, "params": http._query(case["params"])})  # type: ignore[arg-type]
        else:
            ours_request = request
        mine, reference = ours.prepare_request(ours_request), theirs.prepare_request(request)
        assert (mine.method, mine.url, mine.body) == (reference.method, reference.url, reference.body), case
        assert dict(mine.headers) == dict(reference.headers), case
    ours.close()
    theirs.close()


def test_a_late_batch_never_lands_in_a_cache_file_made_again_at_the_same_path(
    em: FakeElectricityMaps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch goes into the file its cache was made on. Before, its connection opened on the first store, by path:
    a cache deleted and made again meanwhile got the old session's answers, and a refresh on the new one then asked
    nothing. The batch is held back here by wrapping the store (no real way to delay a thread's turn on purpose)."""
    path = tmp_path / "http.sqlite"
    release = threading.Event()
    store_all = http._IndexedSQLiteCache._store_all

    def held_back(cache: http._IndexedSQLiteCache, items: list) -> None:
        release.wait(10)
        store_all(cache, items)

    monkeypatch.setattr(http._IndexedSQLiteCache, "_store_all", held_back)
    old = make_session(path, 600)
    LiveFetcher().fetch_electricitymaps(ElectricityMapsClient(old, em.api_url, em.token, timeout_s=2), REGIONS,
                                        Fetched().on_signal, now=NOW)  # fmt: skip
    for stale in tmp_path.glob("http.sqlite*"):
        stale.unlink()
    new = make_session(path, 600)  # the cache made again at the same path
    release.set()
    wait_for_stores()
    assert stored(path) == 0, "the old session's answers went into the new file"
    asked = em.count()
    LiveFetcher().fetch_electricitymaps(ElectricityMapsClient(new, em.api_url, em.token, timeout_s=2), REGIONS,
                                        Fetched().on_signal, now=NOW)  # fmt: skip
    assert em.count() == asked + ANSWERS_PER_ZONE * len(REGIONS)
    release.set()
    old.close()
    new.close()

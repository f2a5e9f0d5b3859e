"""The SQLite response cache: hits within the TTL, misses after it, and no secret ever written to disk.
Also: no key, password or token in any exception, problem or client repr."""

import base64
import contextlib
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.live import NoCoverage
from carbon_gui.sources.provider_errors import NoAccess, ProviderError, UnknownZone
from carbon_gui.sources.watttime import WattTimeClient

from .conftest import DEADLINE_S, EXPECTED, TIMEOUT_S, assert_no_secret, fetch_em, fetch_wt
from .fake_providers import FAULT_KINDS, FakeElectricityMaps, FakeWattTime, Fault
from .hostile_server import HostileElectricityMaps, HostileWattTime
from .secret_scan import assert_no_secret_on_disk

EM_TOKEN = "SENTINEL-EM-TOKEN-7f3a9c"
WT_USER = "sentinel-user-5d1e"
WT_PASSWORD = "SENTINEL-PW-2b8c44"
WT_TOKEN_PREFIX = "SENTINEL-BEARER"
NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
LATEST = "carbon-intensity/latest"
SF_REGION: dict[str, str | NoCoverage] = {"us-west-sf": "CAISO_NORTH"}  # known: the forecast fault is what is seen


@pytest.fixture
def em_sentinel() -> Iterator[FakeElectricityMaps]:
    server = FakeElectricityMaps.start(token=EM_TOKEN, timeout_sleep_s=1.5, drip_interval_s=0.05)
    yield server
    server.stop()


@pytest.fixture
def wt_sentinel() -> Iterator[FakeWattTime]:
    server = FakeWattTime.start(
        username=WT_USER, password=WT_PASSWORD, token_prefix=WT_TOKEN_PREFIX, timeout_sleep_s=1.5, drip_interval_s=0.05
    )
    yield server
    server.stop()


def _cache_bytes(directory: Path) -> bytes:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files, "no cache file written"
    return b"".join(p.read_bytes() for p in files)


def _wt_secrets(server: FakeWattTime) -> list[str]:
    basic = base64.b64encode(f"{WT_USER}:{WT_PASSWORD}".encode()).decode()
    return [WT_USER, WT_PASSWORD, basic, WT_TOKEN_PREFIX, *server.issued_tokens]


# --- hits and misses -----------------------------------------------------------------------------------------


def test_second_request_within_ttl_is_served_from_cache(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=60)
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    first = client.latest("NL")
    assert em_server.count() == 1
    assert client.latest("NL") == first
    assert fetch_em(client, "NL", now=NOW).one().latest == first
    assert em_server.count(LATEST) == 1  # the fetcher's latest came from the cache too
    client.latest("DE")  # another query is another entry
    assert em_server.count(LATEST) == 2


def test_cache_expires_after_ttl(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=1)
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    client.latest("NL")
    client.latest("NL")
    assert em_server.count(LATEST) == 1
    time.sleep(1.1)
    client.latest("NL")
    assert em_server.count(LATEST) == 2


def test_cache_survives_a_new_session(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    path = tmp_path / "cache.sqlite"
    first = session_factory(path, ttl_s=60)
    ElectricityMapsClient(first, em_server.api_url, em_server.token).latest("NL")
    first.close()
    second = session_factory(path, ttl_s=60)
    ElectricityMapsClient(second, em_server.api_url, em_server.token).latest("NL")
    assert em_server.count(LATEST) == 1


def test_errors_are_not_cached(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=60)
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    em_server.faults[LATEST] = Fault("403", times=1)
    with pytest.raises(NoAccess):
        client.latest("NL")
    assert client.latest("NL").value == 274.0
    em_server.faults[LATEST] = Fault("503", times=4)
    with pytest.raises(ProviderError):
        client.latest("DE")
    assert client.latest("DE").value == 274.0
    assert em_server.count(LATEST) == 1 + 1 + 4 + 1
    em_server.faults[LATEST] = Fault("unknown_zone", times=1)  # a 404 is cached only where it means "no coverage"
    with pytest.raises(UnknownZone):
        client.latest("FR")
    assert client.latest("FR").value == 274.0


def test_no_watttime_coverage_is_cached_like_an_answer(
    tmp_path: Path, session_factory: Callable[..., requests.Session], wt_server: FakeWattTime
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=60)
    for _ in range(2):  # two clients: the second has no token, and needs none
        client = WattTimeClient(session, wt_server.api_url, wt_server.username, wt_server.password)
        with pytest.raises(UnknownZone) as caught:
            client.region_from_loc(50.11, 8.68)
        assert caught.value.message == "no WattTime coverage here"
    assert wt_server.count("region-from-loc") == 1 and wt_server.count("login") == 1


def test_check_key_bypasses_the_cache(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=60)
    good = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    good.latest("DE")
    bad = ElectricityMapsClient(session, em_server.api_url, "revoked", timeout_s=TIMEOUT_S)
    assert bad.check_key() == "rejected"  # a cached 200 for the old key must not say "accepted"
    assert em_server.count(LATEST) == 2


def test_watttime_login_is_never_cached(
    tmp_path: Path, session_factory: Callable[..., requests.Session], wt_server: FakeWattTime
) -> None:
    session = session_factory(tmp_path / "cache.sqlite", ttl_s=60)
    first = WattTimeClient(session, wt_server.api_url, wt_server.username, wt_server.password)
    first.forecast("CAISO_NORTH")
    second = WattTimeClient(session, wt_server.api_url, wt_server.username, wt_server.password)
    second.forecast("CAISO_NORTH")  # from the cache: the new client needs no token for it
    assert wt_server.count("forecast") == 1 and wt_server.count("login") == 1
    second.signal_index("CAISO_NORTH")  # not in the cache: a token is needed, and the login is made for real
    assert wt_server.count("login") == 2
    with contextlib.closing(sqlite3.connect(tmp_path / "cache.sqlite")) as db:
        urls = [row[0] for row in db.execute("SELECT key FROM responses")]
    assert len(urls) == 2  # forecast and signal-index; neither login answer


# --- nothing secret on disk ----------------------------------------------------------------------------------


def test_the_cache_file_holds_no_secret(
    tmp_path: Path,
    session_factory: Callable[..., requests.Session],
    em_sentinel: FakeElectricityMaps,
    wt_sentinel: FakeWattTime,
) -> None:
    cache_dir = tmp_path / "cache"
    session = session_factory(cache_dir / "http-cache.sqlite", ttl_s=60)
    em = ElectricityMapsClient(session, em_sentinel.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
    wt = WattTimeClient(session, wt_sentinel.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
    fetch_em(em, "NL", now=NOW)
    em.latest(gcp_region="europe-west3")
    em.power_breakdown_latest("NL")
    assert em.check_key() == "accepted"
    wt.region_from_loc(37.7, -122.4)
    wt.signal_index("CAISO_NORTH")
    fetch_wt(wt, now=NOW)
    wt.my_access()
    assert wt.check_key() == "accepted"
    wt_sentinel.expire_tokens()
    wt.forecast("CAISO_NORTH")  # a second token, after a 401 (from the cache: no request made)
    wt.historical("CAISO_NORTH", NOW - timedelta(hours=2), NOW)  # a request made with the first token refused
    assert wt_sentinel.count("login") >= 3 and len(wt_sentinel.issued_tokens) >= 3
    session.close()

    data = _cache_bytes(cache_dir)
    assert b"carbonIntensity" in data and b"lbs_co2_per_mwh" in data  # the grep below looks at real entries
    assert b"auth-token" not in data.lower() and b"authorization" not in data.lower()  # no request header stored
    for secret in [EM_TOKEN, *_wt_secrets(wt_sentinel)]:
        assert secret.encode() not in data, f"{secret} found in the cache file"
    with contextlib.closing(sqlite3.connect(cache_dir / "http-cache.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] >= 10


def test_no_secret_on_disk_after_redirects_errors_and_retries(
    tmp_path: Path, session_factory: Callable[..., requests.Session]
) -> None:
    """Issue 8: a 301 to the same URL plus a parameter left the token in the cached request headers of the redirect
    step. Both providers meet redirects (same origin, another port), errors, retries and a new login."""
    cache_dir = tmp_path / "cache"
    session = session_factory(cache_dir / "http-cache.sqlite", ttl_s=60)
    with (
        HostileElectricityMaps.start(token=EM_TOKEN) as em_server,
        HostileWattTime.start(username=WT_USER, password=WT_PASSWORD, token_prefix=WT_TOKEN_PREFIX) as wt_server,
        HostileElectricityMaps.start(token="another-origin") as elsewhere,
    ):
        em_server.other_origin = wt_server.other_origin = elsewhere.url
        em_server.hostile.update({LATEST: "redirect_same_origin", "carbon-intensity/history": "redirect_other_origin"})
        em_server.faults["power-breakdown/latest"] = Fault("503", times=1)  # retried, then answered
        em_server.faults["carbon-intensity/forecast"] = "401"
        em = ElectricityMapsClient(session, em_server.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
        fetch_em(em, "NL", "DE", now=NOW)
        em.power_breakdown_latest("NL")
        wt_server.hostile.update({"forecast": "redirect_same_origin", "historical": "redirect_other_origin"})
        wt_server.faults["signal-index"] = Fault("503", times=1)
        wt = WattTimeClient(session, wt_server.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
        fetch_wt(wt, now=NOW)
        wt_server.expire_tokens()
        wt.my_access()  # a 401, a new login, the answer
        assert wt_server.count("login") == 2 and em_server.count("power-breakdown/latest") == 2
        secrets = [EM_TOKEN, *_wt_secrets(wt_server)]
    session.close()
    data = _cache_bytes(cache_dir)
    assert b"powerProductionBreakdown" in data and b"percentile" in data  # the scan looks at real entries
    assert_no_secret_on_disk(cache_dir, secrets)


def test_the_cache_files_are_private(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    """Owner-only: the directory the cache creates (0700), the database and SQLite's -wal and -shm files (0600), and
    a file an older version left readable to others is tightened when opened."""
    cache_dir = tmp_path / "new" / "cache"
    path = cache_dir / "http-cache.sqlite"
    session = session_factory(path, ttl_s=60)
    ElectricityMapsClient(session, em_server.api_url, em_server.token).latest("NL")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in cache_dir.iterdir()}
    assert modes.keys() >= {"http-cache.sqlite", "http-cache.sqlite-wal", "http-cache.sqlite-shm"}
    assert set(modes.values()) == {0o600}, modes
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    session.close()
    path.chmod(0o644)  # as an older version left it
    reopened = session_factory(path, ttl_s=60)
    ElectricityMapsClient(reopened, em_server.api_url, em_server.token).latest("DE")
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache_dir.iterdir()} == {0o600}


# --- nothing secret in errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [f for f in FAULT_KINDS if f in EXPECTED and EXPECTED[f].error is not None])
def test_no_secret_in_any_error(
    fault: str, session: requests.Session, em_sentinel: FakeElectricityMaps, wt_sentinel: FakeWattTime
) -> None:
    em = ElectricityMapsClient(session, em_sentinel.api_url, EM_TOKEN, timeout_s=TIMEOUT_S, deadline_s=DEADLINE_S)
    wt = WattTimeClient(session, wt_sentinel.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S, deadline_s=DEADLINE_S)
    em_sentinel.faults[LATEST] = fault
    wt_sentinel.faults["forecast"] = fault
    with pytest.raises(ProviderError) as em_error:
        em.latest("NL")
    with pytest.raises(ProviderError) as wt_error:
        wt.forecast("CAISO_NORTH")
    assert_no_secret(em_error.value, [EM_TOKEN])
    assert_no_secret(wt_error.value, _wt_secrets(wt_sentinel))
    if fault in ("timeout", "drip"):
        return  # slow; the fetcher's problems are the same objects' to_problem()
    for signal in (fetch_em(em, "NL", with_forecast=False).one(), fetch_wt(wt, region_cache=SF_REGION).one()):
        assert signal.problems
        text = repr(signal)
        for secret in [EM_TOKEN, *_wt_secrets(wt_sentinel)]:
            assert secret not in text


def test_no_secret_when_the_login_fails(session: requests.Session, wt_sentinel: FakeWattTime) -> None:
    wt = WattTimeClient(session, wt_sentinel.api_url, WT_USER, "SENTINEL-WRONG-PW", timeout_s=TIMEOUT_S)
    with pytest.raises(ProviderError) as caught:
        wt.forecast("CAISO_NORTH")
    assert_no_secret(caught.value, [WT_USER, "SENTINEL-WRONG-PW", *_wt_secrets(wt_sentinel)])
    assert wt.check_key() == "rejected"


def test_no_secret_in_a_bad_request_echoing_the_key(
    session: requests.Session, em_sentinel: FakeElectricityMaps
) -> None:
    em = ElectricityMapsClient(session, em_sentinel.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
    em_sentinel.faults[LATEST] = Fault("status", status=400, body={"error": f"Bad header auth-token={EM_TOKEN}"})
    with pytest.raises(ProviderError) as caught:
        em.latest("NL")
    assert_no_secret(caught.value, [EM_TOKEN])
    assert "***" in caught.value.message


def test_client_reprs_hide_credentials(session: requests.Session) -> None:
    em = ElectricityMapsClient(session, "https://api.electricitymaps.com/v3", EM_TOKEN)
    wt = WattTimeClient(session, "https://api.watttime.org", WT_USER, WT_PASSWORD)
    for text in (repr(em), str(em), repr(wt), str(wt)):
        for secret in (EM_TOKEN, WT_USER, WT_PASSWORD):
            assert secret not in text


# --- an unusable cache file ----------------------------------------------------------------------------------


def test_a_corrupt_cache_file_means_no_cache_not_a_crash(
    tmp_path: Path,
    session_factory: Callable[..., requests.Session],
    em_server: FakeElectricityMaps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not an SQLite database" * 100)
    session = session_factory(path, ttl_s=60)
    assert "unusable" in caplog.text
    client = ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S)
    client.latest("NL")
    client.latest("NL")
    assert em_server.count(LATEST) == 2  # works, uncached


def test_expired_entries_are_dropped_when_a_session_opens(
    tmp_path: Path, session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    path = tmp_path / "cache.sqlite"
    first = session_factory(path, ttl_s=1)
    ElectricityMapsClient(first, em_server.api_url, em_server.token).latest("NL")
    first.close()
    time.sleep(1.1)
    session_factory(path, ttl_s=60).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0

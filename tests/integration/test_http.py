"""sources/http.py: retries, 429 handling, deadlines, error mapping, redirects."""

import email.utils
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import requests

from carbon_gui.sources import http
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.http import classify_error, get_json, make_session, parse_retry_after
from carbon_gui.sources.provider_errors import (
    BadRequest,
    BadResponse,
    KeyRejected,
    NoAccess,
    Offline,
    ProviderError,
    RateLimited,
    ServerError,
    UnknownZone,
)

from .conftest import TIMEOUT_S, assert_no_secret
from .fake_providers import FakeElectricityMaps, Fault
from .hostile_server import DripServer, HostileElectricityMaps, gzip_bomb

LATEST = "carbon-intensity/latest"
REDIRECTED = "the provider answered with a redirect, which is not followed (check its address)"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record get_json's 429 waits instead of sleeping."""
    waited: list[float] = []
    monkeypatch.setattr(http, "_sleep", waited.append)
    return waited


# --- sessions ------------------------------------------------------------------------------------------------


def test_make_session_without_cache_is_a_plain_session(session_factory: Callable[..., requests.Session]) -> None:
    session = session_factory(None, pool_size=7)
    assert not http.is_cached(session)
    adapter = session.get_adapter("https://api.electricitymaps.com/v3/")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter._pool_connections == 7 and adapter._pool_maxsize == 7  # type: ignore[attr-defined]
    retry = adapter.max_retries
    assert retry.status_forcelist is not None and set(retry.status_forcelist) == {500, 502, 503, 504}
    assert 429 not in retry.status_forcelist
    assert retry.respect_retry_after_header is False


def test_make_session_with_cache(tmp_path: Path, session_factory: Callable[..., requests.Session]) -> None:
    session = session_factory(tmp_path / "sub" / "cache.sqlite", ttl_s=60)
    assert http.is_cached(session)
    assert (tmp_path / "sub").is_dir()


def test_default_pool_serves_the_app_thread_pool() -> None:
    session = make_session(None, 0)
    try:
        adapter = session.get_adapter("https://api.watttime.org/")
        assert adapter._pool_maxsize == 128  # type: ignore[attr-defined]
    finally:
        session.close()


# --- retries -------------------------------------------------------------------------------------------------


def test_503_is_retried_then_succeeds(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_server.faults[LATEST] = Fault("503", times=1)
    assert em_client.latest("NL").value == 274.0
    assert em_server.count(LATEST) == 2


@pytest.mark.parametrize("status", ["500", "502", "503", "504"])
def test_5xx_is_retried_three_times(
    status: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults[LATEST] = status
    with pytest.raises(ServerError) as caught:
        em_client.latest("NL")
    assert caught.value.message == f"provider error (HTTP {status})"
    assert caught.value.status == int(status)
    assert em_server.count(LATEST) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429])
def test_4xx_is_not_retried(status: int, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_server.faults[LATEST] = Fault("status", status=status, body={"error": "nope"}, headers={"Retry-After": "30"})
    with pytest.raises(ProviderError):
        em_client.latest("NL")
    assert em_server.count(LATEST) == 1


def test_connection_refused_is_offline(session: requests.Session, free_port: int) -> None:
    with pytest.raises(Offline) as caught:
        get_json(session, f"http://127.0.0.1:{free_port}/v3/x", timeout=TIMEOUT_S, endpoint_name="x")
    assert caught.value.message == "offline"  # refused at once: not "timed out"


def test_unresolvable_host_is_offline(session: requests.Session) -> None:
    with pytest.raises(Offline) as caught:
        get_json(session, "http://no-such-host.invalid/v3/x", timeout=TIMEOUT_S, endpoint_name="x")
    assert caught.value.message in ("offline", "timed out")


def test_a_dropped_connection_is_retried_once(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_server.faults[LATEST] = Fault("disconnect", times=1)
    assert em_client.latest("NL").value == 274.0
    assert em_server.count(LATEST) == 2


def test_a_read_timeout_is_not_retried(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_server.faults[LATEST] = "timeout"
    with pytest.raises(Offline, match="timed out"):
        em_client.latest("NL")
    assert em_server.count(LATEST) == 1


# --- 429 -----------------------------------------------------------------------------------------------------


@pytest.fixture
def patient_client(em_server: FakeElectricityMaps, session: requests.Session) -> ElectricityMapsClient:
    """A client whose deadline leaves time for a short Retry-After wait (em_client's is 0.45 s)."""
    return ElectricityMapsClient(session, em_server.api_url, em_server.token, timeout_s=TIMEOUT_S, deadline_s=5.0)


def test_429_with_a_short_retry_after_is_retried_once(
    patient_client: ElectricityMapsClient, em_server: FakeElectricityMaps, sleeps: list[float]
) -> None:
    em_server.faults[LATEST] = Fault("429", times=1, retry_after="1")
    assert patient_client.latest("NL").value == 274.0
    assert sleeps == [1.0]
    assert em_server.count(LATEST) == 2


def test_429_twice_raises_with_the_wait(
    patient_client: ElectricityMapsClient, em_server: FakeElectricityMaps, sleeps: list[float]
) -> None:
    em_server.faults[LATEST] = Fault("429", times=2, retry_after="2")
    with pytest.raises(RateLimited) as caught:
        patient_client.latest("NL")
    assert caught.value.retry_after_s == 2.0
    assert caught.value.message == "rate-limited, retrying in 2 s"
    assert caught.value.to_problem().retry_after_s == 2.0
    assert sleeps == [2.0]
    assert em_server.count(LATEST) == 2


def test_429_short_wait_really_sleeps(patient_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    em_server.faults[LATEST] = Fault("429", times=1, retry_after="1")
    assert patient_client.latest("NL").value == 274.0
    refused, retried = em_server.requests_to(LATEST)
    assert retried.at - refused.at >= 1.0  # the retry came only after the Retry-After wait, as seen by the server


def test_429_with_an_http_date(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps, sleeps: list[float]
) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    em_server.faults[LATEST] = Fault("429", retry_after=when)
    with pytest.raises(RateLimited) as caught:
        em_client.latest("NL")
    assert caught.value.retry_after_s is not None and 115 <= caught.value.retry_after_s <= 121
    assert sleeps == []


def test_429_without_retry_after_waits_a_minute(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps, sleeps: list[float]
) -> None:
    em_server.faults[LATEST] = Fault("429", retry_after=None)
    with pytest.raises(RateLimited) as caught:
        em_client.latest("NL")
    assert caught.value.retry_after_s == 60.0
    assert caught.value.message == "rate-limited, retrying in 60 s"
    assert sleeps == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("5", 5.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0), ("soon", 60.0), (None, 60.0), ("", 60.0), ("inf", 60.0)],
)
def test_parse_retry_after(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_dates() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert parse_retry_after("Sun, 01 Jun 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 01 Jun 2025 11:00:00 GMT", now=now) == 0.0


# --- error mapping -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            b'{"error":"Invalid auth-token","message":"The provided token is invalid."}',
            KeyRejected,
            "key rejected",
        ),
        (403, b"<html>403 Forbidden</html>", NoAccess, "endpoint not in your plan"),
        (400, b'{"error":"Endpoint not available"}', NoAccess, "endpoint not in your plan"),
        (401, b'{"error":"Token unauthorized for zoneKey DE"}', NoAccess, "no access to this zone"),
        (
            400,
            b'{"error":"Invalid query parameters","message":"Invalid scope. You do not have sufficient access"}',
            NoAccess,
            "endpoint not in your plan",
        ),
        (404, b"", UnknownZone, "zone not known to the provider"),
        (400, b'{"error":"Zone \'XX\' does not exist"}', UnknownZone, "zone not known to the provider"),
        (400, b'{"error":"Unknown zone"}', UnknownZone, "zone not known to the provider"),
        (
            400,
            b'{"error":"Invalid parameter","message":"temporalGranularity"}',
            BadRequest,
            "Invalid parameter: temporalGranularity",
        ),
        (418, b"teapot", BadRequest, "the provider refused the request (HTTP 418)"),
        (503, b"", ServerError, "provider error (HTTP 503)"),
    ],
)
def test_classify_error(status: int, body: bytes, error: type[ProviderError], message: str) -> None:
    err = classify_error(status, body, endpoint="x")
    assert type(err) is error
    assert err.message == message
    assert err.endpoint == "x"


def test_bad_request_text_is_truncated_and_scrubbed() -> None:
    body = b'{"error":"bad token SECRET-123456 given","message":"' + b"x" * 300 + b'"}'
    err = classify_error(400, body, endpoint="x", secrets=["SECRET-123456"])
    assert isinstance(err, BadRequest)
    assert len(err.message) <= 120
    assert "SECRET-123456" not in err.message and "***" in err.message


def test_bad_request_from_the_server_names_the_problem(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    em_server.faults[LATEST] = Fault("status", status=400, body={"error": "Invalid emissionFactorType"})
    with pytest.raises(BadRequest) as caught:
        em_client.latest("NL")
    assert caught.value.message == "Invalid emissionFactorType"


def test_str_and_repr_name_the_endpoint_not_the_request() -> None:
    err = KeyRejected(endpoint="carbon-intensity/latest", status=401)
    assert str(err) == "carbon-intensity/latest: key rejected"
    assert repr(err) == "KeyRejected(endpoint='carbon-intensity/latest', message='key rejected', status=401)"


def test_errors_do_not_chain_to_the_request(em_client: ElectricityMapsClient, em_server: FakeElectricityMaps) -> None:
    """The transport exception holds the request and its headers: it must not hang off ours."""
    for fault in ("timeout", "truncated", "disconnect", "malformed"):
        em_server.faults[LATEST] = fault
        with pytest.raises(ProviderError) as caught:
            em_client.latest("NL")
        assert caught.value.__cause__ is None and caught.value.__context__ is None
        assert_no_secret(caught.value, [em_server.token])


# --- redirects: never followed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["redirect_same_origin", "redirect_other_origin"])
def test_a_redirect_is_not_followed_and_says_so(kind: str, session: requests.Session) -> None:
    with HostileElectricityMaps.start() as server, FakeElectricityMaps.start() as elsewhere:
        server.other_origin = elsewhere.url  # the same host, another port: another origin
        server.hostile[LATEST] = kind
        client = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=TIMEOUT_S)
        with pytest.raises(BadResponse) as caught:
            client.latest("NL")
        assert caught.value.message == REDIRECTED
        assert caught.value.status in (301, 307)
        assert server.count(LATEST) == 1 and elsewhere.count() == 0


# --- the overall deadline: connect, status line, headers, body, retries ------------------------------------------


def _ends_in_time(call: Callable[[], object], deadline_s: float, slack_s: float = 0.6) -> ProviderError:
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed < deadline_s + slack_s, f"{elapsed:.2f} s for a {deadline_s} s deadline"
    return caught.value


@pytest.mark.parametrize("kind", ["drip_headers", "drip_body"])
def test_a_drip_ends_at_the_deadline(kind: str, session: requests.Session) -> None:
    """One byte every 0.5 s never trips the 1 s read timeout (it is per recv); the 2 s deadline covers it all."""
    with HostileElectricityMaps.start(header_drip_s=0.5, drip_interval_s=0.5) as server:
        server.hostile[LATEST] = kind
        url = f"{server.api_url}/{LATEST}"
        call = partial(
            get_json, session, url, params={"zone": "NL"}, headers={"auth-token": server.token},
            timeout=1.0, deadline_s=2.0, endpoint_name=LATEST,
        )  # fmt: skip
        error = _ends_in_time(call, 2.0)
    assert isinstance(error, Offline) and error.message == "timed out"


def test_a_tls_handshake_drip_ends_at_the_deadline(session: requests.Session) -> None:
    """An HTTPS server that sends its handshake one byte every 0.5 s: the deadline covers the connection too (the
    handshake is bounded by the connect timeout, 5 s here, and that by the time left)."""
    with DripServer.start(interval_s=0.5) as server:
        url = f"https://127.0.0.1:{server.port}/v3/{LATEST}"
        error = _ends_in_time(partial(get_json, session, url, timeout=5.0, deadline_s=2.0, endpoint_name=LATEST), 2.0)
        assert server.connections == 1
    assert isinstance(error, Offline) and error.message == "timed out"


def test_the_deadline_covers_retries_and_their_backoff(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps
) -> None:
    em_server.faults[LATEST] = "503"  # with a backoff of 1 s: retries after 0, 2 and 4 s
    client = ElectricityMapsClient(session_factory(backoff=1.0), em_server.api_url, em_server.token, deadline_s=1.0)
    error = _ends_in_time(lambda: client.latest("NL"), 1.0)
    assert isinstance(error, ServerError) and error.status == 503
    assert 1 <= em_server.count(LATEST) <= 2


def test_a_429_wait_longer_than_the_time_left_is_not_waited(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps, sleeps: list[float]
) -> None:
    em_server.faults[LATEST] = Fault("429", times=1, retry_after="1")  # the client's deadline is 0.45 s
    with pytest.raises(RateLimited) as caught:
        em_client.latest("NL")
    assert caught.value.retry_after_s == 1.0 and sleeps == []
    assert em_server.count(LATEST) == 1


def test_a_slow_answer_is_kept_within_the_deadline_and_not_after_it(session: requests.Session) -> None:
    with FakeElectricityMaps.start(latency_s=0.3) as server:
        patient = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=1.0, deadline_s=1.0)
        assert patient.latest("NL").value == 274.0
        hasty = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=1.0, deadline_s=0.1)
        error = _ends_in_time(lambda: hasty.history("NL"), 0.1)  # within the read timeout, after the deadline
    assert isinstance(error, Offline) and error.message == "timed out"


def test_a_pooled_connection_is_never_cut_for_the_call_that_used_it_before(session: requests.Session) -> None:
    """The first call's deadline passes while the second call waits on the same keep-alive connection."""
    with FakeElectricityMaps.start(latency_s=0.6) as server:
        client = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=2.0, deadline_s=1.0)
        started = time.monotonic()
        client.latest("NL")  # done at 0.6 s; its deadline is at 1.0 s
        assert client.history("DE")  # asked at 0.6 s on the same connection, answered at 1.2 s
        assert time.monotonic() - started > 1.0
        assert server.count() == 2  # the second call was not cut and tried again


# --- answers too large -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "peak_mib"), [("huge", 1), ("huge_unsized", 20), ("gzip_bomb", 20)])
def test_an_answer_over_the_limit_is_refused_with_bounded_memory(
    kind: str, peak_mib: int, session: requests.Session
) -> None:
    """50 MB: refused as "too large" (from Content-Length before reading, else once /latest's 256 KB limit is passed),
    never decoded."""
    with HostileElectricityMaps.start() as server:
        server.hostile[LATEST] = kind
        client = ElectricityMapsClient(session, server.api_url, server.token, timeout_s=5.0)
        gzip_bomb()  # built before measuring: the server's own memory is not the client's
        tracemalloc.start()
        try:
            with pytest.raises(BadResponse) as caught:
                client.latest("NL")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.message == "answer too large (over 256 KB)"
    assert peak < peak_mib * 2**20, f"peak {peak / 2**20:.1f} MiB"

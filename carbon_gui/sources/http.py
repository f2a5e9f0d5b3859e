"""HTTP plumbing shared by the live grid-data clients: sessions (pool, retries, cache) and `get_json`.

- `make_session` builds one `requests.Session` per provider: a connection pool as large as the
  app's fetch thread pool, urllib3 retries for connection errors and 500/502/503/504 (not 429, and
  not read timeouts, which would multiply the wait), no redirects followed, and optionally an SQLite
  response cache (requests-cache, owner-only files) that stores only 200 answers to GET (and WattTime's
  "no coverage" 404) of at most MAX_CACHED_BYTES, never a login, and never a secret: secret headers and parameters
  are left out of the cache key, no request header is stored at all, and no answer holding a credential of its
  request (a server echoing the key back) is stored.
- `get_json` performs one GET with a (connect, read) timeout *and* an overall deadline that covers connect,
  status line, headers, body, the transport's retries and a short 429 wait (a read timeout bounds one recv
  only: a server dripping one byte per second never trips it), refuses answers over the endpoint's size limit,
  and turns every failure into a `ProviderError` subclass with a short user-facing message (see `provider_errors`).
- `refresh_budget()` bounds the bytes all answers of one refresh may take together.
- `cached_json` answers from the cache only (None on a miss), for callers that must not pay for a login
  or a token before they know a request is needed.
- `receipts()` records when each answer used inside it was received: for an answer served from the
  cache, when the cache stored it, so a cached value is never presented as freshly fetched.
"""

import base64
import binascii
import contextlib
import contextvars
import email.utils
import functools
import hashlib
import heapq
import json
import logging
import math
import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self, TypeVar
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

import requests
import requests.auth
import requests.cookies
import requests.sessions
import requests.structures
import requests.utils
import urllib3
from requests.adapters import HTTPAdapter
from requests_cache import CachedSession
from requests_cache.backends.sqlite import SQLiteCache
from requests_cache.cache_keys import redact_response
from requests_cache.models.request import CachedRequest
from requests_cache.models.response import CachedResponse
from requests_cache.session import get_504_response
from urllib3.connectionpool import ConnectionPool, HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

from carbon_gui.sources.provider_errors import (
    MSG_CONNECTION_LOST,
    MSG_NO_ZONE_ACCESS,
    MSG_REDIRECTED,
    MSG_TIMED_OUT,
    AnswerTooLarge,
    BadRequest,
    BadResponse,
    KeyRejected,
    NoAccess,
    Offline,
    ProviderError,
    RateLimited,
    RefreshTooLarge,
    ServerError,
    UnknownZone,
)

USER_AGENT = f"carbon-gui/0.1 python-requests/{requests.__version__}"
RETRY_STATUSES = (500, 502, 503, 504)
SECRET_HEADERS = ("auth-token", "Authorization", "X-BLOBR-KEY", "Proxy-Authorization")
DEFAULT_RETRY_AFTER_S = 60.0
SHORT_RETRY_AFTER_S = 2.0  # a 429 asking to wait at most this long is retried once inside get_json
# Answer size limits. Real answers: one value (latest, signal index, region, login) ~1 KB; a 24 h history, a 72 h
# forecast or the access list some tens of KB. A client gives each endpoint the limit that fits it; MAX_BODY_BYTES is
# the default for any other call.
SMALL_ANSWER_BYTES = 256 * 1024
SERIES_ANSWER_BYTES = 2 * 1024 * 1024
MAX_BODY_BYTES = 8 * 1024 * 1024
# All answers of one refresh together (see `refresh_budget`): a 45-region refresh reads ~5 MB.
REFRESH_BUDGET_BYTES = 32 * 1024 * 1024
MAX_CACHED_BYTES = 256 * 1024  # a larger answer is used but not stored: the cache stays small whatever comes
MAX_ERROR_TEXT = 120
NO_CACHE_PATHS = ("/login", "/register")  # answers carrying tokens
INDEX_MAX_AGE_S = 2.0  # the cache's in-memory key index is read again after this (see _IndexedSQLiteCache)
WRITE_WAIT_S = 1.0  # an answer whose write waits longer for another writer's lock is used without being stored
STORE_WAIT_S = 2 * WRITE_WAIT_S  # the longest wait for a refresh's answers to be stored (see store_after_refresh)
# A 404 here means "no coverage at this place": as lasting as a 200, so it is cached too (reopening the app
# within the TTL then asks nothing, not even a login, for a region without coverage).
CACHED_404_PATHS = ("/region-from-loc",)

T = TypeVar("T")
logger = logging.getLogger(__name__)
_PLAIN_QUERY_TEXT = re.compile(r"[A-Za-z0-9_.\-]*")  # what quote_plus leaves as it is

_current_call: contextvars.ContextVar["_Call | None"] = contextvars.ContextVar("carbon_gui_http_call", default=None)
_sleep = time.sleep  # tests may patch it


@dataclass
class Receipts:
    """When the answers used inside a `receipts()` block were received (UTC), in the order they came."""

    times: list[datetime] = field(default_factory=list)

    @property
    def last(self) -> datetime | None:
        return self.times[-1] if self.times else None


_receipts: contextvars.ContextVar[Receipts | None] = contextvars.ContextVar("carbon_gui_http_receipts", default=None)


@contextlib.contextmanager
def receipts() -> Iterator[Receipts]:
    """Collect the receive time of every usable (2xx, JSON) answer that `get_json`/`cached_json` return in this
    thread while the block runs."""
    collected = Receipts()
    token = _receipts.set(collected)
    try:
        yield collected
    finally:
        _receipts.reset(token)


def received_at(response: requests.Response) -> datetime:
    """When `response` was received: requests-cache's `created_at` (for a cached answer, when it was stored),
    else now."""
    created = getattr(response, "created_at", None)
    if not isinstance(created, datetime):
        return datetime.now(UTC)
    return created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)


def _note_receipt(moment: datetime) -> None:
    collected = _receipts.get()
    if collected is not None:
        collected.times.append(moment)


class _BodyTooLarge(requests.exceptions.RequestException):
    pass


class _BudgetSpent(requests.exceptions.RequestException):
    pass


class _Budget:
    """The bytes the answers of one refresh may take together, shared by its requests (on any thread)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    def spend(self, n_bytes: int) -> None:
        with self._lock:
            self._used += n_bytes
            if self._used > self.limit:
                raise _BudgetSpent("refresh budget spent")

    @property
    def spent(self) -> bool:
        return self._used > self.limit


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("carbon_gui_http_budget", default=None)


@contextlib.contextmanager
def refresh_budget(limit_bytes: int = REFRESH_BUDGET_BYTES) -> Iterator[None]:
    """One refresh: the bodies that `get_json` reads while the block runs (also in work started from it with its
    context, `contextvars.copy_context`) may take `limit_bytes` together. The read that crosses it and every later
    call of the refresh raise `RefreshTooLarge`, so ~150 answers each under its own limit cannot add up to gigabytes."""
    token = _budget.set(_Budget(limit_bytes))
    try:
        yield
    finally:
        _budget.reset(token)


@dataclass(frozen=True)
class _Store:
    """An answer to store once its refresh has ended: with what `get_json` knew when it came (the call's secrets,
    for the filter) and when it came (the entry's creation time, so its age is the answer's)."""

    cache: "_IndexedSQLiteCache"
    response: requests.Response
    key: str
    expires: datetime
    call_secrets: tuple[str, ...]
    received: datetime


_stores: contextvars.ContextVar[list[_Store] | None] = contextvars.ContextVar("carbon_gui_http_stores", default=None)


@contextlib.contextmanager
def store_after_refresh() -> Iterator[None]:
    """One refresh: the answers it gets (also in work started from it with its context) go into the HTTP cache when
    the block ends, on a thread of their own, in one batch per cache file, instead of one by one as they come.
    Storing an answer (filter, serialisation, INSERT) costs about a third of a request's CPU; spent while the
    refresh's other answers are still arriving, under the one GIL, it delayed them. Every cache lookup and close in
    this process waits for the pending batches (`wait_for_stores`), so nothing that asks the cache can tell."""
    pending: list[_Store] = []
    token = _stores.set(pending)
    try:
        yield
    finally:
        _stores.reset(token)
        if pending:
            _store_in_background(pending)


_store_threads: set[threading.Thread] = set()
_store_threads_lock = threading.Lock()


def _store_in_background(pending: list[_Store]) -> None:
    by_cache: dict[_IndexedSQLiteCache, list[_Store]] = {}
    for item in pending:
        by_cache.setdefault(item.cache, []).append(item)
    for cache, items in by_cache.items():
        cache.store_soon(items)


def wait_for_stores(timeout_s: float = STORE_WAIT_S) -> None:
    """Wait, at most `timeout_s`, for every answer of this process handed to a background store to be stored: before
    a lookup (any session's: the app reopened within the TTL shares the file) and before an exit."""
    if not _store_threads:
        return
    deadline = time.monotonic() + timeout_s
    with _store_threads_lock:
        threads = [thread for thread in _store_threads if thread is not threading.current_thread()]
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


@dataclass(eq=False)
class _Call:
    """One `get_json` call's overall deadline (monotonic seconds), and whether the watchdog had to cut it."""

    at: float
    secrets: tuple[str, ...] = ()  # what the call must never let reach the cache (see _holds_secret)
    max_bytes: int = MAX_BODY_BYTES  # the largest answer it accepts
    expired: bool = False  # set by the watchdog
    # what it is using now (guarded by the watchdog's lock): the connection, and once the headers are in, the answer
    conn: "BaseHTTPConnection | None" = None
    response: BaseHTTPResponse | None = None
    scheduled: bool = False

    def left(self) -> float:
        return self.at - time.monotonic()

    def ran_out(self) -> bool:
        return self.expired or self.left() <= 0


class _Watchdog:
    """Cuts the connection of a call still running at its deadline. A socket timeout bounds each recv only, so a
    server sending a byte now and then (status line, headers or body) could otherwise hold a call for minutes.

    One daemon thread for the whole process. A connection is watched from the moment a call sends on it until it
    goes back to the pool (or the call ends), so a pooled connection is never cut for an earlier call."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, _Call]] = []  # heap of (deadline, tie-breaker, call)
        self._calls: dict[BaseHTTPConnection, _Call] = {}
        self._count = 0
        self._thread: threading.Thread | None = None

    def watch(self, call: _Call, conn: "BaseHTTPConnection") -> None:
        with self._lock:
            self._unwatch(call)
            call.conn = conn
            self._calls[conn] = call
            if not call.scheduled:
                call.scheduled = True
                self._count += 1
                heapq.heappush(self._due, (call.at, self._count, call))
                if self._due[0][2] is call:
                    self._lock.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="carbon-gui-http-deadline", daemon=True)
                self._thread.start()

    def watch_response(self, call: _Call, conn: "BaseHTTPConnection", response: BaseHTTPResponse) -> None:
        """The headers are in: the body is read through `response` (http.client may have let go of conn.sock)."""
        with self._lock:
            if call.conn is conn:
                call.response = response

    def release(self, call: _Call) -> None:
        """The call is over: its connection is no longer watched."""
        with self._lock:
            self._unwatch(call)

    def release_connection(self, conn: "BaseHTTPConnection | None") -> None:
        """`conn` is going back to the pool: whichever call used it is done with it."""
        with self._lock:
            call = self._calls.get(conn) if conn is not None else None
            if call is not None:
                self._unwatch(call)

    def _unwatch(self, call: _Call) -> None:
        if call.conn is not None:
            self._calls.pop(call.conn, None)
        call.conn = call.response = None

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    call = heapq.heappop(self._due)[2]
                    if call.conn is not None:
                        call.expired = True
                        try:
                            _cut(call.conn, call.response)
                        except Exception:  # the one thread enforcing every deadline must outlive any connection
                            logger.exception("could not cut a connection at its deadline")
                        self._unwatch(call)
                self._lock.wait(self._due[0][0] - now if self._due else None)


def _cut(conn: "BaseHTTPConnection", response: BaseHTTPResponse | None) -> None:
    """Shut the socket down: a recv blocked on it returns at once (end of stream). Before the headers are in, the
    socket is the connection's; after, the answer's (urllib3's `HTTPResponse.shutdown`, made for this)."""
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's shutdown, also under TLS
    if response is not None:
        with contextlib.suppress(OSError, ValueError, RuntimeError):  # closed or released meanwhile: nothing to cut
            response.shutdown()


_WATCHDOG = _Watchdog()


def _at_most(seconds: object, limit: float) -> float:
    return min(seconds, limit) if isinstance(seconds, int | float) else limit


class _WatchedHTTPPool(HTTPConnectionPool):
    """A connection pool that keeps each request within its call's deadline: connect and read timeouts no longer
    than the time left, and the connection watched (see `_Watchdog`) until it goes back to the pool."""

    def _make_request(self, conn: "BaseHTTPConnection", method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        call = _current_call.get()
        if call is not None:
            left = call.left()
            if left <= 0:
                raise urllib3.exceptions.ReadTimeoutError(self, url, "overall deadline passed")
            timeout = self._get_timeout(kwargs.get("timeout", urllib3.util.Timeout.DEFAULT_TIMEOUT))
            kwargs["timeout"] = urllib3.util.Timeout(
                connect=_at_most(timeout.connect_timeout, left), read=_at_most(timeout.read_timeout, left)
            )
            _WATCHDOG.watch(call, conn)
        response = super()._make_request(conn, method, url, *args, **kwargs)
        if call is not None:
            _WATCHDOG.watch_response(call, conn, response)
        return response

    def _put_conn(self, conn: "BaseHTTPConnection | None") -> None:
        _WATCHDOG.release_connection(conn)
        super()._put_conn(conn)


class _WatchedHTTPSPool(_WatchedHTTPPool, HTTPSConnectionPool):
    pass


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _DeadlineAdapter(HTTPAdapter):
    """Sends through watched pools (see `_WatchedHTTPPool`) and reads every body here, in small pieces, up to the
    call's limit and the refresh's budget. Reading here (below the cache layer) means requests-cache only ever sees
    complete bodies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pool_keys: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # (origin, verify, cert) -> pool key attributes
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> ConnectionPool:
        """requests' own; without a proxy, the pool's key attributes are remembered per origin (requests parses the
        URL twice and scans the proxy table for each request)."""
        if proxies or verify is None or not isinstance(cert, str | tuple | None):
            return super().get_connection_with_tls_context(request, verify, dict(proxies or {}), cert)
        key = (*(request.url or "").split("/", 3)[:3], verify, cert)
        if key not in self._pool_keys:
            try:
                attributes = self.build_connection_pool_key_attributes(request, verify, cert)
            except ValueError as exc:
                raise requests.exceptions.InvalidURL(exc, request=request) from None
            if len(self._pool_keys) >= 256:
                self._pool_keys.clear()
            self._pool_keys[key] = attributes
        host_params, pool_kwargs = self._pool_keys[key]
        pool: ConnectionPool = self.poolmanager.connection_from_host(**host_params, pool_kwargs=dict(pool_kwargs))
        return pool

    def request_url(self, request: requests.PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        """Without a proxy, the path (as requests finds after parsing the URL and scanning the proxy table)."""
        if proxies:
            return super().request_url(request, dict(proxies))
        return request.path_url

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> urllib3.PoolManager:
        manager: urllib3.PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):  # (a SOCKS proxy keeps its own pools: no watchdog there)
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        call = _current_call.get()
        response: requests.Response | None = None
        try:
            response = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
            body = _read_body(response, call.max_bytes if call is not None else MAX_BODY_BYTES, _budget.get())
            if call is not None and call.expired:  # cut at the deadline: what came is not the whole answer
                raise requests.exceptions.ReadTimeout("overall deadline passed")
        except BaseException as exc:
            if response is not None:
                response.close()
            timed_out = call is not None and call.ran_out()  # then whatever broke, broke because time was up
            if timed_out and isinstance(exc, requests.exceptions.RequestException):
                raise requests.exceptions.ReadTimeout("overall deadline passed") from None
            raise
        finally:
            if call is not None:
                _WATCHDOG.release(call)
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response


@functools.lru_cache(maxsize=4096)  # a refresh asks the same ~150 URLs each time
def _prepared_url(url: str, query: str | None) -> str:
    """The URL requests sends for `url` and `query` (checked, IDNA-encoded, requoted), or its error."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, query)
    return prepared.url or ""


def _read_body(response: requests.Response, max_bytes: int, budget: _Budget | None) -> bytes:
    """The decoded body, refused as soon as it is known to exceed `max_bytes`: from its Content-Length before
    reading, else while reading (decoded pieces of at most 64 KB, so a gzip bomb never inflates in memory). Each
    piece is charged to `budget` (the refresh's), which may end the read too."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _BodyTooLarge("body too large")
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = raw.read1(64 * 1024, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout("read timed out") from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            # IncompleteRead (truncated), a connection reset mid-body, a bad chunk or bad gzip data
            raise requests.exceptions.ChunkedEncodingError("incomplete or undecodable body") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _BodyTooLarge("body too large")
        if budget is not None:
            budget.spend(len(chunk))
        chunks.append(chunk)


class _Retry(Retry):
    """urllib3 Retry that never retries a read timeout (it would multiply the wait) but does retry, once, a
    connection the server dropped before answering (a stale keep-alive connection, say); and retries only while
    the call's deadline leaves time for the backoff wait (else a 5xx is handed back as it is, and a connection
    error ends as a timeout)."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            raise error
        following = super().increment(method, url, response, error, _pool, _stacktrace)
        call = _current_call.get()
        if call is not None and following.get_backoff_time() >= call.left():
            if response is not None:  # urlopen returns this answer (raise_on_status is off)
                no_time = urllib3.exceptions.ResponseError("no time left for another try")
                raise urllib3.exceptions.MaxRetryError(_pool, url or "", no_time)  # type: ignore[arg-type]
            raise urllib3.exceptions.ReadTimeoutError(_pool, url or "", "overall deadline passed")  # type: ignore[arg-type]
        return following


class _NoNetrc(requests.auth.AuthBase):
    """The session's default auth: nothing. Its presence stops requests from reading ~/.netrc for every request
    (two file lookups each); a provider's key is never taken from a file. A request's own auth still wins."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class _ProviderSession(requests.Session):
    """Never follows a redirect. Both APIs answer their documented endpoints directly, so a redirect means a wrong
    address or something between us and the provider; following it would send the key again, maybe to another
    origin (requests itself keeps `Authorization` on a port change or an http -> https upgrade, and every other
    header always), and requests-cache would store each step's request. The answer becomes a clear error instead
    (fail closed, as gcloud's and other API clients do).

    Also reads the environment's proxy and CA-bundle settings once per host instead of once per request (requests
    scans the whole environment twice per request for them: ~10 % of a request's CPU), and never ~/.netrc."""

    def __init__(self) -> None:
        super().__init__()
        self.auth = _NoNetrc()
        self._from_environment: dict[tuple[str, str, str | None], tuple[dict[str, str], str | None]] = {}

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: Any,
        stream: bool | None,
        verify: Any,
        cert: Any,
    ) -> Any:
        if not self.trust_env or not isinstance(url, str):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        scheme, _, netloc = [*url.split("/", 3), "", ""][:3]  # the origin ("http:", "", "host:port"), unparsed
        key = (scheme, netloc, no_proxy)
        known = self._from_environment.get(key)
        if known is None:  # what requests.Session.merge_environment_settings reads from the environment
            env_proxies = requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
            ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            known = self._from_environment[key] = (env_proxies, ca_bundle)
        env_proxies, ca_bundle = known
        merged_proxies = {**env_proxies, **(proxies or {})}
        if verify is True or verify is None:
            verify = ca_bundle or verify
        every_proxy = {**self.proxies, **merged_proxies}  # as merge_setting merges them, without its protocol checks
        return {  # as requests.Session.merge_environment_settings ends
            "proxies": {name: value for name, value in every_proxy.items() if value is not None},
            "stream": _merge_setting(stream, self.stream),
            "verify": _merge_setting(verify, self.verify),
            "cert": _merge_setting(cert, self.cert),
        }

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None  # see the class docstring

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """requests' own, without the merging this session never needs: for a GET with no body and no cookie, and a
        session with no cookie, parameter or hook, the headers are merged here (a request's header overrides the
        session's; None removes it, as in requests) and the other steps run as requests runs them. requests'
        general merge checks each setting against runtime protocols (typing.Protocol isinstance checks, ~8 per
        request): a quarter of a request's CPU before it is sent, spent one request after another under the GIL
        while a refresh's ~120 requests go out."""
        plain = (
            (request.method or "").upper() == "GET"
            and not (request.data or request.json or request.files or request.cookies)
            and not (len(self.cookies) or self.params)
            and not any(hooks for hooks in (*self.hooks.values(), *request.hooks.values()))
        )
        if not plain:
            return super().prepare_request(request)
        headers = requests.structures.CaseInsensitiveDict(self.headers)
        for name, value in (request.headers or {}).items():
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        prepared = requests.PreparedRequest()
        prepared.prepare_method("GET")
        if isinstance(request.url, str) and isinstance(request.params, str | None):
            prepared.url = _prepared_url(request.url, request.params)
        else:
            prepared.prepare_url(request.url, request.params)
        prepared.prepare_headers(headers)
        prepared._cookies = requests.cookies.RequestsCookieJar()  # type: ignore[attr-defined]  # (none to send)
        prepared.prepare_body(None, None)
        prepared.prepare_auth(request.auth or self.auth, request.url)
        prepared.prepare_hooks({})
        return prepared


def _merge_setting(request_setting: Any, session_setting: Any) -> Any:
    return requests.sessions.merge_setting(request_setting, session_setting)  # type: ignore[no-untyped-call]


class _PlainSession(_ProviderSession):
    pass


_cache_use: contextvars.ContextVar[str] = contextvars.ContextVar("carbon_gui_http_cache_use", default="")


class _CachedSession(CachedSession, _ProviderSession):
    """requests-cache's session, with its per-request policy replaced by what this app's fixed settings leave of it
    (GET only, one TTL, no Cache-Control, no validators, no header in the key): use a fresh stored answer the filter
    accepts (one it refuses is deleted), else send, and store a 200/404 the filter accepts before returning it.
    Same file, keys, filter and synchronous write as requests-cache's own path, which (CacheActions, Cache-Control
    parsing, signature inspection) cost a stored answer ~1080 Python calls on top of the request's ~830, now ~580:
    a refresh's 120 requests spend that CPU one after another under the GIL, and the last one goes out after it.

    `only_if_cached=True` answers a miss with a local 504 and sends nothing; `force_refresh=True` skips a stored
    answer (a fresh one is still stored)."""

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        *args: Any,
        only_if_cached: bool = False,
        force_refresh: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        token = _cache_use.set("only-if-cached" if only_if_cached else "force-refresh" if force_refresh else "")
        try:
            return _ProviderSession.request(self, method, url, *args, **kwargs)
        finally:
            _cache_use.reset(token)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.method != "GET":
            return _ProviderSession.send(self, request, **kwargs)
        use = _cache_use.get()
        key = self.cache.create_key(request, **kwargs)
        if use != "force-refresh":
            cached = self.cache.get_response(key)
            if cached is not None and not cached.is_expired:
                if _cacheable(cached):
                    return cached
                self.cache.delete(key)  # stored by an older version, say: never used
        if use == "only-if-cached":
            return get_504_response(request)
        response = _ProviderSession.send(self, request, **kwargs)
        ttl_s = self.settings.expire_after  # seconds: see _cached_session
        allowed = response.status_code in self.settings.allowable_codes
        if not allowed or not isinstance(ttl_s, int | float) or ttl_s <= 0:
            return response
        cache = self.cache
        expires = datetime.now(UTC) + timedelta(seconds=ttl_s)
        if isinstance(cache, _IndexedSQLiteCache):
            cache.store(response, key, expires)
        elif _cacheable(response):
            cache.save_response(response, key, expires)
        return response


def _cacheable(response: requests.Response, call_secrets: Iterable[str] | None = None) -> bool:
    """requests-cache filter (asked before an answer is stored, and again when one is read back: a stored answer it
    refuses is deleted): never store a login answer, anything sent with HTTP Basic credentials, or an answer holding
    a secret of its request (a server echoing the key back) or one of `call_secrets` (by default, those of the
    running `get_json` call: a password the request does not carry, say); a 404 only where it means "no coverage
    here"."""
    request = response.request
    url = response.url or (request.url if request is not None else "") or ""
    path = urllib3.util.parse_url(url).path or ""
    if path.rstrip("/").endswith(NO_CACHE_PATHS):
        return False
    if response.status_code == 404 and not path.rstrip("/").endswith(CACHED_404_PATHS):
        return False
    if request is not None:
        authorization = str(request.headers.get("Authorization", ""))
        if authorization.lower().startswith("basic"):
            return False
    if len(response.content or b"") > MAX_CACHED_BYTES:
        return False
    if call_secrets is None:
        call = _current_call.get()
        call_secrets = call.secrets if call is not None else ()
    secrets = _request_secrets(request.headers if request is not None else {})
    return not _holds_secret(response, [*secrets, *call_secrets])


def _request_secrets(headers: Mapping[str, Any]) -> list[str]:
    """The credentials in request headers: each secret header's value, the token of "Bearer <token>", and for
    "Basic <base64>" the decoded user:password and the password alone."""
    found: list[str] = []
    for name in SECRET_HEADERS:
        value = headers.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        found.append(value)
        scheme, _, credential = value.strip().partition(" ")
        if scheme.lower() == "basic":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                user_password = base64.b64decode(credential, validate=True).decode()
                found += [user_password, user_password.partition(":")[2]]
        elif credential:
            found.append(credential)
    return [secret for secret in found if secret]


def _secret_forms(secret: str) -> set[bytes]:
    """`secret` raw, and the base64 characters made of its bits alone at each of the 3 alignments (standard and
    URL-safe alphabets), so it is found also inside a longer encoded text (an echoed Basic header, say)."""
    raw = secret.encode()
    forms = {raw}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw)
            forms.add(encoded[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6])
    return {form for form in forms if form}


def _readings(data: bytes) -> list[bytes]:
    """`data` as stored, and as a reader would decode it: percent-decoded, JSON-unescaped (\\u0041, \\/)."""
    readings = [data]
    if b"%" in data:
        readings.append(unquote_to_bytes(data))
    if b"\\" in data:
        with contextlib.suppress(ValueError, RecursionError):
            readings.append(json.dumps(json.loads(data), ensure_ascii=False).encode())
    return readings


def _holds_secret(response: requests.Response, secrets: Iterable[str]) -> bool:
    """Whether the answer's status text, headers or body hold one of `secrets`, raw or encoded (see `_secret_forms`,
    `_readings`)."""
    forms = {form for secret in secrets for form in _secret_forms(secret)}
    if not forms:
        return False
    head = "\n".join([str(response.reason or ""), *(f"{k}: {v}" for k, v in response.headers.items())])
    stored = [head.encode("utf-8", errors="replace"), response.content or b""]
    return any(form in reading for data in stored for reading in _readings(data) for form in forms)


def _ignored_parameters() -> list[str]:
    names: list[str] = []
    for name in (*SECRET_HEADERS, "access_token", "api_key", "token", "password"):
        # requests-cache compares names case-sensitively, and requests keeps the caller's spelling
        for variant in (name, name.lower(), name.title(), name.upper()):
            if variant not in names:
                names.append(variant)
    return names


def _cache_key(
    request: requests.PreparedRequest,
    ignored_parameters: Iterable[str] | None = None,
    serializer: Any = None,
    **request_kwargs: Any,
) -> str:
    """requests-cache's key for a request, made cheaply: method, URL with the query sorted and without the ignored
    (secret) parameters, body, TLS verification on or off, serializer. No header takes part (`match_headers` is
    off), so no key ever depends on a key. The library's own key function normalises far more (IDN hosts, default
    ports, JSON bodies): ~0.2 ms per request, most of a cached request's overhead before it is sent."""
    where = _normalised_url(request.url or "", frozenset(ignored_parameters or ()))
    body = request.body or b""
    key = hashlib.blake2b(digest_size=8)
    for part in (request.method or "GET", where, body, str(bool(request_kwargs.get("verify", True))), str(serializer)):
        key.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        key.update(b"\0")
    return key.hexdigest()


@functools.lru_cache(maxsize=4096)  # a refresh asks the same ~150 URLs each time
def _normalised_url(url: str, ignored: frozenset[str]) -> str:
    """`url` as the cache key sees it: scheme and host in lower case, the query sorted, without `ignored`."""
    parts = urllib3.util.parse_url(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query or "", keep_blank_values=True) if k not in ignored)
    return f"{(parts.scheme or '').lower()}://{(parts.netloc or '').lower()}{parts.path or '/'}?{urlencode(query)}"


class _IndexedSQLiteCache(SQLiteCache):
    """requests-cache's SQLite backend, with the keys it holds and when each expires also in memory, read again from
    the file at most every INDEX_MAX_AGE_S (so answers another process stored are seen at the next refresh). A
    lookup for a key that is not there, or whose answer has expired, then costs no query: a refresh after the TTL
    asks ~120 of them at once, and reading each expired answer back only to find it expired cost a query (a GIL
    release and re-acquire among the fetch threads) and ~90 Python calls of unpickling per request."""

    def __init__(self, db_path: str, **kwargs: Any) -> None:
        super().__init__(db_path, **kwargs)
        self._index_lock = threading.Lock()
        self._index: dict[str, float | None] = {}  # key -> when its answer expires (Unix time), None: never
        self._index_read_at = -math.inf
        self._writer_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None  # see _write_all
        # Opened now, on the file this cache was made on: a batch stored after its refresh (store_after_refresh) must
        # never land in another file put at the same path meanwhile (the cache deleted and made again, say).
        with contextlib.suppress(sqlite3.Error):
            self._open_writer(self.responses.db_path)

    def _holds(self, key: str) -> bool:
        """Whether the file holds an answer for `key` that has not expired (as far as the index knows)."""
        if time.monotonic() - self._index_read_at > INDEX_MAX_AGE_S:
            with self._index_lock:
                if time.monotonic() - self._index_read_at > INDEX_MAX_AGE_S:
                    try:
                        self._index = self._read_index()
                    except sqlite3.Error:
                        return True  # no index this time: ask the file
                    self._index_read_at = time.monotonic()
        if key not in self._index:
            return False
        expires = self._index[key]
        return expires is None or expires > time.time()

    def _read_index(self) -> dict[str, float | None]:
        index: dict[str, float | None] = {}
        for table in (self.responses, self.redirects):
            with table.connection() as con:
                for key, expires in con.execute(f"SELECT key, expires FROM {table.table_name}"):
                    # the file keeps the expiry rounded to the second: taken as up to half a second earlier
                    index[key] = expires - 0.5 if isinstance(expires, int | float) else None
        return index

    def get_response(self, key: str, default: Any = None) -> Any:
        wait_for_stores()
        if not self._holds(key):
            return default
        return super().get_response(key, default)

    def store(self, response: requests.Response, key: str, expires: datetime) -> None:
        """Store a fresh answer the filter (`_cacheable`) accepts: now, or inside `store_after_refresh`, when the
        refresh ends."""
        pending = _stores.get()
        if pending is None:
            if _cacheable(response):
                self.save_response(response, key, expires)
            return
        call = _current_call.get()
        secrets = call.secrets if call is not None else ()
        pending.append(_Store(self, response, key, expires, secrets, datetime.now(UTC)))

    def store_soon(self, items: list[_Store]) -> None:
        """Store `items` on a thread of their own (not a daemon: an exiting CLI finishes the write first)."""
        thread = threading.Thread(target=self._store_all, args=(items,), name="carbon-gui-http-cache-store")
        with _store_threads_lock:
            _store_threads.add(thread)
        thread.start()

    def _store_all(self, items: list[_Store]) -> None:
        try:
            rows = [
                (item.key, self._stored_form(item.response, item.expires, item.received))
                for item in items
                if _cacheable(item.response, item.call_secrets)
            ]
            if rows and self._write_all(rows):
                for key, stored in rows:
                    self._index[key] = _expiry(stored)
        except Exception:  # a store is an optimisation: whatever breaks it, the answers were used all the same
            logger.exception("HTTP cache: a refresh's answers could not be stored")
        finally:
            with _store_threads_lock:
                _store_threads.discard(threading.current_thread())

    def _stored_form(self, response: requests.Response, expires: Any, received: datetime | None = None) -> Any:
        """The entry requests-cache would store, with nothing of what was sent beyond method and URL: credentials
        travel in request headers, and a header the redaction list does not name would otherwise reach the file."""
        extra = {"created_at": received} if received is not None else {}
        cached = CachedResponse.from_response(response, expires=expires, **extra)
        cached.request = CachedRequest(method=cached.request.method, url=cached.request.url)
        cached.history = []  # (redirects are never followed: see _ProviderSession)
        return redact_response(cached, self._settings.ignored_parameters)

    def save_response(self, response: requests.Response, cache_key: str | None = None, expires: Any = None) -> None:
        """As requests-cache stores an answer (see `_stored_form`)."""
        key = cache_key or self.create_key(response.request)
        stored = self._stored_form(response, expires)
        if self._write_all([(key, stored)]):
            self._index[key] = _expiry(stored)

    def _write_all(self, rows: list[tuple[str, CachedResponse]]) -> bool:
        """Store answers: INSERTs on a connection of its own, each committed on its own (autocommit), with no lock of
        ours: SQLite queues concurrent writers on its connection mutex while they do not hold the GIL. requests-cache's
        write (BEGIN IMMEDIATE, INSERT, COMMIT under a Python lock) let go of the GIL three times while holding that
        lock; with a refresh's answers arriving on ~120 threads, each waited for the lock 30-50 ms (median, measured
        in the helper), the last ones after all others. A connection of its own also keeps these writes out of any
        transaction requests-cache has open on its own; no statement cache, so no two threads share a statement.

        False when the answers could not be stored (the file locked by another writer for WRITE_WAIT_S, or gone: it
        is never created again here, where it would not be private); they are used all the same."""
        table = self.responses
        values = [(key, table.serialize(cached), cached.expires_unix) for key, cached in rows]
        try:
            writer = self._writer or self._open_writer(table.db_path)
            writer.executemany(
                f"INSERT OR REPLACE INTO {table.table_name} (key, value, expires) VALUES (?, ?, ?)",
                values,  # (requests-cache's columns: its expiry sweep reads `expires`)
            )
        except sqlite3.Error as exc:
            logger.warning("HTTP cache: %d answer(s) could not be stored (%s); used all the same", len(rows), exc)
            return False
        return True

    def _open_writer(self, db_path: str | Path) -> sqlite3.Connection:
        with self._writer_lock:
            if self._writer is None:
                uri = f"file:{quote(os.path.abspath(db_path))}?mode=rw"  # never creates the file
                writer = sqlite3.connect(
                    uri,
                    uri=True,
                    timeout=WRITE_WAIT_S,
                    isolation_level=None,
                    check_same_thread=False,
                    cached_statements=0,
                )
                writer.execute("PRAGMA synchronous=OFF")  # as requests-cache's fast_save: a crash may lose an entry
                self._writer = writer
            return self._writer

    def close(self) -> None:
        wait_for_stores()
        with self._writer_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        super().close()  # type: ignore[no-untyped-call]


def _expiry(stored: CachedResponse) -> float | None:
    """When a stored answer expires (Unix time), to the microsecond: the file's column is rounded to the second, so
    an answer up to half a second past its expiry was read back and unpickled only to be found expired."""
    return stored.expires.timestamp() if stored.expires is not None else None


def _make_private(db_path: Path) -> None:
    """Owner-only cache files before SQLite opens them: the directory, when this creates it, 0700; the database
    0600, also when an older version left it readable to others. SQLite gives its -wal and -shm files the
    database's permissions when it creates them; ones already there are tightened too."""
    db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(db_path, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (db_path, *(db_path.with_name(db_path.name + side) for side in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


def _cached_session(cache_path: Path, ttl_s: float) -> requests.Session:
    """A CachedSession on `cache_path`, with expired answers dropped; a plain session if the file is unusable."""
    session: _CachedSession | None = None
    try:
        _make_private(cache_path)
        # A refresh writes ~120 answers from many threads at once: WAL and no fsync per answer keep
        # those writes from serialising the refresh (a lost cache entry after a power cut is harmless).
        backend = _IndexedSQLiteCache(str(cache_path), wal=True, fast_save=True)
        session = _CachedSession(
            backend=backend,
            expire_after=max(0.0, ttl_s),
            allowable_methods=("GET",),
            allowable_codes=(200, 404),  # 404: only on CACHED_404_PATHS (see _cacheable)
            ignored_parameters=_ignored_parameters(),
            match_headers=False,
            cache_control=False,
            stale_if_error=False,
            filter_fn=_cacheable,
            key_fn=_cache_key,
        )
        session.cache.delete(expired=True)  # also proves the file is a usable database
        return session
    except (sqlite3.Error, OSError) as exc:
        logger.warning("HTTP cache %s is unusable (%s); fetching without a cache", cache_path, type(exc).__name__)
        if session is not None:
            session.close()  # type: ignore[no-untyped-call]
        return _PlainSession()


def make_session(
    cache_path: Path | None,
    ttl_s: float,
    pool_size: int = 128,
    *,
    retries: int = 3,
    backoff: float = 0.5,
    user_agent: str = USER_AGENT,
) -> requests.Session:
    """One session per provider. `cache_path=None` means no cache (a plain `requests.Session`); so does a cache
    file that is not a usable SQLite database (logged as a warning: the app must work without its cache).

    Retries: `retries` each for connection errors and for 500/502/503/504, exponential backoff
    `backoff * 2**(n-1)` s (no wait before the first retry), never for 429 (get_json handles it),
    never for a read timeout. The pool holds `pool_size` connections per host.
    Close the session when done (it owns sockets and, with a cache, an SQLite connection).
    """
    session: requests.Session = _PlainSession() if cache_path is None else _cached_session(cache_path, ttl_s)
    retry = _Retry(
        total=None,
        connect=retries,
        read=1,  # a dropped connection; read timeouts are never retried (see _Retry)
        redirect=5,
        status=retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=30.0,
        raise_on_status=False,  # after the last retry, hand back the 5xx answer: get_json names the status
        respect_retry_after_header=False,  # never sleep for a server-chosen time inside a worker
    )
    adapter = _DeadlineAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    return session


def is_cached(session: requests.Session) -> bool:
    return isinstance(session, CachedSession)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; 60 s when missing or unreadable."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER_S
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else DEFAULT_RETRY_AFTER_S
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER_S
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _scrub(text: str, secrets: list[str]) -> str:
    """`text` with each secret written as "***"; nothing at all if a secret is still in it in another form
    (base64, percent-encoded): the caller then says what happened without quoting the provider."""
    kept = [secret for secret in secrets if len(secret) >= 4]
    for secret in kept:
        text = text.replace(secret, "***")
    readings = _readings(text.encode())
    if any(form in reading for secret in kept for form in _secret_forms(secret) for reading in readings):
        return ""
    return text


def _error_text(body: Any) -> str:
    if isinstance(body, Mapping):
        parts = [str(body[k]) for k in ("error", "message") if isinstance(body.get(k), str | int | float)]
        return ": ".join(dict.fromkeys(p.strip() for p in parts if p.strip()))
    return ""


_UNKNOWN_ZONE = re.compile(
    r"\b(unknown|invalid|no such|unsupported)\s+(zone|region|zonekey|zone key|data ?center)\b"
    r"|\b(zone|region|zonekey|zone key)\b\s*(:\s*)?('[^']*'|\"[^\"]*\"|[A-Za-z0-9_-]+)?\s*(is\s+)?"
    r"(unknown|not found|does not exist|doesn't exist|not supported|not recogni[sz]ed|invalid)\b"
    r"|\bno (zone|region) (found|exists|matches)\b"
    r"|\bno coverage\b",
    re.IGNORECASE,
)


def classify_error(
    status: int,
    content: bytes,
    *,
    endpoint: str,
    headers: Mapping[str, str] | None = None,
    secrets: list[str] | None = None,
) -> ProviderError:
    """The `ProviderError` for a non-2xx answer (everything but 429, which `get_json` handles)."""
    text = content[: 64 * 1024].decode("utf-8", errors="replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    provider_text = _error_text(body)
    haystack = provider_text or text
    lowered = haystack.lower()
    if status == 429:
        return RateLimited(parse_retry_after((headers or {}).get("Retry-After")), endpoint=endpoint)
    if 300 <= status < 400:
        return BadResponse(MSG_REDIRECTED, endpoint=endpoint, status=status)  # never followed: see _ProviderSession
    if "token unauthorized for zonekey" in lowered:
        return NoAccess(MSG_NO_ZONE_ACCESS, endpoint=endpoint, status=status, stated_by_provider=True)
    if "endpoint not available" in lowered or "invalid scope" in lowered:
        return NoAccess(endpoint=endpoint, status=status, stated_by_provider=True)
    if status == 401:
        return KeyRejected(endpoint=endpoint, status=status)
    if status == 403:
        return NoAccess(endpoint=endpoint, status=status)
    if status == 404 or (400 <= status < 500 and _UNKNOWN_ZONE.search(provider_text)):
        return UnknownZone(endpoint=endpoint, status=status)
    if 400 <= status < 500:
        message = _scrub(provider_text, secrets or [])
        if len(message) > MAX_ERROR_TEXT:
            message = message[: MAX_ERROR_TEXT - 1] + "…"
        message = message or f"the provider refused the request (HTTP {status})"
        return BadRequest(message, endpoint=endpoint, status=status)
    if status >= 500:
        return ServerError(endpoint=endpoint, status=status)
    return BadResponse(endpoint=endpoint, status=status)  # 1xx/3xx: nothing usable


def _transport_error(exc: requests.exceptions.RequestException, endpoint: str, call: _Call) -> ProviderError:
    if isinstance(exc, _BodyTooLarge):
        return AnswerTooLarge(call.max_bytes, endpoint=endpoint)
    if isinstance(exc, _BudgetSpent):
        budget = _budget.get()
        return RefreshTooLarge(budget.limit if budget is not None else REFRESH_BUDGET_BYTES, endpoint=endpoint)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return BadResponse(endpoint=endpoint)
    if isinstance(exc, requests.exceptions.ContentDecodingError | requests.exceptions.TooManyRedirects):
        return BadResponse(endpoint=endpoint)
    if isinstance(exc, requests.exceptions.Timeout):
        return Offline(MSG_TIMED_OUT, endpoint=endpoint)
    if isinstance(exc, requests.exceptions.SSLError):
        return Offline("secure connection failed", endpoint=endpoint)
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, urllib3.exceptions.NewConnectionError):  # refused, no route, name not resolved
            return Offline(endpoint=endpoint)  # (checked first: urllib3 makes it a ConnectTimeoutError subclass)
        if isinstance(reason, urllib3.exceptions.TimeoutError):
            return Offline(MSG_TIMED_OUT, endpoint=endpoint)
        if isinstance(reason, urllib3.exceptions.ProtocolError):
            return Offline(MSG_CONNECTION_LOST, endpoint=endpoint)  # the server hung up without answering
        return Offline(endpoint=endpoint)
    if isinstance(exc, requests.exceptions.RetryError):
        return ServerError("provider error (HTTP 5xx)", endpoint=endpoint)
    if isinstance(
        exc,
        requests.exceptions.InvalidURL | requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema,
    ):
        return BadRequest("invalid provider address", endpoint=endpoint)
    return Offline(endpoint=endpoint)


def _send(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str | int | float] | None,
    headers: Mapping[str, str] | None,
    auth: tuple[str, str] | None,
    timeout: tuple[float, float],
    call: _Call,
    endpoint_name: str,
    use_cache: bool,
) -> requests.Response:
    extra: dict[str, Any] = {}
    if not use_cache and isinstance(session, CachedSession):
        extra["force_refresh"] = True
    failure: ProviderError | None = None
    token = _current_call.set(call)
    try:
        response = session.get(
            url,
            params=_query(params),
            headers=dict(headers) if headers else None,
            auth=auth,
            timeout=timeout,
            **extra,
        )
    except requests.exceptions.RequestException as exc:
        failure = _transport_error(exc, endpoint_name, call)
    finally:
        _current_call.reset(token)
    if failure is not None:
        raise failure  # outside the except block: no chaining to an exception that holds the request
    return response


def _query(params: Mapping[str, str | int | float] | None) -> str | None:
    """The query string requests would make of `params` (UTF-8, quote_plus, None values left out), made here:
    requests' own encoding checks each parameter against runtime protocols."""
    if not params:
        return None
    pairs = [(k, str(v)) for k, v in params.items() if v is not None]
    if all(_PLAIN_QUERY_TEXT.fullmatch(k) and _PLAIN_QUERY_TEXT.fullmatch(v) for k, v in pairs):
        return "&".join(f"{k}={v}" for k, v in pairs)  # nothing to quote
    return urlencode(pairs)


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str | int | float] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | tuple[float, float] = 10.0,
    deadline_s: float | None = None,
    endpoint_name: str,
    use_cache: bool = True,
    secrets: Iterable[str] = (),
    max_bytes: int = MAX_BODY_BYTES,
) -> Any:
    """GET `url` and return the decoded JSON, or raise a `ProviderError` subclass.

    `timeout` is (connect, read) seconds or one number for both; `deadline_s` bounds the whole call: connect,
    status line, headers, body, retries (default: connect + 2 × read). A 429 whose Retry-After is at most 2 s,
    and shorter than the time left, is waited out and retried once. `use_cache=False` skips a cached answer (a
    fresh one is still stored).

    No answer holding a credential of this request (headers, `auth`) or one of `secrets` (a password the request
    does not carry, say) is stored in the cache, whatever part of the answer holds it, raw or encoded.

    An answer over `max_bytes` raises `AnswerTooLarge`; inside `refresh_budget()`, one that crosses the refresh's
    budget, or any call after it was crossed, raises `RefreshTooLarge` (the latter without a request).
    """
    connect_s, read_s = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    known = [v for k, v in (headers or {}).items() if k.lower() not in ("accept", "user-agent")]
    known += [*(auth or ()), *secrets]
    if auth:
        known.append(":".join(auth))
    secrets = [secret for secret in known if secret]
    budget = _budget.get()
    if budget is not None and budget.spent:
        raise RefreshTooLarge(budget.limit, endpoint=endpoint_name)
    deadline = time.monotonic() + (deadline_s if deadline_s is not None else connect_s + 2 * read_s)
    call = _Call(deadline, tuple(secrets), max_bytes)
    for attempt in range(2):
        response = _send(
            session,
            url,
            params=params,
            headers=headers,
            auth=auth,
            timeout=(connect_s, read_s),
            call=call,
            endpoint_name=endpoint_name,
            use_cache=use_cache,
        )
        status = response.status_code
        content = response.content or b""
        response_headers = dict(response.headers)
        response.close()
        if status == 429:
            wait_s = parse_retry_after(response_headers.get("Retry-After"))
            if attempt == 0 and wait_s <= SHORT_RETRY_AFTER_S and wait_s < call.left():
                _sleep(wait_s)
                continue
            raise RateLimited(wait_s, endpoint=endpoint_name)
        if 200 <= status < 300:
            body = _decode_json(content, endpoint_name, status)
            _note_receipt(received_at(response))
            return body
        raise classify_error(status, content, endpoint=endpoint_name, headers=response_headers, secrets=secrets)
    raise AssertionError("unreachable")  # pragma: no cover


def cached_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str | int | float] | None = None,
    endpoint_name: str,
) -> Any | None:
    """The decoded JSON of a fresh cached answer to GET `url`, or None when the cache cannot answer (no cache,
    no entry, an expired entry, an unreadable one); a cached "no coverage" 404 raises its `ProviderError`. Never
    touches the network, so it needs no credentials: secret headers are not part of the cache key."""
    if not isinstance(session, CachedSession):
        return None
    try:
        response = session.get(url, params=dict(params) if params else None, only_if_cached=True)
    except (requests.exceptions.RequestException, sqlite3.Error, OSError):
        logger.warning("HTTP cache lookup for %s failed; asking the provider", endpoint_name)
        return None
    if not getattr(response, "from_cache", False) or response.status_code not in (200, 404):
        return None  # a miss: requests-cache answers it with a local 504
    if response.status_code == 404:  # a cached "no coverage" (CACHED_404_PATHS)
        raise classify_error(response.status_code, response.content or b"", endpoint=endpoint_name)
    try:
        body = _decode_json(response.content or b"", endpoint_name, response.status_code)
    except BadResponse:
        return None
    _note_receipt(received_at(response))
    return body


def _decode_json(content: bytes, endpoint: str, status: int) -> Any:
    if not content.strip():
        raise BadResponse(endpoint=endpoint, status=status)
    failed = False
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        failed = True
    if failed:
        raise BadResponse(endpoint=endpoint, status=status)


# Parsing helpers shared by the clients -------------------------------------------------------------------


def bad_response(endpoint: str) -> NoReturn:
    raise BadResponse(endpoint=endpoint)


def parse_with(endpoint: str, parse: Callable[[Any], T], body: Any) -> T:
    """`parse(body)`, with a body of the wrong shape (KeyError, TypeError, ...) turned into `BadResponse`."""
    failed = False
    try:
        return parse(body)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError):
        failed = True
    if failed:
        raise BadResponse(endpoint=endpoint)
    raise AssertionError("unreachable")  # pragma: no cover


def parse_timestamp(value: object) -> datetime:
    """An ISO timestamp ("2024-03-06T19:00:00.000Z", "...+00:00") as an aware UTC datetime (naive = UTC)."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def number_or_none(value: object) -> float | None:
    """A JSON number as float; null (and NaN/inf) as None; anything else is a wrong shape."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    number = float(value)
    return number if math.isfinite(number) else None


def expect_mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("not an object")
    return value


def expect_list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


__all__ = [
    "RETRY_STATUSES",
    "BadRequest",
    "BadResponse",
    "KeyRejected",
    "NoAccess",
    "Offline",
    "ProviderError",
    "RateLimited",
    "Receipts",
    "ServerError",
    "UnknownZone",
    "bad_response",
    "cached_json",
    "classify_error",
    "expect_list",
    "expect_mapping",
    "get_json",
    "is_cached",
    "make_session",
    "number_or_none",
    "parse_retry_after",
    "parse_timestamp",
    "parse_with",
    "receipts",
    "received_at",
    "refresh_budget",
]

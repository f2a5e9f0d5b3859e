"""Fake Electricity Maps v3 and WattTime v3 servers on 127.0.0.1, for integration tests, UI tests and benchmarks.

They answer the documented shapes (tests/fixtures/api/*.json, copied from shared/data/api), check the
credentials the way the real services do, record every request, and break on purpose when told to.

    em = FakeElectricityMaps.start(latency_s=0.3)          # 300 ms per request, >100 requests in parallel
    client = ElectricityMapsClient(session, em.api_url, em.token)
    em.faults["carbon-intensity/forecast"] = "403"          # every forecast request: 403 "Endpoint not available"
    em.faults["carbon-intensity/latest"] = Fault("503", times=1)   # first request 503, then normal answers
    em.count("carbon-intensity/latest")                     # requests seen on that route
    em.stop()                                               # or: with FakeElectricityMaps.start() as em: ...

    wt = FakeWattTime.start(regions={"CAISO_NORTH"})        # a free account: other regions answer 403 "Invalid scope"
    client = WattTimeClient(session, wt.api_url, wt.username, wt.password)
    wt.expire_tokens()                                      # every token issued so far now gets 401
    em.hold_until_in_flight = 120                           # answer nothing until 120 requests are in at once
    em.max_in_flight, em.drips                              # most requests seen at once; (sent, length) per drip
    em.intensity_of["FR"] = -5                              # every carbonIntensity of zone FR is -5

Routes are the endpoint names the clients use in FetchProblem.endpoint: for Electricity Maps
"carbon-intensity/latest", "carbon-intensity/history", "carbon-intensity/forecast",
"carbon-intensity/past-range", "power-breakdown/latest", "power-breakdown/history", "zones", "health";
for WattTime "login", "region-from-loc", "signal-index", "forecast", "forecast/historical", "historical",
"my-access".

Faults (`FAULT_KINDS`): "401", "403" (EM: "Endpoint not available"; WattTime: "Invalid scope"), "403_zone"
("Token unauthorized for zoneKey"), "403_html" (an nginx page), "429" (Retry-After from Fault.retry_after,
default "30"), "500", "502", "503", "504", "timeout" (answer after `timeout_sleep_s`), "drip" (headers, then
one byte every `drip_interval_s`), "truncated" (Content-Length larger than the body, then close),
"malformed" (half a JSON document), "wrong_shape" (valid JSON, wrong structure), "empty" (200, no body),
"nulls" (every number in the normal answer replaced by null), "unknown_zone" (404 "Zone 'XX' does not
exist"; WattTime region-from-loc: 404 no coverage), "disconnect" (close without answering), "status" (any
Fault.status with Fault.body).

`now=` shifts every timestamp so that the fixtures' "now" (2025-06-01 12:00 UTC) becomes `now` rounded down
to the hour, for UI tests that need data around the present.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "api"
FIXTURE_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TIME_KEYS = frozenset({"datetime", "point_time", "generated_at", "updatedAt", "createdAt"})

FAULT_KINDS = (
    "401",
    "403",
    "403_zone",
    "403_html",
    "429",
    "500",
    "502",
    "503",
    "504",
    "timeout",
    "drip",
    "truncated",
    "malformed",
    "wrong_shape",
    "empty",
    "nulls",
    "unknown_zone",
    "disconnect",
    "status",
)

NGINX_403 = (
    b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@cache
def load_fixture(name: str) -> Any:
    """A fixture file's JSON (cached; callers get a deep copy through `fixture`)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture(name: str) -> Any:
    return json.loads(json.dumps(load_fixture(name)))


@dataclass
class Fault:
    """What to do instead of the normal answer. `times=None`: always; `times=n`: the next n requests only."""

    kind: str
    times: int | None = None
    retry_after: str | None = "30"  # the 429 Retry-After header (None: no header)
    status: int | None = None  # kind "status"
    body: Any = None  # kind "status": JSON-able or bytes
    sleep_s: float | None = None  # kind "timeout": overrides the server's timeout_sleep_s
    headers: dict[str, str] = field(default_factory=dict)  # kind "status": extra headers (e.g. Location)
    used: int = field(default=0, compare=False)  # how many requests this fault has answered so far

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {', '.join(FAULT_KINDS)}")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    route: str | None
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    at: float  # time.monotonic() when it arrived

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Answer:
    status: int
    payload: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"  # normal | drip | truncate | disconnect


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _Server
    timeout = 30  # an idle keep-alive connection does not hold a thread for ever

    def setup(self) -> None:
        super().setup()
        self.server.track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track_connection(self.connection, add=False)

    def do_GET(self) -> None:
        self.server.provider._handle(self)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.provider._handle(self)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._track_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._track_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(target=self._work, args=(request, client_address), daemon=True)
        with self._track_lock:
            self._workers.add(worker)
        worker.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._track_lock:
                self._workers.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer is what the fault tests do

    def close_everything(self, join_s: float = 5.0) -> None:
        with self._track_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + join_s
        while True:
            with self._track_lock:
                workers = list(self._workers)
            if not workers or time.monotonic() > deadline:
                break
            workers[0].join(max(0.0, deadline - time.monotonic()))


class FakeProvider:
    """Common machinery: threads, recording, latency, faults. Subclasses route and answer."""

    name: ClassVar[str] = "fake"
    base_path: ClassVar[str] = ""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        faults: Mapping[str, Fault | str] | None = None,
        now: datetime | None = None,
        timeout_sleep_s: float = 2.0,
        drip_interval_s: float = 0.5,
    ) -> None:
        self.latency_s = latency_s
        self.faults: dict[str, Fault | str] = dict(faults or {})
        self.timeout_sleep_s = timeout_sleep_s
        self.drip_interval_s = drip_interval_s
        self.requests: list[RecordedRequest] = []
        self._shift = timedelta(0)
        if now is not None:
            anchor = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            self._shift = anchor - FIXTURE_NOW
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._in_flight_changed = threading.Condition(self._lock)
        self.in_flight = 0  # requests being answered right now
        self.max_in_flight = 0
        self.hold_until_in_flight: int | None = None  # hold every answer until this many requests are in flight
        self.hold_timeout_s = 10.0  # ... or until this long has passed (then answer anyway)
        self.drips: list[tuple[int, int]] = []  # per "drip" answer, when it ended: (bytes sent, body length)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------------------------------

    @classmethod
    def start(cls, **kwargs: Any) -> Self:
        provider = cls(**kwargs)
        provider._server = _Server(provider)
        provider._thread = threading.Thread(
            target=provider._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True, name=cls.name
        )
        provider._thread.start()
        return provider

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Scheme, host and port: http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What a client takes as base_url."""
        return self.url + self.base_path

    def stop(self) -> None:
        """Stop serving, cut open connections, wake sleeping handlers and wait for them (idempotent)."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_everything()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- inspection ------------------------------------------------------------------------------------------

    def count(self, route: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if route is None or r.route == route)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.route == route]

    def reset(self) -> None:
        """Forget the recorded requests and the faults."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()

    # --- handling --------------------------------------------------------------------------------------------

    def route_of(self, path: str) -> str | None:
        if not path.startswith(self.base_path + "/"):
            return None
        route = path[len(self.base_path) + 1 :].strip("/")
        return route if route in self.routes() else None

    def routes(self) -> Iterable[str]:
        raise NotImplementedError

    def authorize(self, request: RecordedRequest) -> Answer | None:
        """None when the credentials are good, else the refusal."""
        return None

    def answer(self, request: RecordedRequest) -> Answer:
        raise NotImplementedError

    def error_401(self, request: RecordedRequest) -> Answer:
        return Answer(401, {"error": "Unauthorized"})

    def error_403(self, request: RecordedRequest) -> Answer:
        return Answer(403, {"error": "Forbidden"})

    def error_403_zone(self, request: RecordedRequest) -> Answer:
        return self.error_403(request)

    def error_unknown_zone(self, request: RecordedRequest) -> Answer:
        return Answer(404, {"error": "Not found"})

    def wrong_shape(self, request: RecordedRequest) -> Answer:
        return Answer(200, {"unexpected": ["shape"], "data": "not a list", "history": 42})

    def _take_fault(self, route: str) -> Fault | None:
        with self._lock:
            spec = self.faults.get(route)
            if spec is None:
                return None
            fault = Fault(spec) if isinstance(spec, str) else spec
            if fault.times is not None and fault.used >= fault.times:
                return None
            fault.used += 1
            return fault

    def _faulted(self, fault: Fault, request: RecordedRequest) -> Answer:
        kind = fault.kind
        if kind == "401":
            return self.error_401(request)
        if kind == "403":
            return self.error_403(request)
        if kind == "403_zone":
            return self.error_403_zone(request)
        if kind == "403_html":
            return Answer(403, NGINX_403, {"Content-Type": "text/html"})
        if kind == "429":
            headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
            return Answer(429, {"error": "Too Many Requests", "message": "Rate limit exceeded"}, headers)
        if kind in ("500", "502", "503", "504"):
            return Answer(int(kind), {"error": "Internal Server Error" if kind == "500" else "Service Unavailable"})
        if kind == "status":
            return Answer(fault.status or 500, fault.body, dict(fault.headers))
        if kind == "unknown_zone":
            return self.error_unknown_zone(request)
        if kind == "wrong_shape":
            return self.wrong_shape(request)
        if kind == "empty":
            return Answer(200, b"")
        if kind == "disconnect":
            return Answer(0, mode="disconnect")
        if kind == "timeout":
            self._stopping.wait(fault.sleep_s if fault.sleep_s is not None else self.timeout_sleep_s)
        normal = self.answer(request)
        if normal.status != 200:
            return normal
        if kind == "drip":
            normal.mode = "drip"
        elif kind == "truncated":
            normal.mode = "truncate"
        elif kind == "malformed":
            text = self._encode(normal.payload)
            normal.payload = text[: max(1, len(text) // 2)]
        elif kind == "nulls":
            normal.payload = _nulled(normal.payload)
        return normal

    def _handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        route = self.route_of(parts.path)
        recorded = RecordedRequest(
            method=handler.command,
            path=parts.path,
            route=route,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in handler.headers.items()},
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(recorded)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._in_flight_changed.notify_all()
        try:
            self._hold()
            self._answer(handler, recorded, parts.path)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _hold(self) -> None:
        """Wait until `hold_until_in_flight` requests are in flight at once (concurrency tests), or time out."""
        with self._lock:
            target = self.hold_until_in_flight
            if target is not None:
                self._in_flight_changed.wait_for(
                    lambda: self.max_in_flight >= target or self._stopping.is_set(), timeout=self.hold_timeout_s
                )

    def _answer(self, handler: _Handler, recorded: RecordedRequest, path: str) -> None:
        route = recorded.route
        if self.latency_s > 0:
            self._stopping.wait(self.latency_s)
        if route is None:
            answer = Answer(404, {"error": "Not Found", "message": f"No route for {path}"})
        elif handler.command != "GET":
            answer = Answer(405, {"error": "Method Not Allowed"})
        else:
            answer = self.authorize(recorded) or self._fault_or_answer(route, recorded)
        self._write(handler, answer)

    def _fault_or_answer(self, route: str, request: RecordedRequest) -> Answer:
        fault = self._take_fault(route)
        return self._faulted(fault, request) if fault is not None else self.answer(request)

    def _encode(self, payload: Any) -> bytes:
        if isinstance(payload, bytes):
            return payload
        if payload is None:
            return b""
        return json.dumps(_shifted(payload, self._shift)).encode("utf-8")

    def _write(self, handler: _Handler, answer: Answer) -> None:
        if answer.mode == "disconnect":
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self._encode(answer.payload)
        handler.send_response(answer.status)
        headers = {"Content-Type": "application/json", **answer.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        declared = len(body) + max(100, len(body)) if answer.mode == "truncate" else len(body)
        handler.send_header("Content-Length", str(declared))
        if answer.mode in ("truncate", "drip"):
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        if answer.mode == "truncate":
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
        elif answer.mode == "drip":
            sent = 0
            try:
                for i in range(len(body)):
                    if self._stopping.is_set():
                        break
                    handler.wfile.write(body[i : i + 1])
                    handler.wfile.flush()
                    sent += 1
                    self._stopping.wait(self.drip_interval_s)
            finally:  # also when the client hung up (the write raised)
                with self._lock:
                    self.drips.append((sent, len(body)))
        else:
            handler.wfile.write(body)
            handler.wfile.flush()


def _nulled(payload: Any) -> Any:
    if isinstance(payload, dict):
        return {k: _nulled(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_nulled(v) for v in payload]
    if isinstance(payload, int | float) and not isinstance(payload, bool):
        return None
    return payload


def _shifted(payload: Any, shift: timedelta) -> Any:
    if not shift:
        return payload
    if isinstance(payload, dict):
        return {k: _shift_time(v, shift) if k in TIME_KEYS else _shifted(v, shift) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_shifted(v, shift) for v in payload]
    return payload


def _shift_time(value: Any, shift: timedelta) -> Any:
    if not isinstance(value, str):
        return value
    zulu = value.endswith("Z")
    moment = datetime.fromisoformat(value[:-1] + "+00:00" if zulu else value) + shift
    if zulu:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.isoformat()


# --- Electricity Maps ----------------------------------------------------------------------------------------

EM_FILES = {
    "carbon-intensity/latest": "em_v3_carbon-intensity_latest.json",
    "carbon-intensity/history": "em_v3_carbon-intensity_history.json",
    "carbon-intensity/forecast": "em_v3_carbon-intensity_forecast.json",
    "carbon-intensity/past-range": "em_v3_carbon-intensity_past-range.json",
    "power-breakdown/latest": "em_v3_power-breakdown_latest.json",
    "power-breakdown/history": "em_v3_power-breakdown_history.json",
}
EM_COMMERCIAL_ONLY = frozenset({"carbon-intensity/forecast", "carbon-intensity/past-range"})
EM_ZONE_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z0-9]+)*$")


def bundled_gcp_zones() -> dict[str, str]:
    """GCP region -> Electricity Maps zone, from the app's bundled regions.csv (regions without a zone left out)."""
    text = resources.files("carbon_gui.resources.data").joinpath("regions.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {row["gcp_region"]: row["em_zone_electricitymaps"] for row in rows if row.get("em_zone_electricitymaps")}


class FakeElectricityMaps(FakeProvider):
    """Electricity Maps v3 on 127.0.0.1. `api_url` ends in /v3. Key in the `auth-token` header."""

    name = "Electricity Maps"
    base_path = "/v3"

    def __init__(
        self,
        *,
        token: str = "em-test-token",
        plan: str = "commercial",
        unknown_zones: Iterable[str] = ("XX",),
        gcp_zones: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`plan="free"`: forecast and past-range answer 403 "Endpoint not available", as for a free key."""
        super().__init__(**kwargs)
        if plan not in ("free", "commercial"):
            raise ValueError("plan is 'free' or 'commercial'")
        self.token = token
        self.plan = plan
        self.unknown_zones = set(unknown_zones)
        self.gcp_zones = dict(gcp_zones) if gcp_zones is not None else bundled_gcp_zones()
        # zone -> the carbonIntensity every carbon-intensity answer for that zone carries (implausible values, say)
        self.intensity_of: dict[str, Any] = {}

    def routes(self) -> Iterable[str]:
        return (*EM_FILES, "zones", "health")

    def authorize(self, request: RecordedRequest) -> Answer | None:
        if request.route in ("zones", "health"):
            return None
        sent = request.headers.get("auth-token")
        if sent is None:
            return Answer(401, fixture("em_v3_error_401_missing-token.json"))
        if sent != self.token:
            return Answer(401, fixture("em_v3_error_401_invalid-token.json"))
        return None

    def error_401(self, request: RecordedRequest) -> Answer:
        return Answer(401, fixture("em_v3_error_401_invalid-token.json"))

    def error_403(self, request: RecordedRequest) -> Answer:
        return Answer(
            403,
            {
                "error": "Endpoint not available",
                "message": f"Endpoint not available for your plan: {request.route}. "
                "See https://portal.electricitymaps.com for plans.",
            },
        )

    def error_403_zone(self, request: RecordedRequest) -> Answer:
        zone = request.param("zone") or request.param("dataCenterRegion") or "?"
        return Answer(403, {"error": f"Token unauthorized for zoneKey {zone}", "message": "Upgrade your plan"})

    def error_unknown_zone(self, request: RecordedRequest) -> Answer:
        zone = request.param("zone") or request.param("dataCenterRegion") or "XX"
        return Answer(404, {"error": f"Zone '{zone}' does not exist", "message": "Check /v3/zones for valid keys"})

    def _zone(self, request: RecordedRequest) -> str | Answer:
        zone = request.param("zone")
        if zone is not None:
            if zone in self.unknown_zones or not EM_ZONE_PATTERN.match(zone):
                return self.error_unknown_zone(request)
            return zone
        provider, region = request.param("dataCenterProvider"), request.param("dataCenterRegion")
        if provider is not None or region is not None:
            if provider != "gcp" or region not in self.gcp_zones:
                return Answer(404, {"error": f"No zone found for data center {provider}/{region}"})
            return self.gcp_zones[region]
        if request.param("lat") is not None and request.param("lon") is not None:
            return "NL"
        return Answer(
            400,
            {
                "error": "Missing parameter",
                "message": "Provide one of zone, lat and lon, or dataCenterProvider and dataCenterRegion",
            },
        )

    def answer(self, request: RecordedRequest) -> Answer:
        route = request.route
        assert route is not None
        if route == "health":
            return Answer(200, {"status": "ok", "monitors": {"state": "ok"}})
        if route == "zones":
            with_token = request.headers.get("auth-token") == self.token
            return Answer(200, fixture("em_v3_zones_with-token.json" if with_token else "em_v3_zones_no-token.json"))
        zone = self._zone(request)
        if isinstance(zone, Answer):
            return zone
        if self.plan == "free" and route in EM_COMMERCIAL_ONLY:
            return self.error_403(request)
        payload = fixture(EM_FILES[route])
        _set_zone(payload, zone)
        factor = request.param("emissionFactorType")
        if factor is not None:
            if factor not in ("lifecycle", "direct"):
                return Answer(400, {"error": "Invalid emissionFactorType", "message": "Use lifecycle or direct"})
            _set_key(payload, "emissionFactorType", factor)
        if zone in self.intensity_of and route.startswith("carbon-intensity/"):
            _set_key(payload, "carbonIntensity", self.intensity_of[zone])
        return Answer(200, payload)


def _set_zone(payload: Any, zone: str) -> None:
    _set_key(payload, "zone", zone)


def _set_key(payload: Any, key: str, value: Any) -> None:
    if isinstance(payload, dict):
        if key in payload:
            payload[key] = value
        for child in payload.values():
            _set_key(child, key, value)
    elif isinstance(payload, list):
        for child in payload:
            _set_key(child, key, value)


# --- WattTime ------------------------------------------------------------------------------------------------

WT_FILES = {
    "signal-index": "wt_v3_signal-index.json",
    "forecast": "wt_v3_forecast.json",
    "forecast/historical": "wt_v3_forecast_historical.json",
    "historical": "wt_v3_historical.json",
    "my-access": "wt_v3_my-access.json",
}
WT_REGION_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
# region -> (lat_min, lat_max, lon_min, lon_max); the default covers northern California only
WT_DEFAULT_COVERAGE: dict[str, tuple[float, float, float, float]] = {"CAISO_NORTH": (35.5, 42.0, -124.5, -117.0)}


class FakeWattTime(FakeProvider):
    """WattTime v3 on 127.0.0.1. `api_url` is the host (login at /login, data under /v3/)."""

    name = "WattTime"
    base_path = ""

    def __init__(
        self,
        *,
        username: str = "wt-user",
        password: str = "wt-password",
        regions: Iterable[str] | None = None,
        unknown_regions: Iterable[str] = ("XX",),
        coverage: Mapping[str, tuple[float, float, float, float]] | None = None,
        token_prefix: str = "wt-token",
        **kwargs: Any,
    ) -> None:
        """`regions`: what the account may read (None: every region; {"CAISO_NORTH"}: a new free account)."""
        super().__init__(**kwargs)
        self.username = username
        self.password = password
        self.regions = set(regions) if regions is not None else None
        self.unknown_regions = set(unknown_regions)
        self.coverage = dict(coverage) if coverage is not None else dict(WT_DEFAULT_COVERAGE)
        self.token_prefix = token_prefix
        self.issued_tokens: list[str] = []
        self._valid_tokens: set[str] = set()

    def routes(self) -> Iterable[str]:
        return ("login", "region-from-loc", *WT_FILES)

    def route_of(self, path: str) -> str | None:
        stripped = path.strip("/")
        if stripped == "login":
            return "login"
        if stripped.startswith("v3/") and stripped[3:] in self.routes() and stripped[3:] != "login":
            return stripped[3:]
        return None

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (401), as after 30 minutes."""
        with self._lock:
            self._valid_tokens.clear()

    def authorize(self, request: RecordedRequest) -> Answer | None:
        authorization = request.headers.get("authorization", "")
        if request.route == "login":
            scheme, _, encoded = authorization.partition(" ")
            try:
                user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user = password = ""
            if scheme.lower() != "basic" or user != self.username or password != self.password:
                return Answer(401, {"error": "Unauthorized", "message": "Invalid username or password"})
            return None
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            valid = scheme.lower() == "bearer" and token in self._valid_tokens
        if not valid:
            return Answer(401, {"error": "Unauthorized", "message": "Invalid or expired token"})
        return None

    def error_401(self, request: RecordedRequest) -> Answer:
        return Answer(401, {"error": "Unauthorized", "message": "Invalid or expired token"})

    def error_403(self, request: RecordedRequest) -> Answer:
        return Answer(403, fixture("wt_error_invalid_scope.json"))

    def error_unknown_zone(self, request: RecordedRequest) -> Answer:
        if request.route == "region-from-loc":
            return self._no_coverage(request)
        region = request.param("region") or "XX"
        return Answer(400, {"error": "Invalid query parameters", "message": f"Region '{region}' does not exist"})

    def wrong_shape(self, request: RecordedRequest) -> Answer:
        if request.route == "login":
            return Answer(200, {"access": "granted"})
        return super().wrong_shape(request)

    def _no_coverage(self, request: RecordedRequest) -> Answer:
        body = fixture("wt_v3_region-from-loc_error_no-coverage.json")
        body.update(
            latitude=request.param("latitude") or "0",
            longitude=request.param("longitude") or "0",
            signal_type=request.param("signal_type") or "co2_moer",
        )
        return Answer(404, body)

    def _bad_query(self, message: str) -> Answer:
        return Answer(400, {"error": "Invalid query parameters", "message": message})

    def answer(self, request: RecordedRequest) -> Answer:
        route = request.route
        assert route is not None
        if route == "login":
            token = f"{self.token_prefix}.{len(self.issued_tokens) + 1}.{secrets.token_hex(8)}"
            with self._lock:
                self.issued_tokens.append(token)
                self._valid_tokens.add(token)
            return Answer(200, {"token": token})
        if route == "my-access":
            return Answer(200, fixture(WT_FILES[route]))
        signal_type = request.param("signal_type") or "co2_moer"
        if signal_type not in ("co2_moer", "co2_aoer", "health_damage"):
            return self._bad_query(f"Unknown signal_type '{signal_type}'")
        if route == "region-from-loc":
            try:
                lat, lon = float(request.param("latitude") or ""), float(request.param("longitude") or "")
            except ValueError:
                return self._bad_query("latitude and longitude are required numbers")
            for covered, (lat0, lat1, lon0, lon1) in self.coverage.items():
                if lat0 <= lat <= lat1 and lon0 <= lon <= lon1:
                    full_name = covered.replace("_", " ")
                    return Answer(200, {"region": covered, "region_full_name": full_name, "signal_type": signal_type})
            return self._no_coverage(request)
        region = request.param("region")
        if not region:
            return self._bad_query("region is required")
        if region in self.unknown_regions or not WT_REGION_PATTERN.match(region):
            return self.error_unknown_zone(request)
        if self.regions is not None and region not in self.regions:
            return self.error_403(request)
        if route in ("historical", "forecast/historical"):
            for name in ("start", "end"):
                value = request.param(name)
                try:
                    moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
                except ValueError:
                    return self._bad_query(f"{name} must be an ISO 8601 timestamp")
                if moment.tzinfo is None:
                    return self._bad_query(f"{name} must include a UTC offset")
        if route == "forecast":
            horizon = request.param("horizon_hours") or "24"
            if not horizon.isdigit() or not 0 <= int(horizon) <= 72:
                return self._bad_query("horizon_hours must be between 0 and 72")
        payload = fixture(WT_FILES[route])
        meta = payload.get("meta")
        if isinstance(meta, dict):
            meta["region"] = region
            meta["signal_type"] = signal_type
        return Answer(200, payload)


__all__ = [
    "FAULT_KINDS",
    "FIXTURES",
    "FIXTURE_NOW",
    "Answer",
    "FakeElectricityMaps",
    "FakeProvider",
    "FakeWattTime",
    "Fault",
    "RecordedRequest",
    "bundled_gcp_zones",
    "fixture",
    "load_fixture",
]

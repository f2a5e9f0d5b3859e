"""A local Vertex AI v1 customJobs REST server, for tests: the real google-cloud-aiplatform client talks to it.

Routes (what `JobServiceClient(transport="rest")` calls, proto-JSON in camelCase, enums as numbers, int64 as
strings, each request carrying `$alt=json;enum-encoding=int`):
  POST   /v1/projects/{p}/locations/{r}/customJobs            create
  GET    /v1/projects/{p}/locations/{r}/customJobs            list (filter labels.KEY="VALUE", pageSize, pageToken)
  GET    /v1/projects/{p}/locations/{r}/customJobs/{id}       get: answers, then moves the job one step on
  POST   /v1/projects/{p}/locations/{r}/customJobs/{id}:cancel
  DELETE /v1/projects/{p}/locations/{r}/customJobs/{id}       answers a finished long-running operation

Scripts (chosen per created job, `script()`): "succeed" QUEUED→PENDING→RUNNING→SUCCEEDED, "fail" the same
ending in FAILED with an error, "run" stays RUNNING. Cancel moves any unfinished job to CANCELLING, then
CANCELLED on the next GET. Faults (`inject()`) answer the next matching request with a Google error body, or
misbehave the way a broken server or proxy does: a 200 that is not JSON or has the wrong shape, an HTML 503,
an answer later than the client waits, or a closed connection.
Every request is recorded (`requests`) so tests check what the client sent.

From another process: `python -m tests.vertex.fake_vertex --port 0` prints its URL, then serves until killed.
The same controls exist over HTTP: POST /_fake/script {"outcome": ...}, POST /_fake/inject {"fault": ...,
"on": ..., "times": ...}, GET /_fake/requests.
"""

import argparse
import contextlib
import copy
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# google.cloud.aiplatform.v1.JobState numbers
QUEUED, PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLING, CANCELLED = 1, 2, 3, 4, 5, 6, 7
TERMINAL = (SUCCEEDED, FAILED, CANCELLED)
SCRIPTS = {
    "succeed": (QUEUED, PENDING, RUNNING, SUCCEEDED),
    "fail": (QUEUED, PENDING, RUNNING, FAILED),
    "run": (QUEUED, PENDING, RUNNING),
}
FAILURE = {"code": 3, "message": "The replica workerpool0-0 exited with a non-zero status of 1."}


@dataclass(frozen=True)
class Fault:
    status: int
    code: str  # google.rpc.Code name
    message: str
    reason: str | None = None  # google.rpc.ErrorInfo reason
    raw: bytes | None = None  # answer these bytes instead of Google's error body (a broken proxy, a wrong shape)
    delay_s: float = 0.0  # wait this long before answering (longer than the client's timeout: a timeout)
    hang_up: bool = False  # close the connection without any answer


FAULTS = {
    "invalid-machine-type": Fault(400, "INVALID_ARGUMENT", 'Machine type "n1-nonexistent-8" is not supported.'),
    "quota": Fault(
        403,
        "PERMISSION_DENIED",
        "Quota exceeded for quota metric 'Custom model training Nvidia T4 GPUs' and limit "
        "'custom_model_training_nvidia_t4_gpus per region' of service 'aiplatform.googleapis.com'.",
    ),
    "permission": Fault(
        403,
        "PERMISSION_DENIED",
        "Permission 'aiplatform.customJobs.create' denied on resource "
        "'//aiplatform.googleapis.com/projects/carbon-test/locations/europe-west4' (or it may not exist).",
        "IAM_PERMISSION_DENIED",
    ),
    "api-disabled": Fault(
        403,
        "PERMISSION_DENIED",
        "Vertex AI API has not been used in project carbon-test before or it is disabled. Enable it by visiting "
        "https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=carbon-test "
        "then retry.",
        "SERVICE_DISABLED",
    ),
    "not-found": Fault(404, "NOT_FOUND", "The CustomJob does not exist."),
    "internal": Fault(500, "INTERNAL", "Internal error encountered."),
    "unavailable": Fault(503, "UNAVAILABLE", "The service is currently unavailable."),
    # not Google's answers: what a captive portal, a proxy or a broken server gives
    "not-json": Fault(200, "OK", "", raw=b"<html><body>Service temporarily moved</body></html>"),
    "wrong-shape": Fault(200, "OK", "", raw=b'{"name": 5, "state": "not a state", "createTime": [1]}'),
    "json-list": Fault(200, "OK", "", raw=b"[1, 2, 3]"),
    "html-503": Fault(503, "UNAVAILABLE", "", raw=b"<html><body>503 Service Unavailable</body></html>"),
    "slow": Fault(200, "OK", "", raw=b"{}", delay_s=5.0),
    "hang-up": Fault(200, "OK", "", hang_up=True),
}

_COLLECTION = re.compile(r"^/v1/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/customJobs$")
_JOB = re.compile(r"^/v1/(?P<name>projects/[^/]+/locations/[^/]+/customJobs/(?P<id>\d+))(?P<cancel>:cancel)?$")
_LABEL_FILTER = re.compile(r'labels\.(?P<key>[\w-]+)\s*=\s*"?(?P<value>[^"\s]*)"?')


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or None


@dataclass
class _Job:
    resource: dict[str, Any]
    script: tuple[int, ...]
    step: int = 0


@dataclass
class _Injection:
    fault: Fault
    on: str  # "create", "get", "list", "cancel", "delete" or "any"
    times: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class _State:
    jobs: dict[str, _Job] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    injections: list[_Injection] = field(default_factory=list)
    next_script: str = "succeed"
    page_size: int = 2  # small, so listing goes through the client's pager
    ids: Any = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeVertex:
    """The server. `with FakeVertex() as fake:` starts it on 127.0.0.1 and a free port; `fake.url` is its address."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._state = _State()
        handler = type("Handler", (_Handler,), {"state": self._state})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_address[1]}"

    def start(self) -> "FakeVertex":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeVertex":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def script(self, outcome: str) -> None:
        """How jobs created from now on progress: "succeed", "fail" or "run"."""
        if outcome not in SCRIPTS:
            raise ValueError(f"unknown script {outcome!r}")
        self._state.next_script = outcome

    def inject(self, fault: str | Fault, on: str = "any", times: int = 1) -> None:
        """Answer the next `times` requests of kind `on` with `fault` (a name in FAULTS, or a Fault)."""
        chosen = FAULTS[fault] if isinstance(fault, str) else fault
        with self._state.lock:
            self._state.injections.append(_Injection(chosen, on, times))

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def state_of(self, name: str) -> int:
        with self._state.lock:
            job = self._state.jobs[name]
            return int(job.resource["state"])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: _State

    def log_message(self, format: str, *args: Any) -> None:  # tests stay quiet
        pass

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._error(Fault(400, "INVALID_ARGUMENT", "Request body is not JSON."))
            return
        if parts.path.startswith("/_fake/"):
            self._control(method, parts.path, body)
            return
        query = parse_qs(parts.query)
        with self.state.lock:
            self.state.requests.append(RecordedRequest(method, parts.path, query, body))
            status, answer = self._route(method, parts.path, query, body)
        if isinstance(answer, Fault):
            self._misbehave(answer)
            return
        self._send(status, answer)

    def _misbehave(self, fault: Fault) -> None:
        """A fault that is not a Google error body: a late answer, no answer, or bytes of the wrong kind."""
        time.sleep(fault.delay_s)
        if fault.hang_up:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = fault.raw or b""
        with contextlib.suppress(OSError):  # the client may have given up waiting
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        collection, job_match = _COLLECTION.match(path), _JOB.match(path)
        if collection and method == "POST":
            return self._guarded("create", lambda: self._create(collection["project"], collection["region"], body))
        if collection and method == "GET":
            return self._guarded("list", lambda: self._list(path, query))
        if job_match and job_match["cancel"] and method == "POST":
            return self._guarded("cancel", lambda: self._cancel(job_match["name"]))
        if job_match and method == "GET":
            return self._guarded("get", lambda: self._get(job_match["name"]))
        if job_match and method == "DELETE":
            return self._guarded("delete", lambda: self._delete(job_match["name"]))
        return _error_body(Fault(404, "NOT_FOUND", f"No route for {method} {path}."))

    def _guarded(self, kind: str, answer: Any) -> tuple[int, Any]:
        for injection in self.state.injections:
            if injection.times > 0 and injection.on in (kind, "any"):
                injection.times -= 1
                fault = injection.fault
                if fault.raw is not None or fault.delay_s or fault.hang_up:
                    return fault.status, fault
                return _error_body(fault)
        result: tuple[int, dict[str, Any]] = answer()
        return result

    def _create(self, project: str, region: str, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not body.get("displayName") or not body.get("jobSpec"):
            return _error_body(Fault(400, "INVALID_ARGUMENT", "displayName and jobSpec are required."))
        name = f"projects/{project}/locations/{region}/customJobs/{next(self.state.ids)}"
        now = _now()
        resource = {**body, "name": name, "state": QUEUED, "createTime": now, "updateTime": now}
        self.state.jobs[name] = _Job(resource, SCRIPTS[self.state.next_script])
        return 200, resource

    def _get(self, name: str) -> tuple[int, dict[str, Any]]:
        job = self.state.jobs.get(name)
        if job is None:
            return _error_body(Fault(404, "NOT_FOUND", f"The CustomJob {name} does not exist."))
        answer = copy.deepcopy(job.resource)  # the state now; the next GET sees the next step
        if job.step < len(job.script) - 1:
            job.step += 1
            _enter(job, job.script[job.step])
        return 200, answer

    def _list(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        parent = path.removeprefix("/v1/").removesuffix("/customJobs")
        jobs = [job.resource for name, job in self.state.jobs.items() if name.startswith(parent + "/")]
        for key, value in _LABEL_FILTER.findall((query.get("filter") or [""])[0]):
            jobs = [job for job in jobs if job.get("labels", {}).get(key) == value]
        size = int((query.get("pageSize") or [str(self.state.page_size)])[0]) or self.state.page_size
        start = int((query.get("pageToken") or ["0"])[0] or 0)
        page: dict[str, Any] = {"customJobs": jobs[start : start + size]}
        if start + size < len(jobs):
            page["nextPageToken"] = str(start + size)
        return 200, page

    def _cancel(self, name: str) -> tuple[int, dict[str, Any]]:
        job = self.state.jobs.get(name)
        if job is None:
            return _error_body(Fault(404, "NOT_FOUND", f"The CustomJob {name} does not exist."))
        if job.resource["state"] in TERMINAL:
            return _error_body(Fault(400, "FAILED_PRECONDITION", f"The CustomJob {name} has already ended."))
        job.script, job.step = (CANCELLING, CANCELLED), 0
        _enter(job, CANCELLING)
        return 200, {}

    def _delete(self, name: str) -> tuple[int, dict[str, Any]]:
        if self.state.jobs.pop(name, None) is None:
            return _error_body(Fault(404, "NOT_FOUND", f"The CustomJob {name} does not exist."))
        return 200, {
            "name": f"{name}/operations/1",
            "done": True,
            "response": {"@type": "type.googleapis.com/google.protobuf.Empty"},
        }

    def _control(self, method: str, path: str, body: Any) -> None:
        state = self.state
        if method == "POST" and path == "/_fake/script" and body.get("outcome") in SCRIPTS:
            state.next_script = body["outcome"]
            self._send(200, {})
        elif method == "POST" and path == "/_fake/inject" and body.get("fault") in FAULTS:
            with state.lock:
                state.injections.append(_Injection(FAULTS[body["fault"]], body.get("on", "any"), body.get("times", 1)))
            self._send(200, {})
        elif method == "GET" and path == "/_fake/requests":
            with state.lock:
                recorded = [r.__dict__ for r in state.requests]
            self._send(200, {"requests": recorded})
        else:
            self._send(*_error_body(Fault(400, "INVALID_ARGUMENT", f"Unknown control {method} {path} {body}.")))

    def _error(self, fault: Fault) -> None:
        self._send(*_error_body(fault))

    def _send(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _enter(job: _Job, state: int) -> None:
    now = _now()
    job.resource.update(state=state, updateTime=now)
    if state == RUNNING:
        job.resource["startTime"] = now
    if state in TERMINAL:
        job.resource["endTime"] = now
    if state == FAILED:
        job.resource["error"] = FAILURE


def _error_body(fault: Fault) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"code": fault.status, "message": fault.message, "status": fault.code}
    if fault.reason:
        error["details"] = [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": fault.reason, "domain": "googleapis.com"}
        ]
    return fault.status, {"error": error}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local Vertex AI v1 customJobs REST server for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--outcome", choices=sorted(SCRIPTS), default="succeed")
    options = parser.parse_args(argv)
    fake = FakeVertex(options.host, options.port)
    fake.script(options.outcome)
    print(fake.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly
        fake.serve_forever()


if __name__ == "__main__":
    main()

"""An HTTP proxy that can hold one request (before or after the server saw it) until the test lets it go.

A crash test uses it to stop a launch between two steps: hold the next step's request, kill the app, then
release it (the held request is dropped, or its answer is lost). Put in front of the storage emulator
with `atomic_bucket_labels=True`, it also makes a bucket insert set the labels the client sent, as Cloud
Storage does in one call (the emulator ignores them on insert): a crash cannot leave an unlabelled bucket
that only the emulator would leave.
"""

import http.client
import json
import re
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.cloud.recording_proxy import send_answer

_BUCKET_INSERT = "/storage/v1/b"
_Answer = tuple[int, dict[str, str], bytes]  # status, headers, body


@dataclass
class Hold:
    """One request to hold: `method` and a regular expression on its path. `reach_server`: the server gets
    the request and the client never gets the answer; otherwise the server never sees it."""

    method: str
    path: str
    reach_server: bool
    arrived: threading.Event = field(default_factory=threading.Event)  # the client sent it
    reached: threading.Event = field(default_factory=threading.Event)  # the server answered it (reach_server)
    released: threading.Event = field(default_factory=threading.Event)

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path, path) is not None


class GateProxy:
    def __init__(self, upstream_port: int, *, atomic_bucket_labels: bool = False) -> None:
        self.upstream_port = upstream_port
        self.atomic_bucket_labels = atomic_bucket_labels
        self.seen: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self._holds: list[Hold] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "GateProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def hold(self, method: str, path: str, *, reach_server: bool = False) -> Hold:
        """Hold the next request that matches (once)."""
        hold = Hold(method, path, reach_server)
        with self._lock:
            self._holds.append(hold)
        return hold

    def release_all(self) -> None:
        with self._lock:
            holds, self._holds = list(self._holds), []
        for hold in holds:
            hold.released.set()

    @property
    def idle(self) -> bool:
        """No request is being forwarded or held."""
        with self._lock:
            return self._in_flight == 0

    def _take_hold(self, method: str, path: str) -> Hold | None:
        with self._lock:
            self.seen.append((method, path))
            self._in_flight += 1
            for hold in self._holds:
                if not hold.arrived.is_set() and hold.matches(method, path):
                    hold.arrived.set()
                    return hold
        return None

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _upstream(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Answer:
        status, answer_headers, answer = self._upstream(method, target, headers, body)
        if self.atomic_bucket_labels and method == "POST" and target.split("?")[0] == _BUCKET_INSERT and status == 200:
            labels = json.loads(body).get("labels")
            if labels:
                name = json.loads(answer)["name"]
                patch = json.dumps({"labels": labels}).encode()
                json_headers = {"Content-Type": "application/json", "Content-Length": str(len(patch))}
                target = f"{_BUCKET_INSERT}/{name}"
                status, answer_headers, answer = self._upstream("PATCH", target, json_headers, patch)
        return status, answer_headers, answer


def _handler_for(proxy: GateProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the client died while sending: the server never gets half a request
                self.close_connection = True
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
            hold = proxy._take_hold(self.command, self.path.split("?")[0])
            try:
                if hold is not None and not hold.reach_server:
                    hold.released.wait(120)
                    self.close_connection = True  # dropped: the server never sees it
                    return
                status, answer_headers, answer = proxy._forward(self.command, self.path, headers, body)
                if hold is not None:
                    hold.reached.set()
                    hold.released.wait(120)
                    self.close_connection = True  # the answer is lost
                    return
                self._answer(status, answer_headers, answer)
            finally:
                proxy._done()

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            with suppress(OSError):  # the client may be gone
                send_answer(self, status, headers, body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return Handler

"""A tiny HTTP proxy in front of the storage emulator: records what the client sent, and can answer
with an error instead, because the emulator ignores location and labels on insert and never says 403."""

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class SentRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or None for other bodies


class RecordingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sent: list[SentRequest] = []
        self._faults: list[tuple[str, int]] = []  # (method, status) for the next matching requests
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._faults.clear()

    def fail_next(self, method: str, status: int) -> None:
        """The next `method` request gets `status` with a Cloud Storage-shaped error body."""
        with self._lock:
            self._faults.append((method, status))

    def requests(self, method: str, path_end: str = "") -> list[SentRequest]:
        with self._lock:
            return [r for r in self.sent if r.method == method and r.path.endswith(path_end)]

    def _take_fault(self, method: str) -> int | None:
        with self._lock:
            for n, (fault_method, status) in enumerate(self._faults):
                if fault_method == method:
                    del self._faults[n]
                    return status
        return None

    def _record(self, method: str, target: str, headers: Any, body: bytes) -> None:
        parts = urlsplit(target)
        parsed = json.loads(body) if body and "json" in (headers.get("Content-Type") or "") else None
        with self._lock:
            self.sent.append(SentRequest(method, parts.path, parse_qs(parts.query), parsed))


HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "server", "date"}


def send_answer(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    """Pass an upstream answer on: its headers, less the hop-by-hop ones, and the body with its length."""
    handler.send_response(status)
    for key, value in headers.items():
        if key.lower() not in HOP_HEADERS:
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _handler_for(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            proxy._record(self.command, self.path, self.headers, body)
            status = proxy._take_fault(self.command)
            if status is not None:
                error = {"error": {"code": status, "message": f"injected {status}", "errors": []}}
                self._answer(status, {"Content-Type": "application/json"}, json.dumps(error).encode())
                return
            upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                self._answer(answer.status, dict(answer.getheaders()), answer.read())
            finally:
                upstream.close()

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            send_answer(self, status, headers, body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return Handler

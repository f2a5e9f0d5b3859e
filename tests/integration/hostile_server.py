"""Hostile variants of the fake providers, for the transport fault suite.

Same routes, credentials and normal answers as `fake_providers` (a WattTime login still hands out tokens), but any
route can be told to answer in a way that attacks the HTTP client instead of the parser:

    em = HostileElectricityMaps.start(header_drip_s=0.05)
    em.hostile["carbon-intensity/latest"] = "drip_headers"
    em.other_origin = other.url            # where "redirect_other_origin" points (another port on 127.0.0.1)

Kinds (`HOSTILE_KINDS`):
- "redirect_same_origin": 301 to the same URL plus a query parameter (answered normally once followed)
- "redirect_other_origin": 307 to the same path and query on `other_origin`
- "drip_headers": the status line and headers one byte every `header_drip_s`, padded so they never end in a test
- "drip_body": the normal headers, then the body one byte every `drip_interval_s`
- "huge": a 50 MB body with its Content-Length
- "huge_unsized": a 50 MB body without Content-Length (the client reads until the server closes)
- "gzip_bomb": 50 MB of zeros, gzip-compressed to about 50 KB, with Content-Encoding: gzip
- "near_cap": the normal answer padded with spaces (still valid JSON) to NEAR_CAP_BYTES, just under the old 8 MB
  limit, with its Content-Length; "near_cap_unsized" the same without (the client reads until the server closes)

Echo kinds (`ECHO_KINDS`): the normal answer, with `echo(request)` (by default the credential the request carried:
the Electricity Maps `auth-token`, the WattTime bearer token) written back in it, as a careless server or proxy might:
- "echo_body_field": in a body field (Electricity Maps `estimationMethod`, WattTime `meta.model`)
- "echo_header": in a response header (`X-Echo`)
- "echo_warnings": in WattTime's `meta.warnings` (a new `meta` where the answer has none)

The hostile answer comes after the credentials were checked, as from a real provider (or a proxy in front of one).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any, Self
from urllib.parse import urlencode

from .fake_providers import Answer, FakeElectricityMaps, FakeWattTime, RecordedRequest, _Handler

HOSTILE_KINDS = (
    "redirect_same_origin",
    "redirect_other_origin",
    "drip_headers",
    "drip_body",
    "huge",
    "huge_unsized",
    "gzip_bomb",
    "near_cap",
    "near_cap_unsized",
)
NEAR_CAP_BYTES = 8 * 1024 * 1024 - 4096
ECHO_KINDS = ("echo_body_field", "echo_header", "echo_warnings")
HUGE_BYTES = 50 * 1024 * 1024
REDIRECT_MARK = "redirected"  # the query parameter a same-origin redirect adds
_CHUNK = b" " * (64 * 1024)  # one buffer written over and over: the server itself never holds 50 MB
_HEADER_PADDING = 60_000  # bytes of one header line: hours at test drip rates, below http.client's 64 KB limit


@cache
def gzip_bomb() -> bytes:
    """HUGE_BYTES of zeros as one gzip member (compressed once per test process)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip header and trailer
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(HUGE_BYTES // len(zeros))]
    return b"".join([*parts, compressor.flush()])


def sent_credential(request: RecordedRequest) -> str:
    """The credential a request carried: the Electricity Maps `auth-token`, or the token of `Authorization: Bearer`."""
    if "auth-token" in request.headers:
        return request.headers["auth-token"]
    return request.headers.get("authorization", "").partition(" ")[2]


def _with_echo(answer: Answer, kind: str, text: str, *, json_escaped: bool = False) -> Answer:
    if kind == "echo_header":
        answer.headers["X-Echo"] = text
        return answer
    if json_escaped:  # the body's JSON spells every character of the echo as \uXXXX: it decodes to the same text
        placeholder = "ECHO-PLACEHOLDER-" + "x" * 8
        escaped = "".join(f"\\u{ord(c):04x}" for c in text)
        echoed = _with_echo(answer, kind, placeholder)
        echoed.payload = json.dumps(echoed.payload).replace(placeholder, escaped).encode()
        return echoed
    payload = answer.payload
    if not isinstance(payload, dict):
        raise ValueError(f"{kind} needs an answer that is a JSON object")
    meta = payload.get("meta")
    if kind == "echo_warnings":
        meta = payload.setdefault("meta", {}) if meta is None else meta
        meta.setdefault("warnings", []).append({"type": "echo", "message": f"Request made with {text}"})
    elif isinstance(meta, dict):  # WattTime: a field of its meta block
        meta["model"] = {"date": text}
    else:
        payload["estimationMethod"] = text
    return answer


class _Hostile:
    """Mixin over a FakeProvider: routes in `hostile` answer with their hostile kind."""

    def __init__(self, *, header_drip_s: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hostile: dict[str, str] = {}
        self.other_origin = "http://127.0.0.1:9"  # set by the test to a server it watches
        self.header_drip_s = header_drip_s
        self.echo: Callable[[RecordedRequest], str] = sent_credential  # what the echo kinds write back
        self.echo_json_escaped = False  # body echoes spelled as JSON \u escapes

    def _fault_or_answer(self, route: str, request: RecordedRequest) -> Answer:
        kind = self.hostile.get(route)
        if kind is None:
            return super()._fault_or_answer(route, request)  # type: ignore[misc]
        if kind in ECHO_KINDS:
            normal = super()._fault_or_answer(route, request)  # type: ignore[misc]
            if normal.status != 200:
                return normal
            return _with_echo(normal, kind, self.echo(request), json_escaped=self.echo_json_escaped)
        if kind not in HOSTILE_KINDS:
            raise ValueError(f"unknown hostile kind {kind!r}")
        query = urlencode(request.query, doseq=True)
        if kind == "redirect_same_origin":
            if request.param(REDIRECT_MARK) is not None:
                return super()._fault_or_answer(route, request)  # type: ignore[misc]
            location = f"{request.path}?{query}&{REDIRECT_MARK}=1" if query else f"{request.path}?{REDIRECT_MARK}=1"
            return Answer(301, b"", {"Location": location})
        if kind == "redirect_other_origin":
            return Answer(307, b"", {"Location": f"{self.other_origin}{request.path}?{query}"})
        if kind in ("drip_body", "near_cap", "near_cap_unsized"):
            normal = super()._fault_or_answer(route, request)  # type: ignore[misc]
            if normal.status == 200:
                normal.mode = "drip" if kind == "drip_body" else kind
            return normal
        return Answer(200, mode=kind)

    def _write(self, handler: _Handler, answer: Answer) -> None:
        if answer.mode not in HOSTILE_KINDS:
            super()._write(handler, answer)  # type: ignore[misc]
            return
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client hanging up is the expected end of every hostile answer
            if answer.mode == "drip_headers":
                self._drip_headers(handler)
            elif answer.mode.startswith("near_cap"):
                body = self._encode(answer.payload)  # type: ignore[attr-defined]
                self._send_padded(handler, body, sized=answer.mode == "near_cap")
            else:
                self._send_huge(handler, answer.mode)

    def _drip_headers(self, handler: _Handler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * _HEADER_PADDING
        for i in range(len(head)):
            if self._stopping.is_set():  # type: ignore[attr-defined]
                return
            handler.wfile.write(head[i : i + 1])
            handler.wfile.flush()
            self._stopping.wait(self.header_drip_s)  # type: ignore[attr-defined]

    def _send_padded(self, handler: _Handler, body: bytes, *, sized: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        if sized:
            handler.send_header("Content-Length", str(NEAR_CAP_BYTES))
        handler.end_headers()
        handler.wfile.write(body)
        left = NEAR_CAP_BYTES - len(body)
        while left > 0 and not self._stopping.is_set():  # type: ignore[attr-defined]
            piece = _CHUNK[:left]
            handler.wfile.write(piece)
            left -= len(piece)

    def _send_huge(self, handler: _Handler, mode: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        if mode == "gzip_bomb":
            body = gzip_bomb()
            handler.send_header("Content-Encoding", "gzip")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        if mode == "huge":
            handler.send_header("Content-Length", str(HUGE_BYTES))
        handler.end_headers()
        handler.wfile.write(b"[")
        for _ in range((HUGE_BYTES - 1) // len(_CHUNK)):
            if self._stopping.is_set():  # type: ignore[attr-defined]
                return
            handler.wfile.write(_CHUNK)
        handler.wfile.write(b" " * ((HUGE_BYTES - 1) % len(_CHUNK)))


class HostileElectricityMaps(_Hostile, FakeElectricityMaps):
    pass


class HostileWattTime(_Hostile, FakeWattTime):
    pass


# The start of a TLS record (handshake, TLS 1.2, 16 KB long): a client in its handshake waits for the whole record.
TLS_RECORD_START = b"\x16\x03\x03\x40\x00"


class DripServer:
    """A bare TCP server on 127.0.0.1 that answers every connection with `prefix`, then zeros, one byte every
    `interval_s`, until the client hangs up or the server stops. With TLS_RECORD_START it holds an HTTPS client in
    its TLS handshake without any certificate."""

    def __init__(self, prefix: bytes = TLS_RECORD_START, interval_s: float = 0.5) -> None:
        self.prefix = prefix
        self.interval_s = interval_s
        self.connections = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True, name="drip-server")

    @classmethod
    def start(cls, **kwargs: Any) -> Self:
        server = cls(**kwargs)
        server._thread.start()
        return server

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            for i in range(10**6):
                if self._stopping.is_set():
                    return
                conn.sendall(self.prefix[i : i + 1] or b"\0")
                self._stopping.wait(self.interval_s)


__all__ = [
    "ECHO_KINDS",
    "HOSTILE_KINDS",
    "HUGE_BYTES",
    "NEAR_CAP_BYTES",
    "REDIRECT_MARK",
    "TLS_RECORD_START",
    "DripServer",
    "HostileElectricityMaps",
    "HostileWattTime",
    "gzip_bomb",
    "sent_credential",
]

"""What the window's process and its fetch helper process say to each other (see `fetch_process`).

Messages are pickled dataclasses, each framed by a 4-byte big-endian length, on the helper's stdin (orders) and
stdout (answers). Keys travel only here, inside a `FetchOrder`: never in the helper's argv, environment, files or
logs. Light on purpose: both processes import it, and the window's process must not pay for the HTTP stack.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from carbon_gui.core.catalog import Region
from carbon_gui.core.signals import GridSignal

_HEADER = struct.Struct(">I")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # a length above this means the stream is corrupt, not a big answer
MASKED = "••••"


class ProtocolError(Exception):
    """The stream broke mid-message or holds something that is not a message."""


@dataclass(frozen=True)
class ProviderKeys:
    """The plain key values one fetch needs. Only ever inside a pickled `FetchOrder` on the helper's stdin."""

    token: str | None = None  # Electricity Maps
    username: str | None = None  # WattTime
    password: str | None = None

    def __repr__(self) -> str:
        return f"ProviderKeys({MASKED})"

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.username, self.password) if v)


# --- parent -> helper ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOrder:
    """Fetch `provider`'s signals for `regions`; answers are tagged with `fetch_id`."""

    fetch_id: int
    provider: str
    regions: tuple[Region, ...]
    base_url: str
    cache_path: str | None  # the requests-cache SQLite file; None: no cache
    cache_ttl_s: float
    timeout_s: float
    keys: ProviderKeys
    with_forecast: bool = True  # Electricity Maps: ask for forecasts (the parent remembers a plan's refusal)
    region_cache: dict[str, Any] = field(default_factory=dict)  # WattTime: GCP region -> WattTime region | NoCoverage
    now: datetime | None = None

    def __repr__(self) -> str:  # the keys stay masked, and 45 regions are no help in a log either
        return f"FetchOrder({self.fetch_id}, {self.provider}, {len(self.regions)} regions)"


@dataclass(frozen=True)
class Cancel:
    fetch_id: int


# --- helper -> parent ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The helper has imported what it needs and reads orders."""

    pid: int


@dataclass(frozen=True)
class Beat:
    """Sent every `HEARTBEAT_S` while a fetch runs: the helper is alive even when no answer has come for a while."""


@dataclass(frozen=True)
class SignalArrived:
    fetch_id: int
    signal: GridSignal
    regions: list[str]


@dataclass(frozen=True)
class Finished:
    fetch_id: int
    cancelled: bool
    denied_everywhere: frozenset[str]  # LiveFetcher.denied_everywhere
    region_cache: dict[str, Any]  # WattTime: the region cache after the fetch (the order's, completed)


@dataclass(frozen=True)
class Failed:
    """The fetch stopped on an error outside the per-zone tasks (those become FetchProblems)."""

    fetch_id: int
    message: str  # for a user-facing error its message; else only the exception's type name (no secret in it)
    user_facing: bool


HEARTBEAT_S = 1.0


def write_message(stream: IO[bytes], message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_message(stream: IO[bytes]) -> object | None:
    """The next message, or None at a clean end of stream (the other side closed it)."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message length {size} is not plausible")
    payload = _read_exactly(stream, size)
    if payload is None:
        raise ProtocolError("the stream ended inside a message")
    try:
        message: object = pickle.loads(payload)  # from our own helper process, over a pipe only the two of us hold
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a corrupt stream
        raise ProtocolError(f"unreadable message ({type(exc).__name__})") from None
    return message


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            if not chunks and left == size:
                return None
            raise ProtocolError("the stream ended inside a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)

"""One overall deadline per Google Cloud call, and an optional limit over many calls (one refresh of every job).

The Google clients' `timeout=` bounds each socket read only: a server sending a byte every few seconds holds a call
for ever, and their retries add up. Their requests sessions get the deadline adapter of the provider HTTP layer
(sources/http.py: a watchdog thread shuts the socket at the deadline), so connect, status line, headers, body and
retries all fit in one deadline, as they do for the grid-data providers. gRPC calls get the time left as `timeout=`,
which gRPC already treats as an overall deadline.
"""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from carbon_gui.cloud.errors import CloudError

# The provider HTTP layer's deadline machinery, shared rather than copied: its adapter enforces the deadline of the
# call set in `_current_call` (none set: no overall deadline, as before).
from carbon_gui.sources.http import MAX_BODY_BYTES, _BodyTooLarge, _Call, _current_call, _DeadlineAdapter

TOO_LARGE = f"too large (over {MAX_BODY_BYTES // 2**20} MB)"  # the adapter refuses such answers


@dataclass(frozen=True)
class _Limit:
    at: float  # monotonic seconds
    seconds: float  # as given, for the message


_limit: contextvars.ContextVar[_Limit | None] = contextvars.ContextVar("carbon_gui_cloud_limit", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Every Google Cloud call made in this thread inside the block ends by `seconds` from now; once they are used
    up, a call is not made at all (a CloudError says so)."""
    outer = _limit.get()
    limit = _Limit(time.monotonic() + seconds, seconds)
    token = _limit.set(limit if outer is None or outer.at > limit.at else outer)
    try:
        yield
    finally:
        _limit.reset(token)


@contextmanager
def call_deadline(seconds: float, what: str) -> Iterator[float]:
    """Run one call (with its retries) within `seconds`, or less when the surrounding `time_limit` ends sooner; yields
    the seconds it has. `what` names the service for the message when no time is left ("Vertex AI at …")."""
    at = time.monotonic() + seconds
    limit = _limit.get()
    outer = _current_call.get()
    for other in (limit.at if limit else None, outer.at if outer else None):
        if other is not None and other < at:
            at = other
    allowed = at - time.monotonic()
    if allowed <= 0:
        waited = seconds_text(limit.seconds if limit else seconds)
        raise CloudError(f"Did not ask {what}: carbon-gui already waited {waited} for Google Cloud this time; it asks "
                         "again next time.")  # fmt: skip
    token = _current_call.set(_Call(at))
    try:
        yield allowed
    finally:
        _current_call.reset(token)


def time_left() -> bool:
    """Whether the call running in this thread still has time (always True outside a call's deadline)."""
    call = _current_call.get()
    return call is None or not call.ran_out()


def watch(session: requests.Session) -> None:
    """Make `session` (a Google client's AuthorizedSession) keep every request within its call's deadline, the
    token refreshes it makes through its own request session included."""
    for target in (session, getattr(getattr(session, "_auth_request", None), "session", None)):
        if isinstance(target, requests.Session):
            adapter = _DeadlineAdapter()
            target.mount("http://", adapter)
            target.mount("https://", adapter)


def too_large(exc: BaseException) -> bool:
    """Whether the deadline adapter refused the answer for its size."""
    return isinstance(exc, _BodyTooLarge)


def seconds_text(seconds: float) -> str:
    return f"{seconds:.3g} s"

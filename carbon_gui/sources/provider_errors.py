"""Typed failures of the live grid-data providers, each with a short message for the user.

Every failure of an HTTP call to Electricity Maps or WattTime ends as one of these. The message is
what the UI shows next to a region ("key rejected", "offline", ...). No message, `str()` or `repr()`
ever contains a key, token, password or request header: the exceptions are built from fixed texts
and, for `BadRequest`, from the provider's error text with any secret scrubbed out. They are raised
outside the `except` block that caught the transport error, so they do not chain to it (the
transport error holds the request, and the request holds the headers).
"""

from carbon_gui.core.signals import FetchProblem

MSG_KEY_REJECTED = "key rejected"
MSG_NOT_IN_PLAN = "endpoint not in your plan"
MSG_NO_ZONE_ACCESS = "no access to this zone"
MSG_UNKNOWN_ZONE = "zone not known to the provider"
MSG_NO_WATTTIME_COVERAGE = "no WattTime coverage here"
MSG_OFFLINE = "offline"
MSG_TIMED_OUT = "timed out"
MSG_CONNECTION_LOST = "connection lost"
MSG_BAD_RESPONSE = "malformed answer from the provider"
MSG_REDIRECTED = "the provider answered with a redirect, which is not followed (check its address)"


class ProviderError(Exception):
    """A provider call failed. `message` is short and user-facing; `endpoint` says which call."""

    default_message = "provider error"

    def __init__(self, message: str | None = None, *, endpoint: str, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.endpoint = endpoint
        self.status = status  # HTTP status when there was one
        super().__init__(self.message)

    @property
    def retry_after_s(self) -> float | None:
        return None

    def to_problem(self) -> FetchProblem:
        return FetchProblem(endpoint=self.endpoint, message=self.message, retry_after_s=self.retry_after_s)

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, message={self.message!r}, status={self.status!r})"

    def __reduce__(self) -> tuple[object, ...]:  # picklable across processes despite keyword-only arguments
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ProviderError], state: dict[str, object]) -> ProviderError:
    obj = cls.__new__(cls)
    Exception.__init__(obj, state.get("message"))
    obj.__dict__.update(state)
    return obj


class KeyRejected(ProviderError):
    """HTTP 401: the key (or WattTime user name and password, or token) was not accepted."""

    default_message = MSG_KEY_REJECTED


class NoAccess(ProviderError):
    """HTTP 403, or a body saying the plan does not include this endpoint or zone."""

    default_message = MSG_NOT_IN_PLAN

    def __init__(
        self,
        message: str | None = None,
        *,
        endpoint: str,
        status: int | None = None,
        stated_by_provider: bool = False,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        # True when the body said why ("Endpoint not available", "Invalid scope", ...); a bare 403 (say, an
        # nginx page) may instead be an expired WattTime token, which is worth one new login.
        self.stated_by_provider = stated_by_provider


class RateLimited(ProviderError):
    """HTTP 429. `retry_after_s` comes from the Retry-After header (60 s when it is missing)."""

    def __init__(self, retry_after_s: float, *, endpoint: str, status: int | None = 429) -> None:
        self._retry_after_s = max(0.0, float(retry_after_s))
        seconds = int(-(-self._retry_after_s // 1))  # ceil, so "retrying in 0 s" never shows for 0.3 s
        super().__init__(f"rate-limited, retrying in {seconds} s", endpoint=endpoint, status=status)

    @property
    def retry_after_s(self) -> float | None:
        return self._retry_after_s


class UnknownZone(ProviderError):
    """HTTP 404, or a 400 saying the zone or region does not exist; WattTime: no coverage here."""

    default_message = MSG_UNKNOWN_ZONE


class BadRequest(ProviderError):
    """Another 4xx. The message is the provider's own error text (scrubbed, at most 120 characters)."""

    default_message = "the provider refused the request"


class ServerError(ProviderError):
    """5xx after the retries."""

    def __init__(self, message: str | None = None, *, endpoint: str, status: int | None = None) -> None:
        super().__init__(message or f"provider error (HTTP {status})", endpoint=endpoint, status=status)


class Offline(ProviderError):
    """No answer: connection refused, name not resolved, connect or read timeout, overall deadline passed."""

    default_message = MSG_OFFLINE


class BadResponse(ProviderError):
    """An answer that cannot be used: truncated, not JSON, wrong shape, wrong units."""

    default_message = MSG_BAD_RESPONSE


def size_text(n_bytes: int) -> str:
    """A byte count as the limits are written: "256 KB", "2 MB"."""
    return f"{n_bytes / 2**20:g} MB" if n_bytes >= 2**20 else f"{n_bytes / 2**10:g} KB"


class AnswerTooLarge(BadResponse):
    """An answer over its endpoint's size limit: cut off where the limit was reached (or refused from its
    Content-Length), never decoded."""

    def __init__(self, limit_bytes: int, *, endpoint: str, status: int | None = None) -> None:
        super().__init__(f"answer too large (over {size_text(limit_bytes)})", endpoint=endpoint, status=status)


class RefreshTooLarge(ProviderError):
    """The answers of one refresh went over its byte budget: the request that crossed it and every later one of that
    refresh end with this, so a hostile server cannot fill memory with many answers each under its own limit."""

    def __init__(self, budget_bytes: int, *, endpoint: str) -> None:
        super().__init__(f"refresh stopped: answers over {size_text(budget_bytes)} in total", endpoint=endpoint)


__all__ = [
    "MSG_BAD_RESPONSE",
    "MSG_CONNECTION_LOST",
    "MSG_KEY_REJECTED",
    "MSG_NOT_IN_PLAN",
    "MSG_NO_WATTTIME_COVERAGE",
    "MSG_NO_ZONE_ACCESS",
    "MSG_OFFLINE",
    "MSG_REDIRECTED",
    "MSG_TIMED_OUT",
    "MSG_UNKNOWN_ZONE",
    "AnswerTooLarge",
    "BadRequest",
    "BadResponse",
    "KeyRejected",
    "NoAccess",
    "Offline",
    "ProviderError",
    "RateLimited",
    "RefreshTooLarge",
    "ServerError",
    "UnknownZone",
    "size_text",
]

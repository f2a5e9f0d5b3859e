"""WattTime API v3 client: marginal emission rate (MOER) forecast and history, signal index, access.

Authentication: GET /login with HTTP Basic returns a bearer token. The token lives only in this
object's memory; it is treated as valid for 30 minutes and renewed after 25, and one new login is
tried when an endpoint answers 401 (or a bare 403). Logging in is lazy: a request the HTTP cache can
answer is answered from it without a token, so reopening the app within the cache TTL logs in 0 times.
Logins are serialised by a lock, so a hundred threads starting together log in once; a login that
failed is not retried for a minute (`/login` allows only 100 requests per 5 minutes).

Values: WattTime sends lbs CO2 per MWh; this client converts them to gCO2e/kWh with
`LBS_PER_MWH_TO_G_PER_KWH` and refuses any other unit. A MOER is a *marginal* rate
(`SignalKind.MARGINAL`), not the grid average that Electricity Maps reports.
"""

import contextlib
import contextvars
import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from carbon_gui.core.plausibility import provider_number
from carbon_gui.core.signals import LBS_PER_MWH_TO_G_PER_KWH, SignalPoint
from carbon_gui.sources.http import (
    SERIES_ANSWER_BYTES,
    SMALL_ANSWER_BYTES,
    cached_json,
    expect_list,
    expect_mapping,
    get_json,
    number_or_none,
    parse_timestamp,
    parse_with,
)
from carbon_gui.sources.provider_errors import (
    MSG_NO_WATTTIME_COVERAGE,
    BadResponse,
    KeyRejected,
    NoAccess,
    Offline,
    ProviderError,
    RateLimited,
    ServerError,
    UnknownZone,
)

SOURCE = "WattTime"
DEFAULT_BASE_URL = "https://api.watttime.org"
UNITS_LBS_PER_MWH = "lbs_co2_per_mwh"

EP_LOGIN = "login"
EP_REGION = "region-from-loc"
EP_INDEX = "signal-index"
EP_FORECAST = "forecast"
EP_HISTORICAL = "historical"
EP_ACCESS = "my-access"
# the largest answer each endpoint may send (see sources.http); the rest: SERIES_ANSWER_BYTES. The access list of an
# account reading every region may pass 1 MB: it gets more room (it is asked alone, never ~150 times at once).
ANSWER_LIMITS = {EP_REGION: SMALL_ANSWER_BYTES, EP_INDEX: SMALL_ANSWER_BYTES, EP_ACCESS: 2 * SERIES_ANSWER_BYTES}

TOKEN_VALID_S = 30 * 60
TOKEN_REFRESH_S = 25 * 60
LOGIN_FAILURE_HOLD_S = 60.0  # after a refused login, answer with the same error for this long

KEY_ACCEPTED = "accepted"
KEY_REJECTED = "rejected"
KEY_NO_ACCESS = "no access to this endpoint"


@dataclass(frozen=True)
class SignalIndex:
    """WattTime's signal index: where the current MOER sits among the next 24 h, as a 0–100 percentile
    (100 = dirtiest). It is a rank, not an emission rate: it has no g/kWh value on purpose, so it can never
    be plotted, averaged or ranked with intensities by mistake."""

    time: datetime  # UTC, aware: the start of the 5-minute period
    percentile: float | None  # 0..100; None when WattTime sent null
    region: str


@dataclass
class _RefreshLogin:
    """The login of one refresh: the failure of its one attempt, once it has failed."""

    failure: ProviderError | None = None


_refresh_login: contextvars.ContextVar[_RefreshLogin | None] = contextvars.ContextVar(
    "carbon_gui_watttime_refresh_login", default=None
)


@contextlib.contextmanager
def one_login_per_refresh() -> Iterator[None]:
    """A refresh: while it runs, and in work started from it with its context (`contextvars.copy_context`), a
    failed login is not tried again; every call that needs a token raises that failure without a request."""
    token = _refresh_login.set(_RefreshLogin())
    try:
        yield
    finally:
        _refresh_login.reset(token)


def _without_status_retries(session: requests.Session, url: str) -> None:
    """Mount, for `url` only, a copy of the session's adapter whose transport does not retry 5xx answers: a login
    failing with 503 is one request, not four (the other retries, for connections that failed, stay)."""
    if url in session.adapters:
        return  # another client of this session mounted it already
    adapter = session.get_adapter(url)
    if isinstance(adapter, HTTPAdapter) and isinstance(adapter.max_retries, Retry):
        retries = adapter.max_retries.new(status_forcelist=frozenset())
        session.mount(url, type(adapter)(pool_connections=1, pool_maxsize=2, max_retries=retries))


class WattTimeClient:
    """Calls WattTime v3 with one shared session. Safe to use from many threads."""

    source = SOURCE

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 10.0,
        deadline_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        signal_type: str = "co2_moer",
    ) -> None:
        """`clock` is a monotonic seconds clock (inject one in tests to expire the token)."""
        self._session = session
        self._base = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout_s = timeout_s
        self._deadline_s = deadline_s if deadline_s is not None else 3 * timeout_s
        self._clock = clock
        self.signal_type = signal_type
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_at = 0.0
        self._login_failure: tuple[float, ProviderError] | None = None
        _without_status_retries(session, f"{self._base}/login")

    def __repr__(self) -> str:  # never shows the user name, password or token
        return f"WattTimeClient(base_url={self._base!r})"

    # --- token -----------------------------------------------------------------------------------------------

    def _login(self) -> str:
        """One GET /login (caller holds the lock). Never cached: the answer is a token. A failure that does not speak
        of the key says it was the login: every region of the refresh shows it."""
        try:
            return self._login_token()
        except ServerError as err:
            status = err.status or "5xx"
            err.message = f"WattTime login failed: HTTP {status} (a server error at WattTime, try again later)"
            raise
        except (BadResponse, Offline) as err:
            err.message = f"WattTime login failed: {err.message}"
            raise

    def _login_token(self) -> str:
        body = get_json(
            self._session,
            f"{self._base}/login",
            auth=(self._username, self._password),
            timeout=(self._timeout_s, self._timeout_s),
            deadline_s=self._deadline_s,
            endpoint_name=EP_LOGIN,
            use_cache=False,
            max_bytes=SMALL_ANSWER_BYTES,
        )
        token = body.get("token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            raise BadResponse(endpoint=EP_LOGIN)
        return token

    def _current_token(self, *, stale: str | None = None, force: bool = False) -> str:
        """A usable token: the one in memory while it is fresh, else a new login.

        `stale` is a token an endpoint just refused: if another thread has already replaced it, that newer
        token is returned without another login. `force` logs in regardless (and ignores a recent failure).
        Inside `one_login_per_refresh()`, a login that failed is answered with a copy of its failure.
        """
        refresh = _refresh_login.get()
        with self._lock:
            now = self._clock()
            token = self._token
            fresh = token is not None and now - self._token_at < TOKEN_REFRESH_S
            if not force and token is not None and fresh and token != stale:
                return token
            if not force and self._login_failure is not None:
                failed_at, failure = self._login_failure
                hold = failure.retry_after_s if isinstance(failure, RateLimited) else LOGIN_FAILURE_HOLD_S
                left = (hold or 0.0) - (now - failed_at)
                if left > 0:
                    if isinstance(failure, RateLimited):
                        raise RateLimited(left, endpoint=EP_LOGIN)
                    raise copy.copy(failure)  # a fresh object per raise: threads must not share a traceback
            if not force and refresh is not None and refresh.failure is not None:
                raise copy.copy(refresh.failure)  # this refresh's one login attempt failed: no second one
            self._token = None
            try:
                token = self._login()
            except ProviderError as err:
                if refresh is not None:
                    refresh.failure = err
                if isinstance(err, KeyRejected | NoAccess | RateLimited):
                    self._login_failure = (now, err)
                raise
            self._login_failure = None
            self._token, self._token_at = token, self._clock()
            return token

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    @staticmethod
    def _worth_new_login(err: ProviderError) -> bool:
        if isinstance(err, KeyRejected):
            return True  # expired or revoked token
        # a bare 403 (say, an nginx page) may be a token problem too; "Invalid scope" is the plan talking
        return isinstance(err, NoAccess) and err.status == 403 and not err.stated_by_provider

    def _get(self, endpoint: str, path: str, params: Mapping[str, str | int | float], *, use_cache: bool = True) -> Any:
        if use_cache:
            cached = cached_json(self._session, f"{self._base}{path}", params=params, endpoint_name=endpoint)
            if cached is not None:
                return cached  # no login for an answer the cache holds
        token = self._current_token()
        try:
            return self._get_with(token, endpoint, path, params, use_cache)
        except ProviderError as err:
            if not self._worth_new_login(err):
                raise
        token = self._current_token(stale=token)
        return self._get_with(token, endpoint, path, params, use_cache)

    def _get_with(
        self, token: str, endpoint: str, path: str, params: Mapping[str, str | int | float], use_cache: bool
    ) -> Any:
        return get_json(
            self._session,
            f"{self._base}{path}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=(self._timeout_s, self._timeout_s),
            deadline_s=self._deadline_s,
            endpoint_name=endpoint,
            use_cache=use_cache,
            secrets=(self._password,),  # an answer echoing it is never cached (covers user:password in any encoding)
            max_bytes=ANSWER_LIMITS.get(endpoint, SERIES_ANSWER_BYTES),
        )

    # --- parsing ---------------------------------------------------------------------------------------------

    @staticmethod
    def _moer_points(body: Any, *, endpoint: str) -> tuple[SignalPoint, ...]:
        top = expect_mapping(body)
        meta = top.get("meta")
        units = meta.get("units") if isinstance(meta, Mapping) else None
        if units != UNITS_LBS_PER_MWH:
            raise BadResponse(endpoint=endpoint)  # refuse to guess a conversion
        points = []
        for item in expect_list(top["data"]):
            entry = expect_mapping(item)
            lbs = provider_number(entry.get("value"))  # checked by sources.live against core.plausibility
            points.append(
                SignalPoint(
                    time=parse_timestamp(entry["point_time"]),
                    value=None if lbs is None else lbs * LBS_PER_MWH_TO_G_PER_KWH,
                    estimated=entry.get("imputed_data_used") is True,
                )
            )
        return tuple(sorted(points, key=lambda p: p.time))

    @staticmethod
    def _utc_iso(moment: datetime) -> str:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("WattTime needs timestamps with a time zone")
        return moment.astimezone(UTC).isoformat()

    # --- public endpoints ------------------------------------------------------------------------------------

    def region_from_loc(self, lat: float, lon: float, signal_type: str | None = None) -> str:
        """GET /v3/region-from-loc: the WattTime region (e.g. "CAISO_NORTH") covering a point.
        Raises UnknownZone("no WattTime coverage here") where WattTime has none."""
        params = {"latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}", "signal_type": signal_type or self.signal_type}
        try:
            body = self._get(EP_REGION, "/v3/region-from-loc", params)
        except UnknownZone as err:
            raise UnknownZone(MSG_NO_WATTTIME_COVERAGE, endpoint=EP_REGION, status=err.status) from None

        def parse(raw: Any) -> str:
            top = expect_mapping(raw)
            region = top.get("region")
            if isinstance(region, str) and region:
                return region
            if "error" in top:  # the no-coverage answer, should it come with status 200
                raise UnknownZone(MSG_NO_WATTTIME_COVERAGE, endpoint=EP_REGION)
            raise BadResponse(endpoint=EP_REGION)

        return parse_with(EP_REGION, parse, body)

    def signal_index(self, region: str) -> SignalIndex:
        """GET /v3/signal-index: a 0–100 percentile (see `SignalIndex`), not an intensity."""
        body = self._get(EP_INDEX, "/v3/signal-index", {"region": region, "signal_type": self.signal_type})

        def parse(raw: Any) -> SignalIndex:
            top = expect_mapping(raw)
            meta = top.get("meta")
            units = meta.get("units") if isinstance(meta, Mapping) else "percentile"
            if units != "percentile":
                raise BadResponse(endpoint=EP_INDEX)
            entry = expect_mapping(expect_list(top["data"])[0])
            value = number_or_none(entry.get("value"))
            if value is not None and not 0.0 <= value <= 100.0:
                raise BadResponse(endpoint=EP_INDEX)
            return SignalIndex(time=parse_timestamp(entry["point_time"]), percentile=value, region=region)

        return parse_with(EP_INDEX, parse, body)

    def forecast(self, region: str, horizon_hours: int = 24) -> tuple[SignalPoint, ...]:
        """GET /v3/forecast: MOER in gCO2e/kWh every 5 minutes; the first point is the current period."""
        params: dict[str, str | int | float] = {
            "region": region,
            "signal_type": self.signal_type,
            "horizon_hours": int(horizon_hours),
        }
        body = self._get(EP_FORECAST, "/v3/forecast", params)
        return parse_with(EP_FORECAST, lambda raw: self._moer_points(raw, endpoint=EP_FORECAST), body)

    def historical(self, region: str, start: datetime, end: datetime) -> tuple[SignalPoint, ...]:
        """GET /v3/historical: MOER in gCO2e/kWh between two aware datetimes; imputed points are `estimated`."""
        params = {
            "region": region,
            "signal_type": self.signal_type,
            "start": self._utc_iso(start),
            "end": self._utc_iso(end),
        }
        body = self._get(EP_HISTORICAL, "/v3/historical", params)
        return parse_with(EP_HISTORICAL, lambda raw: self._moer_points(raw, endpoint=EP_HISTORICAL), body)

    def my_access(self) -> dict[str, Any]:
        """GET /v3/my-access, as sent: which signal types, regions, endpoints and models this account may use."""
        body = self._get(EP_ACCESS, "/v3/my-access", {})
        if not isinstance(body, dict) or not isinstance(body.get("signal_types"), list):
            raise BadResponse(endpoint=EP_ACCESS)
        return body

    def check_key(self) -> str:
        """A fresh login, then /v3/my-access, both bypassing the cache. Returns "accepted", "rejected",
        "no access to this endpoint", or a short message ("offline", "timed out", ...)."""
        try:
            token = self._current_token(force=True)
            self._get_with(token, EP_ACCESS, "/v3/my-access", {}, use_cache=False)
        except KeyRejected:
            return KEY_REJECTED
        except NoAccess:
            return KEY_NO_ACCESS
        except ProviderError as err:
            return err.message
        return KEY_ACCEPTED


__all__ = [
    "DEFAULT_BASE_URL",
    "EP_FORECAST",
    "EP_HISTORICAL",
    "EP_INDEX",
    "EP_LOGIN",
    "EP_REGION",
    "KEY_ACCEPTED",
    "KEY_NO_ACCESS",
    "KEY_REJECTED",
    "SOURCE",
    "TOKEN_REFRESH_S",
    "TOKEN_VALID_S",
    "SignalIndex",
    "WattTimeClient",
    "one_login_per_refresh",
]

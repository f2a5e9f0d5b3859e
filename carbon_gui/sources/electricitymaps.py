"""Electricity Maps API v3 client: carbon intensity (latest, 24 h history, forecast) and power mix.

Every request sends the key in the `auth-token` header (never in the URL, so it never reaches the
cache key, a log line or an error message). Each method raises a `ProviderError` subclass on
failure; `sources.live.LiveFetcher` turns the answers of many zones into `GridSignal`s. Values come as
sent (out-of-range numbers, NaN and numbers written as strings too): the fetcher checks every answer against
`core.plausibility` before it becomes part of a signal.

A zone is named either by its Electricity Maps key (`zone="NL"`) or by a Google Cloud region
(`gcp_region="europe-west4"`, sent as `dataCenterProvider=gcp&dataCenterRegion=...`), which lets the
provider pick the zone it maps that data centre to.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from carbon_gui.core.plausibility import provider_number
from carbon_gui.core.signals import PowerMix, SignalKind, SignalPoint
from carbon_gui.sources.http import (
    SERIES_ANSWER_BYTES,
    SMALL_ANSWER_BYTES,
    expect_list,
    expect_mapping,
    get_json,
    parse_timestamp,
    parse_with,
)
from carbon_gui.sources.provider_errors import KeyRejected, NoAccess, ProviderError

SOURCE = "Electricity Maps"
DEFAULT_BASE_URL = "https://api.electricitymaps.com/v3"

EP_LATEST = "carbon-intensity/latest"
EP_HISTORY = "carbon-intensity/history"
EP_FORECAST = "carbon-intensity/forecast"
EP_MIX_LATEST = "power-breakdown/latest"
EP_MIX_HISTORY = "power-breakdown/history"

# the largest answer each endpoint may send (see sources.http); the real ones are ~1 KB and some tens of KB
ANSWER_LIMITS = {
    EP_LATEST: SMALL_ANSWER_BYTES,
    EP_MIX_LATEST: SMALL_ANSWER_BYTES,
    EP_HISTORY: SERIES_ANSWER_BYTES,
    EP_FORECAST: SERIES_ANSWER_BYTES,
    EP_MIX_HISTORY: SERIES_ANSWER_BYTES,
}

KEY_ACCEPTED = "accepted"
KEY_REJECTED = "rejected"
KEY_NO_ACCESS = "no access to this endpoint"


def zone_params(zone: str | None = None, gcp_region: str | None = None) -> dict[str, str]:
    """Query parameters naming the zone: `zone=`, or `dataCenterProvider=gcp&dataCenterRegion=`."""
    if (zone is None) == (gcp_region is None):
        raise ValueError("give exactly one of zone and gcp_region")
    if zone is not None:
        return {"zone": zone}
    assert gcp_region is not None
    return {"dataCenterProvider": "gcp", "dataCenterRegion": gcp_region}


INTENSITY_LIST_KEYS = {EP_HISTORY: "history", EP_FORECAST: "forecast"}  # EP_LATEST answers one object


@dataclass(frozen=True)
class IntensitySeries:
    """One carbon-intensity answer: its points (oldest first; one for /latest), the zone the provider answered
    for, and the emission factor types it named ("lifecycle", "direct")."""

    points: tuple[SignalPoint, ...]
    zone: str | None
    factor_types: frozenset[str]


def signal_kind(factor_types: Iterable[str], requested: str | None = None) -> SignalKind:
    """AVERAGE_DIRECT when direct factors were asked for or named in an answer; lifecycle otherwise (the default)."""
    named = {f.lower() for f in factor_types}
    if "direct" in named or (requested is not None and requested.lower() == "direct"):
        return SignalKind.AVERAGE_DIRECT
    return SignalKind.AVERAGE_LIFECYCLE


class ElectricityMapsClient:
    """Calls Electricity Maps v3 with one shared (thread-safe) session. Safe to use from many threads."""

    source = SOURCE

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 10.0,
        deadline_s: float | None = None,
        emission_factor_type: str | None = None,
    ) -> None:
        """`timeout_s` is the connect and the read timeout; `deadline_s` bounds a whole call (default 3 × timeout_s).

        `emission_factor_type` ("lifecycle" or "direct") is sent when given; the provider's default is lifecycle.
        """
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._deadline_s = deadline_s if deadline_s is not None else 3 * timeout_s
        self._factor = emission_factor_type

    def __repr__(self) -> str:  # never shows the token
        return f"ElectricityMapsClient(base_url={self._base!r})"

    # --- raw calls -------------------------------------------------------------------------------------------

    def _get(self, endpoint: str, params: Mapping[str, str], *, use_cache: bool = True) -> Any:
        query = dict(params)
        if self._factor is not None:
            query["emissionFactorType"] = self._factor
        return get_json(
            self._session,
            f"{self._base}/{endpoint}",
            params=query,
            headers={"auth-token": self._token},
            timeout=(self._timeout_s, self._timeout_s),
            deadline_s=self._deadline_s,
            endpoint_name=endpoint,
            use_cache=use_cache,
            max_bytes=ANSWER_LIMITS.get(endpoint, SERIES_ANSWER_BYTES),
        )

    # --- parsing ---------------------------------------------------------------------------------------------

    @staticmethod
    def _point(item: object, *, value_key: str = "carbonIntensity") -> SignalPoint:
        entry = expect_mapping(item)
        estimated = entry.get("isEstimated")
        return SignalPoint(
            time=parse_timestamp(entry["datetime"]),
            value=provider_number(entry.get(value_key)),
            estimated=estimated is True,
        )

    @staticmethod
    def _factor_type(item: object) -> set[str]:
        if isinstance(item, Mapping) and isinstance(item.get("emissionFactorType"), str):
            return {item["emissionFactorType"].lower()}
        return set()

    @staticmethod
    def _zone_of(body: Mapping[str, Any]) -> str | None:
        zone = body.get("zone")
        return zone if isinstance(zone, str) and zone else None

    @staticmethod
    def _mix(item: object) -> PowerMix:
        entry = expect_mapping(item)
        production = expect_mapping(entry["powerProductionBreakdown"])
        return PowerMix(
            time=parse_timestamp(entry["datetime"]),
            production_mw={str(source): provider_number(mw) for source, mw in production.items()},
            estimated=entry.get("isEstimated") is True,
        )

    # --- public endpoints ------------------------------------------------------------------------------------

    @property
    def emission_factor_type(self) -> str | None:
        """The factor type sent with every request, or None (the provider's default, lifecycle)."""
        return self._factor

    def intensity(self, endpoint: str, zone: str | None = None, *, gcp_region: str | None = None) -> IntensitySeries:
        """GET one of /carbon-intensity/latest, /history, /forecast (EP_LATEST, EP_HISTORY, EP_FORECAST) with
        what the answer says about itself (zone, emission factor type). gCO2e/kWh, None where null."""
        if endpoint != EP_LATEST and endpoint not in INTENSITY_LIST_KEYS:
            raise ValueError(f"not a carbon-intensity endpoint: {endpoint}")
        list_key = INTENSITY_LIST_KEYS.get(endpoint)

        def parse(body: Any) -> IntensitySeries:
            top = expect_mapping(body)
            items = [top] if list_key is None else expect_list(top[list_key])
            points = sorted((self._point(item) for item in items), key=lambda p: p.time)
            factors: set[str] = set()
            for item in items:
                factors |= self._factor_type(item)
            return IntensitySeries(tuple(points), self._zone_of(top), frozenset(factors))

        return parse_with(endpoint, parse, self._get(endpoint, zone_params(zone, gcp_region)))

    def latest(self, zone: str | None = None, *, gcp_region: str | None = None) -> SignalPoint:
        """GET /carbon-intensity/latest: gCO2e/kWh (None when the provider sent null), with isEstimated."""
        return self.intensity(EP_LATEST, zone, gcp_region=gcp_region).points[0]

    def latest_for_gcp_region(self, region: str) -> SignalPoint:
        return self.latest(gcp_region=region)

    def history(self, zone: str | None = None, *, gcp_region: str | None = None) -> tuple[SignalPoint, ...]:
        """GET /carbon-intensity/history: the last 24 h, hourly, oldest first; nulls kept as None."""
        return self.intensity(EP_HISTORY, zone, gcp_region=gcp_region).points

    def forecast(self, zone: str | None = None, *, gcp_region: str | None = None) -> tuple[SignalPoint, ...]:
        """GET /carbon-intensity/forecast (commercial plans only: expect NoAccess on a free key)."""
        return self.intensity(EP_FORECAST, zone, gcp_region=gcp_region).points

    def power_breakdown_latest(self, zone: str | None = None, *, gcp_region: str | None = None) -> PowerMix:
        """GET /power-breakdown/latest: production by source, MW."""
        return parse_with(EP_MIX_LATEST, self._mix, self._get(EP_MIX_LATEST, zone_params(zone, gcp_region)))

    def power_breakdown_history(
        self, zone: str | None = None, *, gcp_region: str | None = None
    ) -> tuple[PowerMix, ...]:
        """GET /power-breakdown/history: production by source, MW, last 24 h, oldest first."""

        def parse(body: Any) -> tuple[PowerMix, ...]:
            items = expect_list(expect_mapping(body)["history"])
            return tuple(sorted((self._mix(item) for item in items), key=lambda m: m.time))

        return parse_with(EP_MIX_HISTORY, parse, self._get(EP_MIX_HISTORY, zone_params(zone, gcp_region)))

    def check_key(self, zone: str = "DE") -> str:
        """Ask /carbon-intensity/latest for `zone`, bypassing the cache. Returns "accepted", "rejected",
        "no access to this endpoint", or a short message ("offline", "timed out", "rate-limited, ...")."""
        try:
            self._get(EP_LATEST, {"zone": zone}, use_cache=False)
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
    "EP_HISTORY",
    "EP_LATEST",
    "EP_MIX_HISTORY",
    "EP_MIX_LATEST",
    "KEY_ACCEPTED",
    "KEY_NO_ACCESS",
    "KEY_REJECTED",
    "SOURCE",
    "ElectricityMapsClient",
    "IntensitySeries",
    "signal_kind",
    "zone_params",
]

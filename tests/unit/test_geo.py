"""core.geo: distances, the latency estimate, coordinates and Location validation."""

import math

import pytest

from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import (
    EARTH_RADIUS_KM,
    LATENCY_METHOD,
    Location,
    estimate_rtt_ms,
    great_circle_km,
    parse_coordinates,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)


def test_paris_london() -> None:
    assert great_circle_km(*PARIS, *LONDON) == pytest.approx(344, abs=5)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert great_circle_km(*PARIS, *LONDON) == pytest.approx(great_circle_km(*LONDON, *PARIS))
    assert great_circle_km(*PARIS, *PARIS) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("a", "b"), [((0.0, 0.0), (0.0, 180.0)), ((90.0, 0.0), (-90.0, 0.0)), ((45.0, 10.0), (-45.0, -170.0))]
)
def test_antipodes_are_half_the_circumference(a: tuple[float, float], b: tuple[float, float]) -> None:
    d = great_circle_km(*a, *b)
    assert d == pytest.approx(20015, abs=1)
    assert d == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_quarter_circle_along_the_equator() -> None:
    assert great_circle_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)


def test_longitude_wraps_across_the_date_line() -> None:
    assert great_circle_km(0.0, 179.0, 0.0, -179.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360 * 2)


def test_rtt_formula() -> None:
    # 2 x distance x 1.5 route factor / 200 km per ms + 5 ms.
    assert estimate_rtt_ms(0.0) == pytest.approx(5.0)
    assert estimate_rtt_ms(1000.0) == pytest.approx(20.0)
    assert estimate_rtt_ms(344.0) == pytest.approx(2 * 344 * 1.5 / 200 + 5)
    assert "1.5" in LATENCY_METHOD
    assert "200" in LATENCY_METHOD


def test_rtt_grows_with_distance() -> None:
    assert estimate_rtt_ms(100.0) < estimate_rtt_ms(1000.0) < estimate_rtt_ms(10000.0)


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("48.85, 2.35", 48.85, 2.35),
        ("48.85,2.35", 48.85, 2.35),
        ("  -33.87 ,  151.21 ", -33.87, 151.21),
        ("48.85; 2.35", 48.85, 2.35),
        ("90, -180", 90.0, -180.0),
    ],
)
def test_parse_coordinates_accepts_two_numbers(text: str, lat: float, lon: float) -> None:
    loc = parse_coordinates(text)
    assert loc is not None
    assert (loc.lat, loc.lon) == (lat, lon)
    assert loc.source == "coordinates"


@pytest.mark.parametrize("text", ["Paris", "", "48.85", "1, 2, 3", "north, east", "Paris, FR", "48.85 2.35"])
def test_parse_coordinates_rejects_other_text(text: str) -> None:
    assert parse_coordinates(text) is None


@pytest.mark.parametrize("text", ["91, 0", "0, 181", "-90.5, 0", "nan, 0", "inf, 0"])
def test_parse_coordinates_out_of_range_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="out of range"):
        parse_coordinates(text)


@pytest.mark.parametrize(
    ("lat", "lon"), [(90.01, 0.0), (-90.01, 0.0), (0.0, 180.01), (0.0, -180.01), (math.nan, 0.0), (0.0, math.nan)]
)
def test_location_out_of_range_raises(lat: float, lon: float) -> None:
    with pytest.raises(InputError, match="latitude"):
        Location("x", lat, lon)


def test_location_on_the_edges_is_fine() -> None:
    for lat, lon in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)]:
        assert Location("edge", lat, lon).lat == lat

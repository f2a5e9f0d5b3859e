"""The plausible ranges and the check every live answer goes through (core.plausibility), at their edges."""

import math
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from carbon_gui.core.plausibility import (
    INTENSITY_RANGES,
    power_range,
    provider_number,
    screen_mixes,
    screen_points,
)
from carbon_gui.core.signals import PowerMix, SignalKind, SignalPoint

T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)


def points(*values: float | None) -> tuple[SignalPoint, ...]:
    return tuple(SignalPoint(T0 + timedelta(hours=i), v) for i, v in enumerate(values))


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        (SignalKind.AVERAGE_LIFECYCLE, (0.0, 1200.0, 2000.0), (-0.1, 2000.5, math.nan, math.inf)),
        (SignalKind.AVERAGE_DIRECT, (0.0, 2000.0), (-5.0, 1e9)),
        (SignalKind.MARGINAL, (0.0, 1500.0), (-2.27, 1500.1, -math.inf)),
    ],
)
def test_intensity_ranges_per_kind(kind: SignalKind, allowed: tuple[float, ...], refused: tuple[float, ...]) -> None:
    plausible = INTENSITY_RANGES[kind]
    assert all(plausible.allows(v) for v in allowed)
    assert not any(plausible.allows(v) for v in refused)


def test_storage_may_charge_but_generation_is_never_negative() -> None:
    assert power_range("battery discharge").allows(-50.0) and power_range("hydro discharge").allows(-50.0)
    assert not power_range("coal").allows(-50.0) and power_range("coal").allows(0.0)
    assert not power_range("battery discharge").allows(1e9)


@pytest.mark.parametrize(("raw", "read"), [(None, None), (274, 274.0), (-5, -5.0), ("NaN", math.nan), ("1e9", 1e9)])
def test_provider_number_keeps_what_the_check_must_see(raw: object, read: float | None) -> None:
    value = provider_number(raw)
    if read is None or not math.isnan(read):
        assert value == read
    else:
        assert value is not None and math.isnan(value)


@pytest.mark.parametrize("raw", [True, "abc", [1], {"v": 1}])
def test_provider_number_refuses_a_wrong_shape(raw: object) -> None:
    with pytest.raises(TypeError):
        provider_number(raw)


def test_a_partly_refused_series_keeps_its_time_grid() -> None:
    screened = screen_points(points(300.0, -5.0, None, 2500.0), SignalKind.AVERAGE_LIFECYCLE, source="S", zone="Z",
                             part="history")  # fmt: skip
    assert [p.value for p in screened.items] == [300.0, None, None, None]
    assert [p.time for p in screened.items] == [p.time for p in points(0, 0, 0, 0)]
    assert screened.problem is None
    assert screened.note == "history: 2 of 4 values refused (-5, 2500 gCO₂e/kWh; plausible 0–2000)"


def test_a_part_with_nothing_usable_is_refused_with_a_reason() -> None:
    check = partial(screen_points, kind=SignalKind.MARGINAL, source="WattTime", zone="CAISO_NORTH", part="forecast")
    nulls = check(points(None, None))
    assert nulls.items == () and nulls.problem == "WattTime returned no MOER forecast for CAISO_NORTH (all values null)"
    mixed = check(points(None, -1.0))
    assert mixed.items == () and mixed.problem == (
        "WattTime reported only implausible forecast values for CAISO_NORTH "
        "(1 of 2, e.g. -1 gCO₂e/kWh; plausible 0–1500): forecast refused"
    )


def test_a_mix_with_one_refused_figure_is_left_out_whole() -> None:
    good = PowerMix(T0, {"coal": 800.0, "wind": None})
    bad = PowerMix(T0 + timedelta(hours=1), {"coal": -300.0, "wind": 50.0})
    screened = screen_mixes((good, bad), source="S", zone="Z")
    assert screened.items == (good,)
    assert screened.note == "power mix: 1 of 2 refused (-300 MW of coal; plausible 0–10000000)"
    only_bad = screen_mixes((bad,), source="S", zone="Z")
    assert only_bad.items == () and only_bad.problem is not None and "power mix refused" in only_bad.problem

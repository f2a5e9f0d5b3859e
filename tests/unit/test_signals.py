"""forecast_mean weights each point by its overlap with the run; merged() keeps each part's receive time."""

from datetime import UTC, datetime, timedelta

import pytest

from carbon_gui.core.live_carbon import describe_age
from carbon_gui.core.signals import (
    PART_FORECAST,
    PART_HISTORY,
    PART_INDEX,
    PART_LATEST,
    PART_POWER,
    FetchProblem,
    GridSignal,
    PowerMix,
    RelativeIndex,
    SignalKind,
    SignalPoint,
    endpoint_part,
    forecast_mean,
)

T10 = datetime(2026, 3, 2, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)


def hourly(start: datetime, values: list[float | None]) -> tuple[SignalPoint, ...]:
    return tuple(SignalPoint(start + i * HOUR, v) for i, v in enumerate(values))


def with_forecast(points: tuple[SignalPoint, ...], *, is_replay: bool = False) -> GridSignal:
    return GridSignal("DE", "Electricity Maps", SignalKind.AVERAGE_LIFECYCLE, T10, forecast=points, is_replay=is_replay)


def test_a_run_starting_mid_hour_weights_the_current_and_next_hour_by_overlap():
    signal = with_forecast(hourly(T10, [100.0, 400.0, 900.0]))
    mean = forecast_mean(signal, T10 + timedelta(minutes=40), 1.0)
    assert mean is not None
    assert mean.value == pytest.approx((100 * 20 + 400 * 40) / 60)  # 10:00 for 20 min, 11:00 for 40 min
    assert mean.covered_hours == pytest.approx(1.0)
    assert mean.covers_run and mean.window() == "over the next 1 h"
    assert mean.estimated  # a forecast is an estimate


def test_the_mean_moves_smoothly_with_the_start_time():
    signal = with_forecast(hourly(T10, [100.0, 400.0, 900.0]))
    means = [forecast_mean(signal, T10 + timedelta(minutes=m), 1.0) for m in (0, 1, 59, 60)]
    assert all(m is not None for m in means)
    values = [m.value for m in means if m is not None]
    assert values[0] == pytest.approx(100.0)
    assert values[1] == pytest.approx((100 * 59 + 400 * 1) / 60)
    assert values[2] == pytest.approx((100 * 1 + 400 * 59) / 60)
    assert values[3] == pytest.approx(400.0)


def test_the_step_follows_the_points_spacing():
    five_min = tuple(SignalPoint(T10 + timedelta(minutes=5 * i), 100.0 + i) for i in range(24))  # 2 h
    mean = forecast_mean(with_forecast(five_min), T10, 1.0)
    assert mean is not None
    assert mean.value == pytest.approx(sum(100.0 + i for i in range(12)) / 12)
    assert mean.covered_hours == pytest.approx(1.0)


def test_a_forecast_shorter_than_the_run_says_how_much_it_covers():
    signal = with_forecast(hourly(T10, [100.0, 200.0, 300.0, 400.0, 500.0]))  # covers 10:00-15:00
    mean = forecast_mean(signal, T10 + timedelta(minutes=30), 6.0)  # run 10:30-16:30
    assert mean is not None
    assert mean.covered_hours == pytest.approx(4.5)
    assert not mean.covers_run
    assert mean.window() == "over the 4.5 h the forecast covers (run is 6 h)"
    assert mean.value == pytest.approx((100 * 0.5 + 200 + 300 + 400 + 500) / 4.5)


@pytest.mark.parametrize(
    ("values", "hours", "usable"),
    [
        ([100.0] * 24, 48.0, False),  # 24 of 48 h: half the run is no stand-in
        ([100.0] * 36, 48.0, True),  # a quarter missing is tolerated
        ([100.0] * 35, 48.0, False),
        ([100.0] * 5, 6.0, True),  # one hour missing is tolerated for short runs
        ([100.0] * 4, 6.0, False),
        ([], 1.0, False),
        ([None, None], 1.0, False),  # null values cover nothing
    ],
)
def test_too_little_coverage_gives_none(values: list[float | None], hours: float, usable: bool):
    mean = forecast_mean(with_forecast(hourly(T10, values)), T10, hours)
    assert (mean is not None) is usable


def test_a_one_hour_run_needs_at_least_half_an_hour_covered():
    signal = with_forecast(hourly(T10 + HOUR, [100.0]))  # starts at the next hour
    assert forecast_mean(signal, T10 + timedelta(minutes=31), 1.0) is not None  # 31 of 60 min covered
    assert forecast_mean(signal, T10 + timedelta(minutes=10), 1.0) is None  # 10 of 60 min covered


def test_null_points_and_gaps_are_not_counted_as_covered():
    later = hourly(T10 + 3 * HOUR, [300.0] * 5)  # 13:00-18:00
    points = (*hourly(T10, [100.0, None]), *later)  # 11:00 null, 12:00 missing
    mean = forecast_mean(with_forecast(points), T10, 8.0)
    assert mean is not None
    assert mean.covered_hours == pytest.approx(6.0)
    assert mean.value == pytest.approx((100 + 300 * 5) / 6)


def test_a_replay_mean_is_not_an_estimate_unless_its_points_are():
    assert not forecast_mean(with_forecast(hourly(T10, [1.0, 2.0]), is_replay=True), T10, 2.0).estimated
    flagged = (SignalPoint(T10, 1.0, estimated=True), SignalPoint(T10 + HOUR, 2.0))
    assert forecast_mean(with_forecast(flagged, is_replay=True), T10, 2.0).estimated


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "age unknown"),
        (-3600, "in the future"),
        (-30, "0 min old"),  # within clock skew
        (0, "0 min old"),
        (89 * 60 + 59, "89 min old"),
        (90 * 60, "1.5 h old"),
        (10 * 3600 - 1, "9.9 h old"),
        (10 * 3600, "10 h old"),
        (48 * 3600 - 1, "47 h old"),
        (48 * 3600, "2 days old"),
        (10 * 86400, "10 days old"),
    ],
)
def test_describe_age_boundaries(seconds: float | None, text: str):
    assert describe_age(seconds) == text


@pytest.mark.parametrize(
    ("endpoint", "part"),
    [
        ("carbon-intensity/latest", PART_LATEST),
        ("carbon-intensity/history", PART_HISTORY),
        ("historical", PART_HISTORY),
        ("carbon-intensity/forecast", PART_FORECAST),
        ("forecast", PART_FORECAST),
        ("power-breakdown/latest", PART_POWER),
        ("power-breakdown/history", PART_POWER),
        ("signal-index", PART_INDEX),
        ("login", None),
        ("region", None),
    ],
)
def test_endpoint_part(endpoint: str, part: str | None):
    assert endpoint_part(endpoint) == part


T_OLD = T10 - timedelta(minutes=15)


def full_signal(at: datetime) -> GridSignal:
    return GridSignal(
        "DE",
        "Electricity Maps",
        SignalKind.AVERAGE_LIFECYCLE,
        at,
        latest=SignalPoint(at, 300.0),
        history=hourly(at - 3 * HOUR, [1.0, 2.0, 3.0]),
        forecast=hourly(at, [4.0, 5.0]),
        power_mix=(PowerMix(at, {"wind": 10.0}),),
        index=RelativeIndex(at, 40.0),
    )


def test_merged_keeps_the_old_receive_time_for_kept_parts_only():
    old = full_signal(T_OLD)  # no part times: every part counts as received at fetched_at
    problem = FetchProblem("carbon-intensity/forecast", "rate-limited")
    newer = GridSignal(
        "DE",
        "Electricity Maps",
        SignalKind.AVERAGE_LIFECYCLE,
        T10,
        latest=SignalPoint(T10, 250.0),
        history=hourly(T10 - 2 * HOUR, [7.0, 8.0]),
        problems=(problem,),
        part_times={PART_LATEST: T10, PART_HISTORY: T10},
    )
    merged = old.merged(newer)
    assert merged.fetched_at == T10
    assert merged.latest == SignalPoint(T10, 250.0)
    assert merged.forecast == old.forecast and merged.power_mix == old.power_mix and merged.index == old.index
    assert merged.part_times == {
        PART_LATEST: T10,
        PART_HISTORY: T10,
        PART_FORECAST: T_OLD,
        PART_POWER: T_OLD,
        PART_INDEX: T_OLD,
    }
    assert merged.part_problems(PART_FORECAST) == (problem,)
    assert merged.part_problems(PART_LATEST) == ()


def test_part_time_falls_back_to_fetched_at_only_without_part_times():
    assert full_signal(T10).part_time(PART_POWER) == T10
    with_times = GridSignal("DE", "x", SignalKind.MARGINAL, T10, part_times={PART_FORECAST: T_OLD})
    assert with_times.part_time(PART_FORECAST) == T_OLD
    assert with_times.part_time(PART_POWER) is None


def test_a_second_merge_keeps_the_first_receive_time():
    first = full_signal(T_OLD)
    empty = GridSignal("DE", "Electricity Maps", SignalKind.AVERAGE_LIFECYCLE, T10)
    later = GridSignal("DE", "Electricity Maps", SignalKind.AVERAGE_LIFECYCLE, T10 + HOUR)
    twice = first.merged(empty).merged(later)
    assert twice.latest == first.latest
    assert twice.part_time(PART_LATEST) == T_OLD

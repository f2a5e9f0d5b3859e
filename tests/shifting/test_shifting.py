"""core.shifting against a plain loop over every region and start, on random series (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_gui.core.shifting import plan_shift, savings, window_sums


def _loop_sum(series: list[float], start: int, run_hours: float) -> float:
    """Intensity x hours over [start, start + run_hours), hour by hour, the last hour in part."""
    total, t = 0.0, 0.0
    while t < run_hours - 1e-12:
        share = min(1.0, run_hours - t)
        total += series[start + int(t)] * share
        t += share
    return total


@st.composite
def _cases(draw: st.DrawFn) -> tuple[np.ndarray, float, float]:
    regions = draw(st.integers(1, 5))
    deadline = round(draw(st.floats(1.0, 30.0)), 2)
    run = min(max(round(draw(st.floats(0.1, deadline)), 2), 0.1), deadline)
    hours = math.ceil(deadline) + draw(st.integers(0, 3))
    values = draw(st.lists(st.floats(0, 1000), min_size=regions * hours, max_size=regions * hours))
    series = np.array(values, dtype=float).reshape(regions, hours)
    holes = draw(st.lists(st.tuples(st.integers(0, regions - 1), st.integers(0, hours - 1)), max_size=3))
    for r, h in holes:
        series[r, h] = np.nan
    return series, run, deadline


@settings(max_examples=300, deadline=None)
@given(_cases())
def test_every_window_matches_a_plain_loop(case: tuple[np.ndarray, float, float]) -> None:
    series, run, deadline = case
    kwh = np.linspace(0.5, 2.0, series.shape[0])
    plan = plan_shift(series, series * 0.8, series * 1.2, run, deadline, kwh)
    starts = math.floor(deadline - run + 1e-9) + 1
    assert list(plan.starts_h) == list(range(starts))
    best: tuple[float, int, int] | None = None
    for r in range(series.shape[0]):
        for s in range(starts):
            window = series[r, s : math.ceil(s + run - 1e-12)]  # the hours the run touches
            expected = math.nan if np.isnan(window).any() else _loop_sum(list(series[r]), s, run) * kwh[r] / 1000
            if math.isnan(expected):
                assert math.isnan(plan.emissions_kg[r, s])
            else:
                assert plan.emissions_kg[r, s] == pytest.approx(expected, rel=1e-9, abs=1e-9)
                assert plan.low_kg[r, s] == pytest.approx(expected * 0.8, rel=1e-9, abs=1e-9)
                assert plan.high_kg[r, s] == pytest.approx(expected * 1.2, rel=1e-9, abs=1e-9)
                if best is None or expected < best[0] - 1e-9:
                    best = (expected, r, s)
    found = plan.best()
    if best is None:
        assert found is None
    else:
        assert found is not None
        assert found.emissions_kg == pytest.approx(best[0], rel=1e-9, abs=1e-9)


def test_the_clean_hours_win_and_savings_are_against_starting_now() -> None:
    dirty_then_clean = np.array([[400.0, 400, 400, 100, 100, 100, 400, 400]])
    plan = plan_shift(dirty_then_clean, dirty_then_clean, dirty_then_clean, 2.5, 8, np.array([1.0]))
    best, now = plan.best(), plan.now(0)
    assert best is not None and now is not None
    assert best.start_h == 3  # 100 + 100 + 0.5 x 100
    assert best.emissions_kg == pytest.approx(0.25)
    assert now.emissions_kg == pytest.approx(1.0)
    assert savings(best, now) == (pytest.approx(0.75), pytest.approx(75.0))


def test_a_fractional_run_pays_only_its_share_of_the_last_hour() -> None:
    series = np.array([[10.0, 20.0, 1000.0]])
    assert window_sums(series, 1.25, 2)[0].tolist() == pytest.approx([10 + 0.25 * 20, 20 + 0.25 * 1000])


def test_a_run_longer_than_the_deadline_is_refused() -> None:
    series = np.ones((1, 5))
    with pytest.raises(ValueError, match="cannot finish within"):
        plan_shift(series, series, series, 6, 5, np.array([1.0]))


def test_a_flat_series_starts_now_despite_rounding_in_the_sums() -> None:
    flat = np.full((2, 72), 123.456789)
    plan = plan_shift(flat, flat, flat, 3.3, 72, np.array([0.7, 0.9]))
    best = plan.best()
    assert best is not None and (best.region, best.start_h) == (0, 0)
    in_second = plan.best_in_region(1)
    assert in_second is not None and in_second.start_h == 0

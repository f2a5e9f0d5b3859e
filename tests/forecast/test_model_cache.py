"""The own forecaster is fitted once per zone and day: a re-plan only predicts, and gives what a cold plan gives."""

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from carbon_gui import time_planning
from carbon_gui.core.forecast import ModelCache
from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import GridHistory, load_hourly_history
from carbon_gui.time_planning import TimePlan, plan_when

MORNING = datetime(2026, 6, 10, 7, 20, tzinfo=UTC)
REGIONS = ("europe-west2", "us-west2")  # two zones with bundled hours (GB, US-CAL-CISO)


@pytest.fixture(scope="module")
def history() -> GridHistory:
    return load_hourly_history()


def _plan(reference: ReferenceData, history: GridHistory, now: datetime) -> TimePlan:
    request = PlanRequest("n1-standard-8", 5, Location("Paris", 48.85, 2.35, "test"))
    return plan_when(reference, request, now + timedelta(hours=48), parse_weights("carbon=1"), Constraints(), now,
                     REGIONS, history=history)  # fmt: skip


def _series(plan: TimePlan) -> list[np.ndarray]:
    return [getattr(w.series, part) for w in plan.regions for part in ("expected", "low", "high")]


def test_a_replan_the_same_day_fits_nothing_and_matches_a_cold_plan(
    reference: ReferenceData, history: GridHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time_planning, "MODELS", ModelCache())
    _plan(reference, history, MORNING)
    fits = time_planning.MODELS.fits
    assert fits == len(REGIONS)

    later = MORNING + timedelta(hours=9)  # same UTC day: the day's models serve, the new hours enter as features
    warm = _plan(reference, history, later)
    assert time_planning.MODELS.fits == fits
    monkeypatch.setattr(time_planning, "MODELS", ModelCache())
    cold = _plan(reference, history, later)
    for a, b in zip(_series(warm), _series(cold), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [w.best for w in warm.regions] == [w.best for w in cold.regions]
    assert not np.array_equal(_series(warm)[0], _series(_plan(reference, history, MORNING))[0])  # hours do count


def test_changed_history_or_a_new_day_is_fitted_anew(
    reference: ReferenceData, history: GridHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time_planning, "MODELS", ModelCache())
    _plan(reference, history, MORNING)
    fits = time_planning.MODELS.fits
    values = history.values.copy()
    values[: history.hour_of(time_planning.replay_moment(MORNING)) - 48] *= 1.5  # the fitted past, not today
    _plan(reference, dataclasses.replace(history, values=values), MORNING)
    assert time_planning.MODELS.fits == fits + len(REGIONS)
    _plan(reference, history, MORNING + timedelta(days=1))
    assert time_planning.MODELS.fits == fits + 2 * len(REGIONS)

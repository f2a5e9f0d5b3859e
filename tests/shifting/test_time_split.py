"""The plan sees only hours before the decision: changing the bundled future changes nothing, the past does."""

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np

from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import GridHistory, load_hourly_history
from carbon_gui.time_planning import TimePlan, plan_when, replay_moment

NOW = datetime(2026, 6, 10, 12, 30, tzinfo=UTC)


def _plan(reference: ReferenceData, history: GridHistory) -> TimePlan:
    request = PlanRequest("n1-standard-8", 5, Location("Paris", 48.85, 2.35, "test"))
    # two zones with bundled hours and one with Google's yearly figure keep the three plans quick
    regions = ("europe-west2", "us-west2", "us-central1")
    deadline, weights = NOW + timedelta(hours=40), parse_weights("carbon=1")
    return plan_when(reference, request, deadline, weights, Constraints(), NOW, regions, history=history)


def _decisions(plan: TimePlan) -> list[tuple[str, int | None, float | None]]:
    return [(w.facts.region.name, w.best and w.best.start_h, w.best and w.best.emissions_kg) for w in plan.regions]


def _scaled(history: GridHistory, rows: slice) -> GridHistory:
    values = history.values.copy()
    values[rows] *= 3
    return dataclasses.replace(history, values=values)


def test_the_future_cannot_change_the_plan_but_the_past_does(reference: ReferenceData) -> None:
    history = load_hourly_history()
    decision = history.hour_of(replay_moment(NOW.replace(minute=0)))
    before = _plan(reference, history)
    assert before.best is not None
    assert _decisions(_plan(reference, _scaled(history, slice(decision + 1, None)))) == _decisions(before)
    changed_past = _scaled(history, slice(decision - 24 * 3, decision + 1))
    assert not np.array_equal(changed_past.values, history.values)
    assert _decisions(_plan(reference, changed_past)) != _decisions(before)  # so the check above can fail

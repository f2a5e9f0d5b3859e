"""The plan sees only hours before the decision: changing the replayed future changes nothing, the past does."""

import dataclasses
from datetime import UTC, datetime, timedelta

from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import REPLAY_YEAR, ReplayData, load_replay
from carbon_gui.time_planning import TimePlan, plan_when

NOW = datetime(2026, 6, 10, 12, 30, tzinfo=UTC)
DECISION_HOUR = int((NOW.replace(year=REPLAY_YEAR, minute=0) - datetime(REPLAY_YEAR, 1, 1, tzinfo=UTC)).total_seconds()
                    // 3600)  # fmt: skip


def _plan(reference: ReferenceData, replay: ReplayData) -> TimePlan:
    request = PlanRequest("n1-standard-8", 5, Location("Paris", 48.85, 2.35, "test"))
    return plan_when(
        reference, request, NOW + timedelta(hours=40), parse_weights("carbon=1"), Constraints(), NOW, replay=replay
    )


def _decisions(plan: TimePlan) -> list[tuple[str, int | None, float | None]]:
    return [(w.facts.region.name, w.best and w.best.start_h, w.best and w.best.emissions_kg) for w in plan.regions]


def _scaled(replay: ReplayData, hours: range) -> ReplayData:
    values = {
        zone: [v * 3 if (v is not None and i in hours) else v for i, v in enumerate(series)]
        for zone, series in replay.values.items()
    }
    return dataclasses.replace(replay, values=values)


def test_the_future_cannot_change_the_plan_but_the_past_does(reference: ReferenceData) -> None:
    replay = load_replay()
    before = _plan(reference, replay)
    assert before.best is not None
    future = _scaled(replay, range(DECISION_HOUR + 1, DECISION_HOUR + 24 * 10))
    assert _decisions(_plan(reference, future)) == _decisions(before)
    past = _scaled(replay, range(DECISION_HOUR - 24 * 3, DECISION_HOUR + 1))
    assert _decisions(_plan(reference, past)) != _decisions(before)  # so the check above can fail

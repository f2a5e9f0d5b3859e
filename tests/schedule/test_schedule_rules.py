"""jobs/schedule.py's rules with a fixed clock: due, missed, the start checks, and when a re-plan is reported."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.core.errors import InputError
from carbon_gui.jobs import schedule
from carbon_gui.jobs.request import LaunchRequest

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _job(suffix: str, start: datetime | None, state: str = "scheduled") -> JobRecord:
    return JobRecord(id=f"cg-20261205-100000-{suffix}", target="local", region="europe-west4", display_name="x",
                     machine_type="n1-standard-8", script_path="/x.py", state=state, scheduled_for=start)  # fmt: skip


def test_due_and_missed_split_at_the_grace_period_and_ignore_other_states() -> None:
    jobs = [
        _job("aaaa", NOW + timedelta(minutes=5)),  # not yet
        _job("bbbb", NOW),  # just due
        _job("cccc", NOW - schedule.GRACE),  # due, at the edge
        _job("dddd", NOW - schedule.GRACE - timedelta(seconds=1)),  # missed
        _job("eeee", NOW - timedelta(hours=3), state="cancelled"),  # dropped long ago
    ]
    assert [j.id[-4:] for j in schedule.due(jobs, NOW)] == ["cccc", "bbbb"]  # soonest first
    assert [j.id[-4:] for j in schedule.missed(jobs, NOW)] == ["dddd"]
    assert [j.id[-4:] for j in schedule.scheduled(jobs)] == ["dddd", "cccc", "bbbb", "aaaa"]


def test_a_start_in_the_past_or_ending_after_the_deadline_is_refused() -> None:
    with pytest.raises(InputError, match="in the past"):
        schedule.check_start(NOW - timedelta(hours=1), NOW, 2.0, None)
    with pytest.raises(InputError, match="after the deadline"):
        schedule.check_start(NOW + timedelta(hours=23), NOW, 2.0, NOW + timedelta(hours=24))
    schedule.check_start(NOW + timedelta(hours=22), NOW, 2.0, NOW + timedelta(hours=24))  # ends exactly on time


def test_a_replan_is_reported_only_beyond_the_thresholds() -> None:
    assert schedule.moved(NOW, 1.0, NOW + timedelta(minutes=59), 1.05) is None
    later = schedule.moved(NOW, 1.0, NOW + timedelta(hours=3), 1.0)
    assert later is not None and "+3.0 h" in later
    cleaner = schedule.moved(NOW, 1.0, NOW, 0.8)
    assert cleaner is not None and "-20%" in cleaner and "kg CO₂e" in cleaner  # shown in the window
    assert schedule.moved(NOW, None, NOW + timedelta(hours=2), 0.5) is not None  # a fixed time had no figure


def test_a_schedule_survives_its_json_and_bad_json_is_a_clear_error(tmp_path: Path) -> None:
    request = LaunchRequest(target="local", region="europe-west4", script=tmp_path / "t.py",
                            machine_type="n1-standard-8", hours=2.5, args=("--lr", "0.1"), env={"A": "1"})  # fmt: skip
    how = schedule.Schedule(request, True, NOW + timedelta(hours=24), 0.25, "own forecast")
    assert schedule.Schedule.from_json(how.to_json()) == how
    with pytest.raises(InputError, match="cannot be read"):
        schedule.Schedule.from_json('{"request": {}}')

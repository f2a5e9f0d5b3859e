"""`carbon-gui launch --at best|TIME`, `jobs`, `cancel` and `launch-scheduled` through carbon_gui.cli.main, with
a real ledger file in tmp and the real local runner (no cloud: the jobs run on this machine)."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import Ledger
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest
from carbon_gui.sources.places import default_location
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import load_hourly_history
from carbon_gui.time_planning import plan_when
from tests.local_run.conftest import wait_until

pytestmark = [pytest.mark.usefixtures("data_dir"), pytest.mark.timeout(180)]
REGION = "europe-west4"


def _launch(script: Path, *extra: str) -> list[str]:
    return ["launch", "--local", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8", *extra]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def test_at_best_records_the_plans_best_start_and_nothing_runs(
    script: Path, reference: ReferenceData, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, _launch(script, "--hours", "3", "--at", "best", "--deadline", "20h", "--json"))
    assert code == 0, err
    [row] = json.loads(out)
    assert row["state"] == "scheduled" and row["pid"] is None and row["staging_dir"] is None
    now = datetime.now(UTC)
    wanted = PlanRequest("n1-standard-8", 3.0, default_location())
    expected = plan_when(reference, wanted, now + timedelta(hours=20), parse_weights("carbon=1"), Constraints(), now,
                         (REGION,), None, load_hourly_history())  # fmt: skip
    assert expected.best is not None and expected.best.best is not None
    start = datetime.fromisoformat(row["scheduled_for"])
    assert abs(start - expected.start_time(expected.best.best)) < timedelta(minutes=5)  # "now" moved a little
    assert start + timedelta(hours=3) <= now + timedelta(hours=20)
    how = json.loads(row["launch_json"])
    assert how["at_best"] and how["planned_kg"] == pytest.approx(expected.best.best.emissions_kg, rel=0.05)

    code, out, _ = _run(capsys, ["jobs"])
    assert code == 0 and "scheduled" in out and f"starts {start:%Y-%m-%d %H:%M} UTC" in out


@pytest.mark.parametrize(
    ("at", "extra", "message"),
    [
        ("2020-01-01T00:00Z", (), "is in the past"),
        ("in-an-hour", (), "neither 'best' nor an ISO 8601 time"),
        ("TOMORROW", ("--deadline", "2h"), "ends after the deadline"),  # the CLI's hint: --at, --deadline
        ("best", ("--deadline", "1h"), "cannot finish by the deadline"),
    ],
)
def test_a_bad_start_or_deadline_exits_2_with_one_line(
    script: Path, capsys: pytest.CaptureFixture[str], at: str, extra: tuple[str, ...], message: str
) -> None:
    at = _iso(datetime.now(UTC) + timedelta(hours=30)) if at == "TOMORROW" else at
    try:
        code = main(_launch(script, "--hours", "2", "--at", at, *extra))
    except SystemExit as exit_info:  # argparse's own checks exit; the command's return 2
        code = exit_info.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    if message == "ends after the deadline":
        assert "--at" in lines[0] and "--deadline" in lines[0] and "Finish within" not in lines[0], err
    assert Ledger().jobs() == []  # nothing recorded


def test_cancel_drops_a_scheduled_job(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = _iso(datetime.now(UTC) + timedelta(hours=5))
    assert _run(capsys, _launch(script, "--at", at))[0] == 0
    [job] = Ledger().jobs()
    code, out, _ = _run(capsys, ["cancel", job.id])
    assert code == 0 and out.strip() == f"{job.id}: cancelled"
    assert Ledger().job(job.id).state == "cancelled"  # type: ignore[union-attr]
    code, out, _ = _run(capsys, ["launch-scheduled"])
    assert code == 0 and "No scheduled jobs" in out


def test_launch_scheduled_launches_a_due_job_and_leaves_a_later_one(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, _launch(script, "--at", _iso(datetime.now(UTC))))[0] == 0
    assert _run(capsys, _launch(script, "--at", _iso(datetime.now(UTC) + timedelta(hours=6))))[0] == 0
    later, due = Ledger().jobs()  # newest first
    code, out, err = _run(capsys, ["launch-scheduled"])
    assert code == 0, err
    assert due.id in out and later.id not in out
    ledger = Ledger()
    assert ledger.job(later.id).state == "scheduled"  # type: ignore[union-attr]
    assert [c.state for c in ledger.history(due.id)][:3] == ["scheduled", "draft", "running"]
    wait_until(lambda: main(["jobs", "--refresh"]) == 0 and ledger.job(due.id).state == "succeeded",  # type: ignore[union-attr]
               "the launched job to end")  # fmt: skip
    capsys.readouterr()
    assert _run(capsys, ["launch-scheduled"])[1].strip() == ""  # launched once only


@pytest.mark.parametrize("what", ["list", "drop", "replan"])
def test_a_start_that_passed_while_nothing_ran_is_listed_dropped_or_replanned(
    script: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    assert _run(capsys, _launch(script, "--at", _iso(datetime.now(UTC) + timedelta(hours=1))))[0] == 0
    ledger = Ledger()
    [job] = ledger.jobs()
    passed = datetime.now(UTC) - timedelta(hours=2)  # as if the app had been closed since then
    assert job.launch_json is not None and ledger.reschedule(job.id, passed, job.launch_json)
    code, out, err = _run(capsys, ["launch-scheduled"] + ([] if what == "list" else ["--missed", what]))
    assert code == 0, err
    after = ledger.job(job.id)
    assert after is not None
    if what == "list":
        assert after.state == "scheduled" and "passed while nothing ran" in out and "--missed" in out
    elif what == "drop":
        assert after.state == "cancelled" and after.error == "Dropped before its scheduled start."
    else:
        assert after.state == "scheduled" and after.scheduled_for is not None
        assert after.scheduled_for > datetime.now(UTC) - timedelta(minutes=2)
        assert "moved the best start" in out  # from two hours ago to now or later: more than an hour


def test_a_ledger_of_the_previous_schema_loads_and_can_schedule(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger()
    assert _run(capsys, _launch(script, "--at", _iso(datetime.now(UTC) + timedelta(hours=1))))[0] == 0
    [old_job] = ledger.jobs()
    with sqlite3.connect(ledger.path) as db:  # what schema 1 looked like: no scheduling columns
        db.execute("ALTER TABLE jobs DROP COLUMN scheduled_for")
        db.execute("ALTER TABLE jobs DROP COLUMN launch_json")
        db.execute("PRAGMA user_version = 1")
    reopened = Ledger()
    assert reopened.notice is None  # not set aside
    assert [j.id for j in reopened.jobs()] == [old_job.id]
    assert _run(capsys, _launch(script, "--at", _iso(datetime.now(UTC) + timedelta(hours=2))))[0] == 0
    assert [j.state for j in Ledger().jobs()] == ["scheduled", "scheduled"]

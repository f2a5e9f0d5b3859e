"""`cleanup --orphans` also removes the staging directories of local runs, but only those the ledger recorded for a
run that is over (ended more than a day ago, as for buckets): never a running one, never a directory the ledger does
not name, never a run whose ledger row says it ended while its process still runs. Through the CLI, on the real ledger
and real local runs."""

import json
import os
import signal
import sqlite3
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import LEDGER_FILE
from carbon_gui.cloud.local import local_jobs_root, staging_dir_for
from carbon_gui.core.job_ids import new_job_id
from tests.jobs.conftest import REGION, wait_until

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(240)]

QUICK = "def train():\n    print('trained')\n"
SLOW = """
    import time

    def train():
        while True:
            time.sleep(0.1)
"""


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _launch(capsys: pytest.CaptureFixture[str], script: Path) -> str:
    code, out, err = _cli(capsys, "launch", "--local", "--script", str(script), "--region", REGION,
                          "--machine", "n1-standard-8", "--json")  # fmt: skip
    assert code == 0, err
    return json.loads(out)[0]["id"]


def _state(capsys: pytest.CaptureFixture[str], job_id: str) -> str:
    _, out, _ = _cli(capsys, "jobs", "--refresh", "--json")
    return next(job["state"] for job in json.loads(out) if job["id"] == job_id)


def _ended_in_ledger(data_dir: Path, job_id: str, days: float) -> None:
    """The run succeeded `days` ago, as a ledger written back then would say."""
    ended = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    with sqlite3.connect(data_dir / LEDGER_FILE) as db:
        db.execute(
            "UPDATE jobs SET state = 'succeeded', ended_at = ?, updated_at = ? WHERE id = ?", (ended, ended, job_id)
        )


def test_cleanup_orphans_removes_the_staging_directories_of_runs_long_over_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    quick, slow = tmp_path / "quick.py", tmp_path / "slow.py"
    quick.write_text(QUICK, encoding="utf-8")
    slow.write_text(textwrap.dedent(SLOW), encoding="utf-8")
    old, recent, running = _launch(capsys, quick), _launch(capsys, quick), _launch(capsys, slow)
    for job_id in (old, recent):
        wait_until(lambda j=job_id: _state(capsys, j) == "succeeded", f"{job_id} to end")
    _, out, _ = _cli(capsys, "jobs", "--json")
    running_pid = next(job["pid"] for job in json.loads(out) if job["id"] == running)
    _ended_in_ledger(data_dir, old, days=3)
    _ended_in_ledger(data_dir, running, days=3)  # a row that says "ended" while the run goes on: still left alone
    stranger = local_jobs_root() / new_job_id()  # looks like ours, but no job in the ledger names it
    stranger.mkdir(parents=True)
    try:
        code, out, err = _cli(capsys, "cleanup", "--orphans", "--yes")
        assert code == 0, err
        assert str(staging_dir_for(old)) in out and "succeeded 3 days ago" in out, out
        assert f"Deleted the staging directory of {old}" in out
        assert not staging_dir_for(old).exists()
        for kept in (staging_dir_for(recent), staging_dir_for(running), stranger):
            assert kept.exists() and str(kept) not in out, out

        code, out, _ = _cli(capsys, "cleanup", "--orphans", "--yes")
        assert code == 0 and "No orphan buckets or local staging directories" in out  # done once, idempotent
    finally:
        os.killpg(running_pid, signal.SIGKILL)  # the ledger says it ended: `cancel` would leave it alone

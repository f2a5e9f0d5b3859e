"""`carbon-gui cleanup JOB_ID` on a local run that has ended since the ledger last heard of it: the ledger still says
running until someone asks the run, and cleanup refused with "job … is still running: cancel it, or wait until it
ends" about a run that had ended. It now asks the run first, as `jobs --refresh` does. A real local run (a child
process under codecarbon, offline), a private ledger and data dir."""

import json
from pathlib import Path

import psutil
import pytest

from carbon_gui.cloud.local import RUN_STATE_FILE, staging_dir_for
from tests.jobs.conftest import local_env, wait_until  # noqa: F401 - fixture
from tests.jobs.test_local_orphans import QUICK, _cli, _launch

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(240)]


def ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # this test's process launched it
    except psutil.NoSuchProcess:
        return True


def test_cleanup_of_a_run_that_ended_unseen_deletes_its_staging_directory(tmp_path: Path, capsys) -> None:
    script = tmp_path / "quick.py"
    script.write_text(QUICK, encoding="utf-8")
    job_id = _launch(capsys, script)
    state_file = staging_dir_for(job_id) / RUN_STATE_FILE
    wait_until(lambda: state_file.is_file() and json.loads(state_file.read_text()).get("exit_code") is not None,
               f"{job_id} to say it ended")  # fmt: skip
    wait_until(lambda: ended(json.loads(state_file.read_text())["pid"]), f"{job_id}'s process to end")

    code, out, err = _cli(capsys, "cleanup", job_id, "--yes", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["id"] == job_id and answer["deleted"] is True, answer
    assert not staging_dir_for(job_id).exists()

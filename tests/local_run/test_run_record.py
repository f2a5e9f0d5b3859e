"""The run's own record (task.py's run-state.json): written by the real task.py in a real local run, read back
with the process's identity checked; anything that is not such a record reads as no record."""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from carbon_gui.cloud.local import RUN_STATE_FILE, RunRecord, read_run_record, start_local_run
from carbon_gui.core.job_ids import new_job_id
from tests.local_run.conftest import WAIT_S

EXITS_3 = """
    import sys
    import time

    def train():
        time.sleep(0.5)
        sys.exit(3)
"""


@pytest.mark.timeout(120)
def test_a_run_records_its_pid_while_it_runs_and_its_exit_code_at_the_end(write_script: Callable[..., Path]) -> None:
    run = start_local_run(new_job_id(), write_script(EXITS_3), country_iso="XX")  # XX: no codecarbon, quicker
    deadline = time.monotonic() + WAIT_S
    while (record := read_run_record(run.staging_dir)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert record is not None and record.pid == run.pid and record.exit_code is None
    assert record.process_start() == pytest.approx(run.started_at, abs=0.01)  # the live process, identified
    assert run.wait(WAIT_S) and run.exit_code == 3
    ended = read_run_record(run.staging_dir)
    assert ended is not None and ended.exit_code == 3 and ended.process_start() is None
    assert [p.name for p in run.staging_dir.iterdir() if p.name.startswith(RUN_STATE_FILE)] == [RUN_STATE_FILE]


def test_a_pid_that_started_after_the_record_is_not_the_run() -> None:
    """This test's own process plays a reused pid: it was created before now, not before a record from 1970."""
    assert RunRecord(os.getpid(), time.time(), None).process_start() is not None
    assert RunRecord(os.getpid(), 1.0, None).process_start() is None


NOT_RECORDS = ["", "not json", "[1, 2]", '{"pid": "12"}', '{"pid": 12}', '{"pid": -1, "started_at": 1}',
               '{"pid": 12, "started_at": 1, "exit_code": "0"}']  # fmt: skip


@pytest.mark.parametrize("content", NOT_RECORDS)
def test_anything_else_reads_as_no_record(tmp_path: Path, content: str) -> None:
    (tmp_path / RUN_STATE_FILE).write_text(content, encoding="utf-8")
    assert read_run_record(tmp_path) is None
    (tmp_path / RUN_STATE_FILE).write_text(json.dumps({"pid": 12, "started_at": 1.5, "exit_code": 0}))
    assert read_run_record(tmp_path) == RunRecord(12, 1.5, 0)

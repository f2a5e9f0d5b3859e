"""A local run whose launcher died between starting the process and recording its pid is recovered from what the run
leaves itself: `jobs --refresh` follows it while it runs, then shows how it really ended (succeeded with codecarbon's
figures, or failed with its exit code), never "ended while carbon-gui was closed" for a run that is fine.

The launch is the real CLI in its own process. To land the SIGKILL deterministically in that ~0.25 s window, the test
starts the CLI through a tiny wrapper that makes the ledger's `set_local_process` wait: the process has been started
and its pid is not recorded yet. Nothing else is replaced."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.local import LOG_FILE, staging_dir_for
from tests.jobs.conftest import REGION, wait_until

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]

PAUSED_LAUNCH = """
import os, sys, time
from datetime import timedelta
from pathlib import Path
from carbon_gui.cloud.ledger import Ledger

def paused(self, *args, **kwargs):  # the process was started; its pid never reaches the ledger
    Path(os.environ["PAUSED_MARK"]).touch()
    time.sleep(3600)

Ledger.set_local_process = paused
from carbon_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""

RUN = """
    import sys
    import time
    from pathlib import Path

    def train():
        go, outcome = Path(sys.argv[1]), sys.argv[2]
        print("waiting for go", flush=True)
        while not go.exists():
            time.sleep(0.05)
        print(f"trained {sum(i * i for i in range(200_000))}", flush=True)
        if outcome == "fail":
            sys.exit(1)
"""


def _jobs_refresh(capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["jobs", "--refresh", "--json"]) == 0
    jobs = json.loads(capsys.readouterr().out)
    assert len(jobs) == 1
    return jobs[0]


@pytest.mark.parametrize("outcome", ["succeed", "fail"])
def test_a_run_whose_pid_was_never_recorded_is_recovered_from_its_own_record(
    outcome: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script, go, paused = tmp_path / "train.py", tmp_path / "go", tmp_path / "paused"
    script.write_text(textwrap.dedent(RUN), encoding="utf-8")
    command = [sys.executable, "-c", PAUSED_LAUNCH, "launch", "--local", "--script", str(script), "--region", REGION,
               "--machine", "n1-standard-8", "--arg", str(go), "--arg", outcome]  # fmt: skip
    launcher = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PAUSED_MARK": str(paused)})
    try:
        wait_until(paused.exists, "the launch to start the process")
        launcher.send_signal(signal.SIGKILL)
        assert launcher.wait(30) == -signal.SIGKILL
    finally:
        if launcher.poll() is None:
            launcher.kill()
    job_id = json.loads(subprocess.run([sys.executable, "-m", "carbon_gui", "jobs", "--json"], cwd=ROOT,
                                       capture_output=True, text=True, check=True).stdout)[0]["id"]  # fmt: skip
    log = staging_dir_for(job_id) / LOG_FILE
    try:
        wait_until(lambda: "waiting for go" in log.read_text(errors="replace"), "the run's first line")

        running = _jobs_refresh(capsys)
        assert running["state"] == "running", running["error"]
        run = psutil.Process(running["pid"])  # the run's own process now, not the dead launcher
        assert Path(run.cwd()) == staging_dir_for(job_id)
    finally:
        go.touch()

    wait_until(lambda: _jobs_refresh(capsys)["state"] != "running", "the run to end")
    ended = _jobs_refresh(capsys)
    if outcome == "fail":
        assert ended["state"] == "failed" and "exit code 1" in ended["error"], ended
        return
    assert ended["state"] == "succeeded" and ended["error"] is None, ended
    wait_until(lambda: _jobs_refresh(capsys)["measured"] is not None, "codecarbon's figures")
    assert json.loads(_jobs_refresh(capsys)["measured"])["energy_kwh"] > 0


NEVER_STARTED = """
import os, sys, time
from datetime import timedelta
from pathlib import Path
import carbon_gui.cloud.local as local

def paused(*args, **kwargs):  # the log is open, the process is never started
    Path(os.environ["PAUSED_MARK"]).touch()
    time.sleep(3600)

local.subprocess.Popen = paused
from carbon_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_that_never_recorded_itself_is_left_alone_for_a_while_then_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, paused = tmp_path / "train.py", tmp_path / "paused"
    script.write_text(textwrap.dedent(RUN), encoding="utf-8")
    command = [sys.executable, "-c", NEVER_STARTED, "launch", "--local", "--script", str(script), "--region", REGION,
               "--machine", "n1-standard-8", "--arg", "go", "--arg", "succeed"]  # fmt: skip
    launcher = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PAUSED_MARK": str(paused)})
    try:
        wait_until(paused.exists, "the launch to open the run's log")
        launcher.send_signal(signal.SIGKILL)
        launcher.wait(30)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    starting = _jobs_refresh(capsys)
    assert starting["state"] == "draft", "a run may take a moment to record itself: not failed yet"
    monkeypatch.setattr("carbon_gui.jobs.recovery.START_GRACE", timedelta(0))  # ... that moment has passed
    failed = _jobs_refresh(capsys)
    assert failed["state"] == "failed" and "the run never started" in failed["error"], failed

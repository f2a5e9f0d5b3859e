"""The "This machine" runner end to end: the generated task.py, real codecarbon offline, real subprocesses."""

import csv
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from carbon_gui.cloud.errors import CloudError, NotOurs
from carbon_gui.cloud.local import (
    LocalRun,
    group_members,
    is_alive,
    process_start_time,
    remove_staging_dir,
    start_local_run,
)
from carbon_gui.core.job_ids import new_job_id
from carbon_gui.core.measured_emissions import COUNTER_CPU_MODES
from tests.local_run.conftest import WAIT_S, wait_until

TINY_TRAINING = """
    import sys

    import numpy as np

    def train():
        print("arguments:", sys.argv[1:])
        rng = np.random.default_rng(0)
        features = rng.normal(size=(20000, 100))
        target = features @ rng.normal(size=100)
        weights = np.zeros(100)
        for step in range(400):
            weights -= 0.05 * features.T @ (features @ weights - target) / len(target)
            if step % 100 == 0:
                print(f"step {step} loss {np.mean((features @ weights - target) ** 2):.4f}")
        print("done training")
"""

# Loaded by the task's interpreter (PYTHONPATH): records and refuses every non-loopback connection or lookup.
NETWORK_GUARD = """
    import os
    import socket

    LOG = os.environ["NETWORK_GUARD_LOG"]
    open(LOG + ".loaded", "w").close()
    LOOPBACK = ("127.0.0.1", "::1", "localhost")
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def refuse(what):
        with open(LOG, "a") as log:
            log.write(what + "\\n")
        raise ConnectionRefusedError("network guard: " + what)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            refuse(f"connect {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK and host is not None:
            refuse(f"lookup {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo
"""

# Starts a child in the same process group, then waits forever: cancel must stop both.
LONG_RUNNING = """
    import subprocess
    import sys
    import time

    def train():
        child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"])
        print(f"child {child.pid} started", flush=True)
        while True:
            time.sleep(0.1)
"""


def _start(script: Path, **kwargs: object) -> tuple[LocalRun, list[str]]:
    delivered: list[str] = []
    run = start_local_run(new_job_id(), script, on_line=delivered.append, **kwargs)  # type: ignore[arg-type]
    return run, delivered


def _finished(run: LocalRun) -> None:
    assert run.wait(WAIT_S), f"the run did not end; its output:\n{os.linesep.join(run.lines)}"


def test_tiny_training_runs_under_codecarbon_and_streams_its_output(
    write_script: Callable[..., Path], tmp_path: Path, jobs_root: Path
) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(textwrap.dedent(NETWORK_GUARD), encoding="utf-8")
    guard_log = tmp_path / "network.log"
    env = {"PYTHONPATH": str(guard), "NETWORK_GUARD_LOG": str(guard_log)}

    run, delivered = _start(write_script(TINY_TRAINING), country_iso="FRA", args=("--epochs", "3"), env=env)
    assert run.state == "running"
    assert run.staging_dir.parent == jobs_root
    _finished(run)

    assert run.state == "succeeded", run.lines
    assert run.exit_code == 0 and run.error is None
    # every line reached the callback, in order, and the user's arguments reached its script
    assert delivered == list(run.lines)
    assert "arguments: ['--epochs', '3']" in delivered
    steps = [line for line in delivered if line.startswith("step ")]
    assert [line.split()[1] for line in steps] == ["0", "100", "200", "300"]
    assert any("running train() from my_train.py" in line for line in delivered)
    assert (run.log_path.read_text(encoding="utf-8").splitlines()) == delivered
    # codecarbon offline made no connection and no lookup (the guard was loaded, and refused nothing)
    assert (tmp_path / "network.log.loaded").exists()
    assert not guard_log.exists(), guard_log.read_text(encoding="utf-8")

    emissions = run.output_dir / "emissions.csv"
    rows = list(csv.DictReader(emissions.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 1 and rows[0]["country_iso_code"] == "FRA"
    measured = run.measured()
    assert measured is not None
    assert measured.country_iso == "FRA" and measured.country_name == "France"
    assert measured.duration_s > 0 and measured.energy_kwh > 0 and measured.emissions_kg > 0
    assert measured.ram_power_w > 0 and measured.cpu_power_w >= 0
    assert measured.cpu_mode != "unknown"  # task.py recorded how codecarbon got the CPU power
    if not Path("/sys/class/powercap/intel-rapl").exists():  # no energy counters: codecarbon models the CPU
        assert measured.cpu_mode not in COUNTER_CPU_MODES
        assert measured.kind == "estimated"
        assert "CPU power ESTIMATED" in measured.source
    assert "France" in measured.source


def test_a_script_that_raises_fails_with_its_last_lines(write_script: Callable[..., Path]) -> None:
    script = write_script(
        """
        def train():
            print("loading data")
            raise ValueError("learning rate must be positive")
        """
    )
    run, delivered = _start(script, country_iso="DEU")
    _finished(run)

    assert run.state == "failed"
    assert run.exit_code == 1
    error = run.error
    assert error is not None
    assert "failed (exit code 1)" in error
    assert "ValueError: learning rate must be positive" in error
    assert str(run.log_path) in error
    assert "loading data" in delivered
    # the tracker is stopped in `finally`: the failed run is measured too
    measured = run.measured()
    assert measured is not None and measured.country_iso == "DEU"


def test_cancel_stops_the_whole_process_group(write_script: Callable[..., Path]) -> None:
    run, delivered = _start(write_script(LONG_RUNNING), country_iso="FRA")
    wait_until(lambda: any(line.startswith("child ") for line in delivered), "the script's child to start")
    child_pid = int(next(line for line in delivered if line.startswith("child ")).split()[1])
    assert {process.pid for process in group_members(run.pid)} >= {run.pid, child_pid}
    with pytest.raises(CloudError, match="cancel it before"):
        run.cleanup()

    assert run.cancel() == "cancelled"

    assert run.state == "cancelled" and run.exit_code is not None and run.exit_code != 0
    assert run.error is not None and "Cancelled" in run.error
    assert group_members(run.pid) == []
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE
    assert not is_alive(run.pid, run.started_at)
    # SIGTERM let task.py stop codecarbon: the cancelled run is measured up to the cancel
    assert run.measured() is not None
    run.cleanup()
    assert not run.staging_dir.exists()


def test_cancel_kills_a_script_that_ignores_sigterm(write_script: Callable[..., Path]) -> None:
    script = write_script(
        """
        import signal
        import time

        def train():
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("ignoring SIGTERM", flush=True)
            while True:
                time.sleep(0.1)
        """
    )
    run, delivered = _start(script, country_iso="FRA")
    wait_until(lambda: "ignoring SIGTERM" in delivered, "the script to ignore SIGTERM")

    assert run.cancel(grace_s=1.0) == "cancelled"
    assert run.exit_code == -9
    assert group_members(run.pid) == []


def test_a_script_runs_as_is_without_a_training_function(write_script: Callable[..., Path]) -> None:
    script = write_script(
        """
        import sys

        if __name__ == "__main__":
            print("main block ran with", sys.argv[1:])
        """
    )
    run, delivered = _start(script, function=None, country_iso="FRA", args=("x",))
    _finished(run)
    assert run.state == "succeeded"
    assert "main block ran with ['x']" in delivered
    assert run.measured() is not None


def test_a_bad_country_code_still_trains_and_says_why_nothing_was_measured(
    write_script: Callable[..., Path],
) -> None:
    run, delivered = _start(write_script("def train():\n    print('trained')\n"), country_iso="France")
    _finished(run)
    assert run.state == "succeeded"
    assert "trained" in delivered
    assert any("emissions not measured" in line and "3-letter" in line for line in delivered)
    assert run.measured() is None


def test_is_alive_guards_against_pid_reuse() -> None:
    started = process_start_time(os.getpid())
    assert started is not None
    assert is_alive(os.getpid(), started)
    assert not is_alive(os.getpid(), started - 3600)  # same pid, another process's start time
    assert process_start_time(2**22 + 1) is None  # above Linux's pid_max: no such process
    assert not is_alive(2**22 + 1, started)


def test_cleanup_is_idempotent(write_script: Callable[..., Path]) -> None:
    run, _ = _start(write_script("def train():\n    pass\n"), country_iso="FRA")
    _finished(run)
    assert (run.staging_dir / "package" / "trainer" / "task.py").exists()
    run.cleanup()
    assert not run.staging_dir.exists()
    run.cleanup()  # already gone: done
    remove_staging_dir(run.staging_dir)


def test_cleanup_refuses_anything_outside_the_local_jobs_dir(tmp_path: Path, jobs_root: Path) -> None:
    outside = tmp_path / new_job_id()
    outside.mkdir()
    (jobs_root / "not-a-job").mkdir(parents=True)
    linked = jobs_root / new_job_id()
    linked.symlink_to(outside)
    sneaky = jobs_root / new_job_id() / ".." / ".." / outside.name

    for path in (outside, jobs_root, jobs_root / "not-a-job", linked, sneaky, Path("/")):
        with pytest.raises(NotOurs, match="only deletes the staging directories it created"):
            remove_staging_dir(path)
    assert outside.is_dir() and (jobs_root / "not-a-job").is_dir() and linked.is_symlink()


def test_a_job_id_is_required_and_staging_is_never_reused(write_script: Callable[..., Path]) -> None:
    script = write_script("def train():\n    pass\n")
    with pytest.raises(CloudError, match="not a carbon-gui job id"):
        start_local_run("../../etc", script, country_iso="FRA")
    job_id = new_job_id()
    run = start_local_run(job_id, script, country_iso="FRA")
    _finished(run)
    with pytest.raises(CloudError, match="already exists"):
        start_local_run(job_id, script, country_iso="FRA")


def test_a_missing_interpreter_is_a_message(write_script: Callable[..., Path], jobs_root: Path) -> None:
    script = write_script("def train():\n    pass\n")
    job_id = new_job_id()
    with pytest.raises(CloudError, match=r"Cannot start .*check the Python interpreter"):
        start_local_run(job_id, script, country_iso="FRA", python=str(Path(sys.prefix) / "no-such-python"))
    assert not (jobs_root / job_id).exists()  # nothing half-created is left


def test_an_unreadable_script_leaves_no_staging_dir(tmp_path: Path, jobs_root: Path) -> None:
    job_id = new_job_id()
    with pytest.raises(CloudError, match=r"Training script .*gone\.py does not exist"):
        start_local_run(job_id, tmp_path / "gone.py", country_iso="FRA")
    assert not (jobs_root / job_id).exists()

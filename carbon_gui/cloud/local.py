"""The "This machine" target: run the generated task.py in a subprocess, like `gcloud ai custom-jobs local-run`.

Each run has a staging directory `<data dir>/local-jobs/<job id>/` (the data dir is platformdirs' user data
dir "carbon-gui", or CARBON_GUI_DATA_DIR):

    package/trainer/   the same trainer package Vertex AI installs (cloud/packaging.py)
    output/            AIP_MODEL_DIR: codecarbon's emissions.csv lands here
    run.log            the process's stdout and stderr, merged
    run-state.json     the run's own record (task.py writes it): pid and start time when it starts, exit code
                       when it ends; it finds the run again when the app died before recording the pid

The process writes to run.log, not to a pipe, so it keeps running if the app quits, and a later app can
follow the log and check the process with `is_alive(pid, started_at)`. It starts a session of its own:
cancel signals its whole process group (SIGTERM, then SIGKILL after a grace period).
Blocking calls (`wait`, `cancel`) belong on a worker thread, never the GUI thread.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psutil

from carbon_gui.cloud.errors import CloudError, NotOurs
from carbon_gui.cloud.ledger import default_path
from carbon_gui.cloud.packaging import COUNTRY_ENV, PYTHON_MODULE, RUN_STATE_ENV, write_trainer
from carbon_gui.core.job_ids import is_job_id
from carbon_gui.core.measured_emissions import MeasuredEmissions, parse_emissions
from carbon_gui.core.script_check import DEFAULT_FUNCTION
from carbon_gui.secrets import env_secret_values, key_holding_variables

LOCAL_JOBS_DIR = "local-jobs"
PACKAGE_DIR = "package"
OUTPUT_DIR = "output"
LOG_FILE = "run.log"
EMISSIONS_FILE = "emissions.csv"
METHODS_FILE = "codecarbon_methods.json"  # written by task.py: how codecarbon got the CPU power
RUN_STATE_FILE = "run-state.json"  # written by task.py: the run's own record
DEFAULT_GRACE_S = 10.0
KEPT_LINES = 2000  # in memory; run.log has them all
_FOLLOW_INTERVAL_S = 0.1
_START_TIME_TOLERANCE_S = 1.0
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL: Popen.kill() stands in

RunState = Literal["running", "cancelling", "succeeded", "failed", "cancelled"]
LineCallback = Callable[[str], None]


def local_jobs_root(environ: Mapping[str, str] = os.environ) -> Path:
    """`<data dir>/local-jobs`: the data dir is the ledger's (CARBON_GUI_DATA_DIR or platformdirs')."""
    return default_path(environ).parent / LOCAL_JOBS_DIR


def staging_dir_for(job_id: str, root: Path | None = None) -> Path:
    if not is_job_id(job_id):
        raise CloudError(f"'{job_id}' is not a carbon-gui job id (cg-YYYYMMDD-HHMMSS-xxxx).", step="start")
    return (root or local_jobs_root()) / job_id


class LocalRun:
    """One run of task.py on this machine. Create it with `start_local_run`."""

    def __init__(self, job_id: str, staging_dir: Path, process: subprocess.Popen[bytes], on_line: LineCallback | None):
        self.job_id = job_id
        self.staging_dir = staging_dir
        self.output_dir = staging_dir / OUTPUT_DIR
        self.log_path = staging_dir / LOG_FILE
        self.pid = process.pid
        self.started_at = process_start_time(process.pid) or time.time()  # epoch s, as psutil's create_time
        self._process = process
        self._on_line = on_line
        self._lines: deque[str] = deque(maxlen=KEPT_LINES)
        self._lock = threading.Lock()
        self._cancel_requested = False
        self._finished = threading.Event()  # set once the process has ended and all its output is delivered
        self._follower = threading.Thread(target=self._follow_log, name=f"local-run {job_id}", daemon=True)
        self._follower.start()

    @property
    def state(self) -> RunState:
        """Terminal only once every output line has been delivered."""
        if not self._finished.is_set():
            return "cancelling" if self._cancel_requested else "running"
        if self._process.returncode == 0:
            return "succeeded"
        return "cancelled" if self._cancel_requested else "failed"

    @property
    def exit_code(self) -> int | None:
        """The process's exit code (negative: killed by that signal); None while it runs."""
        return self._process.returncode if self._finished.is_set() else None

    @property
    def lines(self) -> tuple[str, ...]:
        """The output so far (the last KEPT_LINES lines; run.log has them all)."""
        with self._lock:
            return tuple(self._lines)

    @property
    def error(self) -> str | None:
        """What went wrong, for the user: None unless the run failed or was cancelled."""
        state = self.state
        if state == "cancelled":
            return "Cancelled: the training process and everything it started were stopped."
        if state != "failed":
            return None
        code = self._process.returncode
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"failed (exit code {code})"
        last = "\n".join(self.lines[-10:]) or "(no output)"
        return f"The training script {how}. Its last lines:\n{last}\nThe whole output is in {self.log_path}."

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run has ended and its output is delivered; False if `timeout` passed first."""
        return self._finished.wait(timeout)

    def cancel(self, grace_s: float = DEFAULT_GRACE_S) -> RunState:
        """SIGTERM to the process group (task.py then lets codecarbon save), SIGKILL after `grace_s`. Blocks."""
        with self._lock:
            if self._finished.is_set():
                return self.state
            self._cancel_requested = True
        _signal_group(self._process, signal.SIGTERM)
        try:
            self._process.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(self._process, _KILL)
            self._process.wait()
        _kill_what_remains(self.pid)
        self._finished.wait()
        return self.state

    def measured(self) -> MeasuredEmissions | None:
        """codecarbon's figures once it has saved them (at the end of the run); None before, or if it did not."""
        return read_measured(self.output_dir)

    def cleanup(self) -> None:
        """Delete the staging directory (idempotent). Refused while the run is going."""
        if not self._finished.is_set():
            raise CloudError("The run is still going: cancel it before deleting its staging directory.", step="cleanup")
        remove_staging_dir(self.staging_dir, self.staging_dir.parent)

    def _follow_log(self) -> None:
        try:
            with open(self.log_path, "rb") as log:
                pending = b""
                while True:
                    ended = self._process.poll() is not None  # read after: nothing is written once it ended
                    chunk = log.read()
                    if chunk:
                        *complete, pending = (pending + chunk).split(b"\n")
                        for raw in complete:
                            self._deliver(raw)
                    elif ended:
                        break
                    else:
                        time.sleep(_FOLLOW_INTERVAL_S)
                if pending:
                    self._deliver(pending)
        finally:
            self._finished.set()

    def _deliver(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        with self._lock:
            self._lines.append(line)
        if self._on_line is not None:
            self._on_line(line)


def training_python() -> str:
    """The interpreter a local run uses: this one, or in a packaged (PyInstaller) app, which has no Python of its
    own to offer, the first `python3` on PATH (where the user's training libraries are installed)."""
    if not getattr(sys, "frozen", False):
        return sys.executable
    found = shutil.which("python3") or shutil.which("python")
    if found is None:
        raise CloudError(
            "A local run needs Python 3 with your training libraries on PATH; the packaged app has none of its own. "
            "Install Python 3, or run the job on Vertex AI.",
            step="start",
        )
    return found


def start_local_run(
    job_id: str,
    script: Path,
    function: str | None = DEFAULT_FUNCTION,
    country_iso: str = "",
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    on_line: LineCallback | None = None,
    python: str | None = None,
    root: Path | None = None,
) -> LocalRun:
    """Stage the script and start `python -m trainer.task ARGS` in its staging directory.

    `country_iso` (3 letters) is the grid codecarbon charges the run to; `env` is added to this process's
    environment; `on_line` gets each output line, on a background thread; `root` replaces local_jobs_root().
    Raises CloudError when the staging directory cannot be written or the process cannot start.
    """
    staging = staging_dir_for(job_id, root)
    try:
        staging.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise CloudError(f"A staging directory for job {job_id} already exists: {staging}.", step="start") from None
    except OSError as err:
        raise _unwritable(staging, err) from None
    try:
        environment, kept_out = _child_environment(staging, country_iso, env or {})
        process = _stage_and_start(
            staging, script, function, [python or training_python(), "-m", PYTHON_MODULE, *args], environment, kept_out
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-created is left behind
        raise
    return LocalRun(job_id, staging, process, on_line)


def _stage_and_start(
    staging: Path,
    script: Path,
    function: str | None,
    command: list[str],
    environment: dict[str, str],
    kept_out: list[str],
) -> subprocess.Popen[bytes]:
    try:
        write_trainer(script, staging / PACKAGE_DIR, function)
        (staging / OUTPUT_DIR).mkdir()
        log = open(staging / LOG_FILE, "wb")  # noqa: SIM115 -- the child keeps it; ours closes right after
        if kept_out:  # names only: the user sees why a variable is missing, never a value
            log.write(
                f"[carbon-gui] kept out of the run's environment (they hold keys): {', '.join(kept_out)}\n".encode()
            )
            log.flush()
    except OSError as err:
        raise _unwritable(staging, err) from None
    with log:
        try:
            return subprocess.Popen(
                command,
                cwd=staging,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: cancel reaches everything it starts
            )
        except OSError as err:
            raise CloudError(
                f"Cannot start {command[0]} ({err.strerror}): check the Python interpreter.", step="start"
            ) from None


def _unwritable(staging: Path, err: OSError) -> CloudError:
    return CloudError(
        f"Cannot write the staging directory {staging} ({err.strerror}). Free some space, or set "
        "CARBON_GUI_DATA_DIR to a writable folder.",
        step="start",
    )


def _child_environment(staging: Path, country_iso: str, extra: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """This process's environment with `extra`, without any variable that holds a key (secrets.py says which);
    returns it and the names kept out. The user's own GOOGLE_APPLICATION_CREDENTIALS (a path they chose) stays;
    the app's service-account key lives only in the keyring and this process's memory, never in a variable."""
    merged = {**os.environ, **extra}
    kept_out = key_holding_variables(merged, env_secret_values(os.environ))
    environment = {name: value for name, value in merged.items() if name not in kept_out}
    python_path = [str(staging / PACKAGE_DIR), *filter(None, [environment.get("PYTHONPATH")])]
    environment.update(
        PYTHONPATH=os.pathsep.join(python_path),
        PYTHONUNBUFFERED="1",  # lines arrive as they are printed
        AIP_MODEL_DIR=str(staging / OUTPUT_DIR),
        **{RUN_STATE_ENV: str(staging / RUN_STATE_FILE)},
        **{COUNTRY_ENV: country_iso},
    )
    return environment, kept_out


def read_measured(output_dir: Path) -> MeasuredEmissions | None:
    """codecarbon's figures in a run's output directory; None when there is no emissions.csv (yet)."""
    emissions = output_dir / EMISSIONS_FILE
    try:
        text = emissions.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise CloudError(f"Cannot read {emissions} ({err}).", step="measure") from None
    methods_file = output_dir / METHODS_FILE
    methods = methods_file.read_text(encoding="utf-8") if methods_file.exists() else None
    return parse_emissions(text, methods, where=str(emissions))


def remove_staging_dir(staging_dir: Path, root: Path | None = None) -> None:
    """Delete a local run's staging directory. Idempotent; refuses anything but `<root>/<job id>`."""
    root = root or local_jobs_root()
    candidate = Path(os.path.abspath(staging_dir))
    if not is_job_id(candidate.name) or candidate.parent.resolve() != root.resolve() or candidate.is_symlink():
        raise NotOurs(
            f"Refused to delete {staging_dir}: carbon-gui only deletes the staging directories it created in {root}.",
            step="cleanup",
        )
    try:
        shutil.rmtree(candidate)
    except FileNotFoundError:
        return  # already gone: done
    except OSError as err:
        raise CloudError(
            f"Cannot delete {candidate} ({err.strerror}): close what uses it and retry.", step="cleanup"
        ) from None


@dataclass(frozen=True)
class RunRecord:
    """What a run recorded about itself in its staging directory (task.py's run-state.json)."""

    pid: int
    started_at: float  # epoch s, when task.py began: shortly after the process was created
    exit_code: int | None  # None while it runs, or when it was killed before it could say

    def process_start(self) -> float | None:
        """The start time (psutil's create_time) of the run's process while it still runs, else None.

        The process wrote this record itself, so a live process with this pid created before the record was
        written is that process (two live processes never share a pid); a later one reused the pid."""
        start = process_start_time(self.pid)
        if start is None or start > self.started_at + _START_TIME_TOLERANCE_S or not is_alive(self.pid, start):
            return None
        return start


def read_run_record(staging_dir: Path) -> RunRecord | None:
    """The run's own record; None if it has not written one (not started yet, or staged by an older version) or
    the file is not what task.py writes."""
    try:
        state = json.loads((staging_dir / RUN_STATE_FILE).read_text(encoding="utf-8"))
        pid, started_at, exit_code = state["pid"], state["started_at"], state.get("exit_code")
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not (isinstance(pid, int) and pid > 0 and isinstance(started_at, int | float)):
        return None
    if exit_code is not None and not isinstance(exit_code, int):
        return None
    return RunRecord(pid, float(started_at), exit_code)


def process_start_time(pid: int) -> float | None:
    """The process's start time in epoch seconds (psutil's create_time); None if there is no such process."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def is_alive(pid: int, started_at: float) -> bool:
    """Whether the process `pid` that started at `started_at` still runs: a reused pid does not count."""
    try:
        process = psutil.Process(pid)
        same = abs(process.create_time() - started_at) < _START_TIME_TOLERANCE_S
        return same and bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if not hasattr(os, "killpg"):  # Windows: no process groups to signal
        if sig == signal.SIGTERM:
            process.terminate()
        else:
            process.kill()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def group_members(pgid: int) -> list[psutil.Process]:
    """The live (not zombie) processes of a process group."""
    members = []
    for process in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error, OSError):
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process)
    return members


def _kill_what_remains(pgid: int, timeout_s: float = DEFAULT_GRACE_S) -> None:
    """After the leader ended: SIGKILL whatever it started that is still there, and wait until it is gone."""
    if not hasattr(os, "killpg"):
        return
    deadline = time.monotonic() + timeout_s
    while group_members(pgid) and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, _KILL)
        time.sleep(_FOLLOW_INTERVAL_S)

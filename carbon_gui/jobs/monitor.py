"""Bring a job's record up to date: its state from Vertex AI or the local process, and codecarbon's
figures once it has ended. One call is one poll; the window and the CLI own the loop (jobs/polling.py)."""

import dataclasses
import json
import os
import signal
from pathlib import Path

from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.cloud.local import LOG_FILE, OUTPUT_DIR, is_alive, read_measured, read_run_record, staging_dir_for
from carbon_gui.cloud.packaging import EMISSIONS_UNDER_BASE_OUTPUT, METHODS_UNDER_BASE_OUTPUT
from carbon_gui.core.job_states import LAUNCH_STATES, is_terminal
from carbon_gui.core.measured_emissions import MeasuredEmissions, parse_emissions
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.request import LOCAL
from carbon_gui.jobs.request import OUTPUT_DIR as BUCKET_OUTPUT_DIR

FINISHED_MARK = "[carbon-gui] training finished"  # task.py's last line after a successful run


def refresh(job: JobRecord, ledger: Ledger, clouds: Clouds) -> JobRecord:
    """Poll once; returns the updated record. Raises CloudError when the cloud cannot be asked (the record
    stays as it was: the caller retries later)."""
    if job.state in LAUNCH_STATES or (is_terminal(job.state) and job.measured is not None):
        return job
    if job.target == LOCAL:
        _refresh_local(job, ledger, clouds)
    else:
        _refresh_vertex(job, ledger, clouds)
    updated = ledger.job(job.id)
    assert updated is not None
    if is_terminal(updated.state) and updated.measured is None:
        measured = _read_measured(updated, clouds)
        if measured is not None:
            ledger.set_measured(job.id, json.dumps(dataclasses.asdict(measured)))
            updated = ledger.job(job.id) or updated
    return updated


def _refresh_vertex(job: JobRecord, ledger: Ledger, clouds: Clouds) -> None:
    if job.vertex_name is None or job.project is None or is_terminal(job.state):
        return
    status = clouds.vertex(job.project, job.region).status(job.vertex_name)
    if status.state != job.state:
        ledger.set_state(job.id, status.state, error=status.error)


def _refresh_local(job: JobRecord, ledger: Ledger, clouds: Clouds) -> None:
    if is_terminal(job.state):
        return
    run = clouds.run(job.id)
    state: str
    error: str | None
    if run is not None:
        state, error = run.state, run.error
    elif job.pid is not None and job.pid_started_at is not None and is_alive(job.pid, job.pid_started_at):
        state, error = job.state, None  # started by an earlier app process and still going
    else:
        state, error = _ended_while_away(job)
    if state != job.state:
        ledger.set_state(job.id, state, error=error)


def _ended_while_away(job: JobRecord) -> tuple[str, str | None]:
    """A local run that ended while no app process watched it: its own record (exit code) says how, else its log."""
    staging = staging_dir_for(job.id)
    try:
        lines = (staging / LOG_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    record = read_run_record(staging)
    exit_code = record.exit_code if record else None
    if exit_code == 0 or (exit_code is None and any(line.startswith(FINISHED_MARK) for line in lines[-20:])):
        return "succeeded", None
    if job.state == "cancelling":
        return "cancelled", "Cancelled."
    last = "\n".join(lines[-10:]) or "(no output)"
    how = "ended while carbon-gui was closed, without finishing"
    if exit_code is not None:
        how = f"failed (exit code {exit_code})"
    return "failed", f"The run {how}. Its last lines:\n{last}"


def _read_measured(job: JobRecord, clouds: Clouds) -> MeasuredEmissions | None:
    if job.target == LOCAL:
        return read_measured(staging_dir_for(job.id) / OUTPUT_DIR)
    if job.bucket is None or job.project is None or job.vertex_name is None:
        return None
    storage = clouds.storage(job.project)
    csv_text = storage.read_text(job.bucket, f"{BUCKET_OUTPUT_DIR}/{EMISSIONS_UNDER_BASE_OUTPUT}")
    if csv_text is None:
        return None
    methods = storage.read_text(job.bucket, f"{BUCKET_OUTPUT_DIR}/{METHODS_UNDER_BASE_OUTPUT}")
    return parse_emissions(csv_text, methods, where=f"gs://{job.bucket}/{BUCKET_OUTPUT_DIR}/{EMISSIONS_UNDER_BASE_OUTPUT}")


def cancel(job: JobRecord, ledger: Ledger, clouds: Clouds) -> JobRecord:
    """Ask the job to stop. Blocks for a local run (up to its grace period): call it off the GUI thread."""
    if is_terminal(job.state):
        return job
    if job.target == LOCAL:
        run = clouds.run(job.id)
        if run is not None:
            ledger.set_state(job.id, "cancelling")
            ledger.set_state(job.id, run.cancel(), error=run.error)
        elif job.pid is not None and job.pid_started_at is not None and is_alive(job.pid, job.pid_started_at):
            ledger.set_state(job.id, "cancelling")
            os.killpg(job.pid, signal.SIGTERM)  # the run leads its own process group; task.py saves and exits
    elif job.vertex_name is not None and job.project is not None:
        clouds.vertex(job.project, job.region).cancel(job.vertex_name)
        ledger.set_state(job.id, "cancelling")
    updated = ledger.job(job.id)
    assert updated is not None
    return updated


def local_output(job: JobRecord, clouds: Clouds, last: int = 200) -> list[str]:
    """The last lines a local run printed (from memory, or from its log after a restart)."""
    run = clouds.run(job.id)
    if run is not None:
        return list(run.lines[-last:])
    log: Path = staging_dir_for(job.id) / LOG_FILE
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()[-last:]
    except OSError:
        return []

"""After a crash: settle what an interrupted launch left, using the ledger's intents.

A launch whose process is gone stopped at its last intent. A bucket that was intended may or may not
exist: ask Cloud Storage. A submit whose answer was lost may have created the job: ask Vertex AI for the
job by its label. Whatever cannot be asked now (offline) is left for the next start.
"""

import time
from datetime import timedelta

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.cloud.local import LOG_FILE, read_run_record, staging_dir_for
from carbon_gui.core.job_states import LAUNCH_STATES
from carbon_gui.jobs.cleanup import launcher_alive
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.launcher import STEP_SUBMIT
from carbon_gui.jobs.request import LOCAL

START_GRACE = timedelta(minutes=2)  # from the run's log being opened to the run recording itself, at most


def recover(ledger: Ledger, clouds: Clouds) -> list[str]:
    """Settle interrupted launches; returns one user-facing line per job or bucket it settled or could not."""
    notes: list[str] = []
    for job in ledger.jobs():
        if job.state not in LAUNCH_STATES:
            continue
        if job.target == LOCAL and _local_run_started(job, ledger):
            notes.append(f"{job.id}: its local run had started before the interruption; following it.")
            continue
        if launcher_alive(job) or (job.target == LOCAL and _starting(job)):
            continue
        try:
            notes.append(_settle(job, ledger, clouds))
        except CloudError as err:
            notes.append(f"{job.id}: could not check what its interrupted launch left ({err}); will retry.")
    for bucket in ledger.buckets():
        if bucket.state != "intended":
            continue
        owner = ledger.job(bucket.job_id)
        if owner is not None and owner.state in LAUNCH_STATES and launcher_alive(owner):
            continue
        try:
            if clouds.storage(bucket.project).exists(bucket.name):
                ledger.bucket_created(bucket.name)
                notes.append(f"gs://{bucket.name} exists: it was created before the interruption.")
        except CloudError as err:
            notes.append(f"gs://{bucket.name}: could not check whether it exists ({err}); will retry.")
    return notes


def _local_run_started(job: JobRecord, ledger: Ledger) -> bool:
    """If the run recorded itself (task.py's run-state.json), the launch got as far as starting it, whether or not
    the launcher recorded the pid: record the run's pid and let polling find out how it is doing."""
    record = read_run_record(staging_dir_for(job.id))
    if record is None:
        return False
    ledger.set_local_process(job.id, record.pid, record.process_start() or record.started_at)
    for step in (s for s in ledger.unfinished_steps() if s.job_id == job.id):
        ledger.done(job.id, step.step, f"the process (pid {record.pid}) had started before the interruption")
    ledger.set_state(job.id, "running")
    return True


def _starting(job: JobRecord) -> bool:
    """The process was started (its log exists) but has not recorded itself yet: a Python start takes a moment,
    so it is looked at again later; after START_GRACE a run that never said it started counts as not started."""
    try:
        age = time.time() - (staging_dir_for(job.id) / LOG_FILE).stat().st_mtime
    except OSError:
        return False
    return age < START_GRACE.total_seconds()


def _settle(job: JobRecord, ledger: Ledger, clouds: Clouds) -> str:
    steps = ledger.steps(job.id)
    interrupted = [s for s in ledger.unfinished_steps() if s.job_id == job.id]
    submit_tried = any(s.step == STEP_SUBMIT for s in steps)
    if job.target != LOCAL and job.vertex_name is None and submit_tried and job.project is not None:
        found = clouds.vertex(job.project, job.region).find_by_label(job.id)
        if found is not None:
            ledger.set_vertex_name(job.id, found)
            for step in interrupted:
                ledger.done(job.id, step.step, f"found after the interruption: {found}")
            ledger.set_state(job.id, "queued")
            return f"{job.id}: the job was submitted before the interruption ({found}); monitoring it."
    if job.vertex_name is not None:  # submitted and recorded; the step's "done" or the state change was lost
        for step in interrupted:
            ledger.done(job.id, step.step, f"submitted before the interruption: {job.vertex_name}")
        ledger.set_state(job.id, "queued")
        return f"{job.id}: submitted before the interruption; monitoring it."
    where = interrupted[-1].step if interrupted else (steps[-1].step if steps else "the start")
    for step in interrupted:
        ledger.failed(job.id, step.step, "interrupted: the app stopped during this step")
    nothing = "the run never started" if job.target == LOCAL else "nothing was submitted"
    ledger.set_state(job.id, "failed", error=f"Interrupted during '{where}': the app stopped; {nothing}.")
    return f"{job.id}: its launch was interrupted during '{where}'; {nothing}."

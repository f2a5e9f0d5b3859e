"""One-click cleanup: delete a job's staging bucket (or local staging directory), and find orphans.

The app deletes only what it created: the bucket must be in the ledger and carry the app's labels
(core/cleanup_policy.py decides; cloud/storage.py enforces it again at the moment of deletion). A local
staging directory must be the one the ledger recorded for its job, in the app's local-jobs directory.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from carbon_gui.cloud.errors import NotOurs
from carbon_gui.cloud.ledger import BucketRecord, JobRecord, Ledger
from carbon_gui.cloud.local import is_alive, read_run_record, remove_staging_dir, staging_dir_for
from carbon_gui.cloud.storage import DeleteOutcome
from carbon_gui.core.cleanup_policy import Orphan, cleanup_verdict, orphans, over_long_ago
from carbon_gui.core.job_states import ACTIVE_STATES, LAUNCH_STATES
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.request import LOCAL


def launcher_alive(job: JobRecord) -> bool:
    """Whether the process that launches (or runs, locally) this job still lives: pid and start time."""
    return job.pid is not None and job.pid_started_at is not None and is_alive(job.pid, job.pid_started_at)


@dataclass(frozen=True)
class CleanupPreview:
    """What the confirmation shows before anything is deleted."""

    job_id: str
    what: str  # "gs://carbon-gui-…" or the local staging directory
    objects: int
    bytes: int
    allowed: bool
    reason: str  # why it may (or may not) be deleted
    already_gone: bool = False


def _refuse_while_active(job: JobRecord) -> str | None:
    if job.state in ACTIVE_STATES:
        return f"job {job.id} is still {job.state}: cancel it, or wait until it ends"
    if job.state in LAUNCH_STATES and launcher_alive(job):
        return f"job {job.id} is being launched right now (step: {job.state}): wait until the launch ends"
    if job.target == LOCAL and _still_running(job, staging_dir_for(job.id)):
        return f"the run of job {job.id} is still going, whatever its record says: cancel it, or wait until it ends"
    return None


def preview(job: JobRecord, ledger: Ledger, clouds: Clouds) -> CleanupPreview:
    if job.target == LOCAL:
        folder = staging_dir_for(job.id)
        files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
        refusal = _refuse_while_active(job)
        return CleanupPreview(
            job.id,
            str(folder),
            len(files),
            sum(p.stat().st_size for p in files),
            allowed=refusal is None and folder.exists(),
            reason=refusal or ("the local staging directory of this job" if folder.exists() else "already gone"),
            already_gone=not folder.exists(),
        )
    if job.bucket is None or job.project is None:
        return CleanupPreview(job.id, "(no bucket)", 0, 0, False, "this job never had a staging bucket", True)
    storage = clouds.storage(job.project)
    verdict = cleanup_verdict(job.bucket, storage.labels(job.bucket), ledger.bucket(job.bucket))
    usage = storage.usage(job.bucket) if verdict.allowed else None
    refusal = _refuse_while_active(job)
    return CleanupPreview(
        job.id,
        f"gs://{job.bucket}",
        usage.objects if usage else 0,
        usage.bytes if usage else 0,
        allowed=verdict.allowed and refusal is None,
        reason=refusal or verdict.reason,
        already_gone=verdict.already_gone,
    )


def delete(job: JobRecord, ledger: Ledger, clouds: Clouds) -> str:
    """Delete the job's staging bucket or directory. Idempotent: something already gone counts as done."""
    refusal = _refuse_while_active(job)
    if refusal:
        raise NotOurs(f"Not deleted: {refusal}.", step="cleanup")
    if job.target == LOCAL:
        remove_staging_dir(staging_dir_for(job.id))
        return f"Deleted the staging directory of {job.id}."
    if job.bucket is None or job.project is None:
        return f"Job {job.id} never had a staging bucket: nothing to delete."
    outcome = clouds.storage(job.project).delete_bucket(job.bucket, ledger.bucket(job.bucket))
    if ledger.bucket(job.bucket) is not None:
        ledger.bucket_deleted(job.bucket)
    if outcome is DeleteOutcome.ALREADY_GONE:
        return f"gs://{job.bucket} was already gone: nothing to delete."
    return f"Deleted gs://{job.bucket} and every object in it."


def find_orphans(ledger: Ledger, now: datetime | None = None) -> list[Orphan[BucketRecord]]:
    """Buckets the app created whose job never started or ended long ago. Run recovery first."""
    return orphans(ledger.buckets(), ledger.jobs(), now or datetime.now(UTC))


@dataclass(frozen=True)
class LocalOrphan:
    """The staging directory of a local run that is over."""

    job_id: str
    folder: Path
    reason: str  # user-facing: why it is offered for cleanup


def find_local_orphans(ledger: Ledger, now: datetime | None = None) -> list[LocalOrphan]:
    """Staging directories of local runs over for more than a day. Only a directory the ledger recorded for its
    job (where the app creates them) and that is still there; never one whose run still goes, whatever its
    row says (its pid, or the run's own record, shows a live process). Run recovery first."""
    now = now or datetime.now(UTC)
    found = []
    for job in ledger.jobs():
        folder = staging_dir_for(job.id)
        if job.target != LOCAL or job.staging_dir != str(folder) or folder.is_symlink() or not folder.is_dir():
            continue
        reason = over_long_ago(job, now)
        if reason and not _still_running(job, folder):
            found.append(LocalOrphan(job.id, folder, reason))
    return found


def _still_running(job: JobRecord, folder: Path) -> bool:
    record = read_run_record(folder)
    return launcher_alive(job) or (record is not None and record.process_start() is not None)

"""One-click cleanup: delete a job's staging bucket (or local staging directory), and find orphans.

The app deletes only what it created: the bucket must be in the ledger and carry the app's labels
(core/cleanup_policy.py decides; cloud/storage.py enforces it again at the moment of deletion).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from carbon_gui.cloud.errors import NotOurs
from carbon_gui.cloud.ledger import BucketRecord, JobRecord, Ledger
from carbon_gui.cloud.local import is_alive, remove_staging_dir, staging_dir_for
from carbon_gui.cloud.storage import DeleteOutcome
from carbon_gui.core.cleanup_policy import Orphan, cleanup_verdict, orphans
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

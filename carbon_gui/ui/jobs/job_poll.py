"""One poll of the jobs, run on the thread pool: refresh every watched job (one failure never stops the others),
then read every job's record, timeline and steps from the ledger for the Jobs tab."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from carbon_gui.cloud.ledger import BucketRecord, DamagedRecord, JobRecord, LedgerContents
from carbon_gui.cloud.local import staging_dir_for
from carbon_gui.cloud.vertex import console_url, logs_url
from carbon_gui.jobs.launcher import STEP_START
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot

if TYPE_CHECKING:
    from carbon_gui.jobs.service import JobService


@dataclass(frozen=True)
class PollResult:
    snapshots: tuple[JobSnapshot, ...]
    failures: dict[str, str] = field(default_factory=dict)  # job id -> why it could not be updated
    damaged: tuple[DamagedRecord, ...] = ()  # ledger rows that cannot be read: shown, never acted on


def poll_jobs(service: "JobService") -> PollResult:
    failures = service.refresh_watched()
    contents = service.ledger.contents()  # one read for every job's record, timeline, steps and bucket
    buckets = {bucket.name: bucket for bucket in contents.buckets}
    snapshots = tuple(_snapshot(job, contents, buckets) for job in contents.jobs)
    return PollResult(snapshots, failures, tuple(contents.damaged))


def _snapshot(job: JobRecord, contents: LedgerContents, buckets: dict[str, BucketRecord]) -> JobSnapshot:
    console = logs = None
    if job.vertex_name is not None and job.project is not None:
        console, logs = console_url(job.project, job.region, job.vertex_name), logs_url(job.project, job.vertex_name)
    return JobSnapshot(
        record=job,
        history=tuple(contents.history[job.id]),
        steps=tuple(contents.steps[job.id]),
        staging_left=_staging_left(job, buckets),
        staging_deleted=_staging_deleted(job, contents, buckets),
        console_url=console,
        logs_url=logs,
    )


def _staging_left(job: JobRecord, buckets: dict[str, BucketRecord]) -> bool:
    """Whether a staging bucket (or local directory) is there to delete; never one a damaged record refers to."""
    if job.target == "local":
        return staging_dir_for(job.id).exists()
    bucket = buckets.get(job.bucket) if job.bucket else None
    return bucket is not None and bucket.state != "deleted"


def _staging_deleted(job: JobRecord, contents: LedgerContents, buckets: dict[str, BucketRecord]) -> bool:
    """Whether its staging bucket is recorded deleted, or its local directory, once made, is gone (the ledger
    records a bucket's deletion; a local directory's absence is the record)."""
    if job.target == "local":
        started = any(s.step == STEP_START and s.status == "done" for s in contents.steps[job.id])
        return started and job.staging_dir is not None and not staging_dir_for(job.id).exists()
    bucket = buckets.get(job.bucket) if job.bucket else None
    return bucket is not None and bucket.state == "deleted"

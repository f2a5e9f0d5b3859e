"""One poll of the jobs, run on the thread pool: refresh every watched job (one failure never stops the others),
then read every job's record, timeline and steps from the ledger for the Jobs tab."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from carbon_gui.cloud.ledger import DamagedError, DamagedRecord, JobRecord
from carbon_gui.cloud.local import staging_dir_for
from carbon_gui.cloud.vertex import console_url, logs_url
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
    return PollResult(read_snapshots(service), failures, tuple(service.damaged()))


def read_snapshots(service: "JobService") -> tuple[JobSnapshot, ...]:
    return tuple(_snapshot(service, job) for job in service.jobs())


def _snapshot(service: "JobService", job: JobRecord) -> JobSnapshot:
    ledger = service.ledger
    console = logs = None
    if job.vertex_name is not None and job.project is not None:
        console, logs = console_url(job.project, job.region, job.vertex_name), logs_url(job.project, job.vertex_name)
    return JobSnapshot(
        record=job,
        history=tuple(ledger.history(job.id)),
        steps=tuple(ledger.steps(job.id)),
        staging_left=_staging_left(service, job),
        console_url=console,
        logs_url=logs,
    )


def _staging_left(service: "JobService", job: JobRecord) -> bool:
    if job.target == "local":
        return staging_dir_for(job.id).exists()
    try:
        bucket = service.ledger.bucket(job.bucket) if job.bucket else None
    except DamagedError:
        return False  # a damaged record may refer to it: nothing is offered for deletion
    return bucket is not None and bucket.state != "deleted"

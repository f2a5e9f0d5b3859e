"""May the app delete this staging bucket? And which buckets has it left behind?

A bucket may be deleted only when three independent facts agree: the job ledger recorded it, its
live labels say managed-by=carbon-gui and job=<the ledger's job id>, and its name has the app's
prefix and is the name the ledger recorded. Any one of them alone could be wrong (a forged label,
a hand-edited ledger, a name that merely looks like ours); together they are what the app made.

The facts are Protocols so this module needs no database: the ledger's records satisfy them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from carbon_gui.core.job_ids import BUCKET_PREFIX, JOB_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE
from carbon_gui.core.job_states import LAUNCH_STATES, is_terminal


class BucketFacts(Protocol):
    """What the ledger knows about a bucket the app intended or created."""

    @property
    def name(self) -> str: ...
    @property
    def job_id(self) -> str: ...
    @property
    def state(self) -> str: ...  # "intended" | "created" | "deleted"


class JobFacts(Protocol):
    """What the ledger knows about the job a bucket was made for."""

    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def vertex_name(self) -> str | None: ...  # set once Vertex AI accepted the job
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # user-facing: why it may or may not be deleted
    already_gone: bool = False  # nothing to delete: cleanup counts as done


def cleanup_verdict(
    bucket_name: str, live_labels: Mapping[str, str] | None, ledger_bucket: BucketFacts | None
) -> Verdict:
    """Whether the app may delete `bucket_name`.

    `live_labels` are the bucket's labels as the cloud reports them now (None: the bucket does not
    exist); `ledger_bucket` is the ledger's record for that name (None: the ledger never saw it).
    """
    if live_labels is None:
        return Verdict(False, f"nothing to delete: bucket {bucket_name} is already gone", already_gone=True)
    if not bucket_name.startswith(BUCKET_PREFIX):
        return Verdict(False, f"not created by carbon-gui: its name does not start with {BUCKET_PREFIX}")
    if ledger_bucket is None or ledger_bucket.name != bucket_name:
        return Verdict(False, "not created by carbon-gui: not in the job ledger")
    if live_labels.get(MANAGED_BY_LABEL) != MANAGED_BY_VALUE:
        return Verdict(False, f"its labels do not say {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}")
    live_job = live_labels.get(JOB_LABEL)
    if live_job != ledger_bucket.job_id:
        found = f"says {JOB_LABEL}={live_job}" if live_job else f"has no {JOB_LABEL} label"
        return Verdict(False, f"its labels do not match the ledger: it {found}, the ledger says {ledger_bucket.job_id}")
    return Verdict(True, f"created by carbon-gui for job {ledger_bucket.job_id}")


B = TypeVar("B", bound=BucketFacts)


@dataclass(frozen=True)
class Orphan(Generic[B]):
    bucket: B
    reason: str  # user-facing: why it is offered for cleanup


def orphans(
    buckets: Iterable[B],
    jobs: Iterable[JobFacts],
    now: datetime,
    ended_long_ago: timedelta = timedelta(days=1),
    launch_grace: timedelta = timedelta(minutes=10),
) -> list[Orphan[B]]:
    """Buckets the app created (or meant to) and has not deleted, whose job no longer needs them.

    That is: the job is unknown, the job was never submitted (no Vertex AI resource name and not
    launching right now), or it ended more than `ended_long_ago` before `now`. A job still in a
    launch state that changed within `launch_grace` may be launching in another process, so its
    bucket is left alone. Call this after recovery has looked for submits whose answer was lost
    (they get their resource name then), or a running job could lose its bucket.
    """
    by_id = {job.id: job for job in jobs}
    found: list[Orphan[B]] = []
    for bucket in buckets:
        if bucket.state == "deleted":
            continue
        reason = _why_orphaned(by_id.get(bucket.job_id), now, ended_long_ago, launch_grace)
        if reason:
            found.append(Orphan(bucket, reason))
    return found


def _why_orphaned(job: JobFacts | None, now: datetime, ended_long_ago: timedelta, launch_grace: timedelta) -> str:
    if job is None:
        return "its job is not in the ledger"
    if is_terminal(job.state):
        if job.vertex_name is None:
            return f"its job {job.state} before it was submitted"
        if job.ended_at is not None and now - job.ended_at > ended_long_ago:
            return f"its job {job.state} {_age(now - job.ended_at)} ago"
        return ""
    if job.vertex_name is None:
        recently_changed = job.updated_at is not None and now - job.updated_at < launch_grace
        if job.state in LAUNCH_STATES and recently_changed:
            return ""  # may be launching in another process right now
        return f"its job was never submitted (stopped at {job.state})"
    return ""


def over_long_ago(job: JobFacts, now: datetime, ended_long_ago: timedelta = timedelta(days=1)) -> str:
    """Why the staging of a local run that is over may go ("its job succeeded 3 days ago"), or "" while it may
    still be needed: the same day's grace as a bucket's, so its output can still be looked at."""
    if not is_terminal(job.state) or job.ended_at is None or now - job.ended_at <= ended_long_ago:
        return ""
    return f"its job {job.state} {_age(now - job.ended_at)} ago"


def _age(delta: timedelta) -> str:
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} h" if hours >= 1 else f"{int(delta.total_seconds() // 60)} min"

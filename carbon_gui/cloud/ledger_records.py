"""The job ledger's records, and reading its rows totally.

Every column of a row is checked for what it should be: its type, a time with a time zone, a known state,
JSON of the right shape. A row that fails becomes a DamagedRecord saying which column and why, and a job with
any damaged row (or a bucket a damaged row could refer to) is withheld from what the app acts on.
"""

import json
import math
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from carbon_gui.core.job_ids import is_job_id
from carbon_gui.core.job_states import BUCKET_STATES, JOB_STATES
from carbon_gui.core.measured_emissions import MeasuredEmissions
from carbon_gui.core.run_estimate import RunEstimate
from carbon_gui.terminal_text import ONE_LINE_LIMIT, printable

Target = Literal["vertex", "local"]
StepStatus = Literal["intent", "done", "failed"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class JobRecord:
    """One job the app launched (or is launching). Times are UTC."""

    id: str
    target: Target
    region: str
    display_name: str
    machine_type: str
    script_path: str
    project: str | None = None  # None for local runs
    accelerator_type: str | None = None
    accelerator_count: int = 0
    image_uri: str | None = None
    spec_json: str | None = None  # the CustomJob spec as submitted
    state: str = "draft"
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime | None = None  # the ledger sets it on every change
    ended_at: datetime | None = None  # the ledger sets it on the first terminal state
    vertex_name: str | None = None  # projects/…/locations/…/customJobs/… once Vertex AI accepted it
    bucket: str | None = None  # staging bucket name (vertex)
    staging_dir: str | None = None  # staging directory (local)
    pid: int | None = None  # local runs: the process, to reattach after a restart
    pid_started_at: float | None = None  # its start time in epoch seconds (psutil's create_time), against pid reuse
    estimate_kwh: float | None = None
    estimate_kg: float | None = None
    estimate_usd: float | None = None
    estimate_json: str | None = None  # core.run_estimate.RunEstimate as JSON: the so-far figure of a running job
    measured: str | None = None  # codecarbon's figures as JSON text, once read
    error: str | None = None  # user-facing message of the failure, if it failed
    scheduled_for: datetime | None = None  # a scheduled job's start (`launch --at`), UTC
    launch_json: str | None = None  # a scheduled job's launch request and how its start was chosen (jobs/schedule.py)
    # the live intensity seen per clock hour while it ran (JSON, ui/jobs/job_estimates.py): only an estimate's input,
    # so read leniently there; a value that cannot be read is ignored, it never makes the job damaged
    live_hours: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One event of a launch step: its intent, then done or failed."""

    job_id: str
    step: str
    status: StepStatus
    at: datetime
    detail: str


@dataclass(frozen=True)
class BucketRecord:
    name: str
    project: str
    region: str
    job_id: str
    labels: Mapping[str, str]
    state: str  # "intended" | "created" | "deleted"
    intended_at: datetime
    created_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class StateChange:
    job_id: str
    state: str
    at: datetime


@dataclass(frozen=True)
class DamagedRecord:
    """A ledger row that cannot be read as what it should be. Shown to the user; never acted on."""

    where: str  # the job id, or "(no id, row N)" when even that cannot be read
    problem: str  # what is wrong, in words
    job_id: str | None  # the job it belongs to, when that can be read
    bucket: str | None  # the bucket it names, when it names one

    def __str__(self) -> str:
        where = printable(self.where, ONE_LINE_LIMIT, one_line=True)  # an id is short: a long one is the damage
        return f"damaged: {where}: {printable(self.problem, one_line=True)}"


@dataclass(frozen=True)
class LedgerContents:
    """One consistent read of the ledger (or of the part of it about one job or bucket)."""

    jobs: list[JobRecord]  # newest first; none with a damaged row
    buckets: list[BucketRecord]  # newest first; none a damaged row could refer to
    damaged: list[DamagedRecord]
    history: dict[str, list[StateChange]]  # per job in `jobs`, in order
    steps: dict[str, list[StepRecord]]  # per job in `jobs`, oldest first


class Bad(Exception):
    """One column of a row is not what it should be; the message says which and how."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


class _Columns:
    """Typed reads of one row's columns; each raises Bad with a user-facing reason."""

    def __init__(self, row: sqlite3.Row) -> None:
        self._row = row

    def _get(self, name: str, optional: bool) -> Any:
        value = self._row[name]
        if value is None and not optional:
            raise Bad(f"{name} is missing")
        return value

    def text(self, name: str, *, optional: bool = False) -> Any:
        value = self._get(name, optional)
        if value is not None and not isinstance(value, str):
            raise Bad(f"{name} {_shown(value)} is not text")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> Any:
        value = self._get(name, False)
        if value not in allowed:
            raise Bad(f"{name} {_shown(value)} is not one of {', '.join(allowed)}")
        return value

    def time(self, name: str, *, optional: bool = False) -> datetime | None:
        value = self._get(name, optional)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise Bad(f"{name} {_shown(value)} is not a time with a time zone")
        return parsed

    def integer(self, name: str, *, optional: bool = False, minimum: int = 0) -> Any:
        value = self._get(name, optional)
        if value is not None and (not isinstance(value, int) or value < minimum):
            raise Bad(f"{name} {_shown(value)} is not a whole number of at least {minimum}")
        return value

    def number(self, name: str) -> Any:
        value = self._get(name, True)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            raise Bad(f"{name} {_shown(value)} is not a number")
        return float(value) if value is not None else None

    def json(self, name: str, what: str, check: Callable[[Any], object], *, optional: bool = True) -> Any:
        value = self.text(name, optional=optional)
        if value is None:
            return None
        try:
            check(json.loads(value))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise Bad(f"{name} {_shown(value)} is not {what}") from None
        return value


def _object(value: Any) -> None:
    if not isinstance(value, dict):
        raise TypeError("not an object")


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise TypeError("not labels")
    return value


def _measured(value: Any) -> None:
    """codecarbon's figures as `monitor` wrote them: every field of MeasuredEmissions, of its type."""
    if not isinstance(value, dict) or value.keys() != {f.name for f in fields(MeasuredEmissions)}:
        raise TypeError("not MeasuredEmissions")
    for spec in fields(MeasuredEmissions):
        item = value[spec.name]
        kinds = {"float": (int, float), "int": (int,), "str": (str,)}[getattr(spec.type, "__name__", str(spec.type))]
        if isinstance(item, bool) or not isinstance(item, kinds):
            raise TypeError(spec.name)


def _job(row: sqlite3.Row) -> JobRecord:
    c = _Columns(row)
    job_id = c.text("id")
    if not is_job_id(job_id):
        raise Bad(f"id {_shown(job_id)} is not a carbon-gui job id")
    return JobRecord(
        id=job_id,
        target=c.choice("target", ("vertex", "local")),
        region=c.text("region"),
        display_name=c.text("display_name"),
        machine_type=c.text("machine_type"),
        script_path=c.text("script_path"),
        project=c.text("project", optional=True),
        accelerator_type=c.text("accelerator_type", optional=True),
        accelerator_count=c.integer("accelerator_count"),
        image_uri=c.text("image_uri", optional=True),
        spec_json=c.json("spec_json", "a JSON object", _object),
        state=c.choice("state", JOB_STATES),
        created_at=c.time("created_at"),  # type: ignore[arg-type]
        updated_at=c.time("updated_at"),
        ended_at=c.time("ended_at", optional=True),
        vertex_name=c.text("vertex_name", optional=True),
        bucket=c.text("bucket", optional=True),
        staging_dir=c.text("staging_dir", optional=True),
        pid=c.integer("pid", optional=True, minimum=1),
        pid_started_at=c.number("pid_started_at"),
        estimate_kwh=c.number("estimate_kwh"),
        estimate_kg=c.number("estimate_kg"),
        estimate_usd=c.number("estimate_usd"),
        estimate_json=c.json("estimate_json", "the launch's estimate", RunEstimate.from_dict),
        measured=c.json("measured", "codecarbon's figures", _measured),
        error=c.text("error", optional=True),
        scheduled_for=c.time("scheduled_for", optional=True),
        launch_json=c.json("launch_json", "a JSON object", _object),
        live_hours=_text_or_none(row["live_hours"]),
    )


def read_step(row: sqlite3.Row) -> StepRecord | Bad:
    c = _Columns(row)
    try:
        status = c.choice("status", ("intent", "done", "failed"))
        return StepRecord(c.text("job_id"), c.text("step"), status, c.time("at"), c.text("detail"))  # type: ignore[arg-type]
    except Bad as bad:
        return bad


def read_state_change(row: sqlite3.Row) -> StateChange | Bad:
    c = _Columns(row)
    try:
        return StateChange(c.text("job_id"), c.choice("state", JOB_STATES), c.time("at"))  # type: ignore[arg-type]
    except Bad as bad:
        return bad


def _bucket(row: sqlite3.Row) -> BucketRecord:
    c = _Columns(row)
    return BucketRecord(
        name=c.text("name"),
        project=c.text("project"),
        region=c.text("region"),
        job_id=c.text("job_id"),
        labels=_labels(json.loads(c.json("labels", "a JSON object of text labels", _labels, optional=False))),
        state=c.choice("state", BUCKET_STATES),
        intended_at=c.time("intended_at"),  # type: ignore[arg-type]
        created_at=c.time("created_at", optional=True),
        deleted_at=c.time("deleted_at", optional=True),
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


Rows = list[sqlite3.Row]
Event = TypeVar("Event", StepRecord, StateChange)


def _by_job(
    rows: Rows, read: Callable[[sqlite3.Row], Event | Bad], kind: str, damaged: list[DamagedRecord]
) -> dict[str, list[Event]]:
    """A job's step or state events, grouped by job; a damaged one is added to `damaged` instead."""
    grouped: dict[str, list[Event]] = {}
    for row in rows:
        result = read(row)
        if isinstance(result, Bad):
            job_id = _text_or_none(row["job_id"])
            where = job_id or f"(no job id, {kind} record {row['seq']})"
            damaged.append(DamagedRecord(where, f"its {kind} record {row['seq']}: {result}", job_id, None))
        else:
            grouped.setdefault(result.job_id, []).append(result)
    return grouped


def sort_out(job_rows: Rows, step_rows: Rows, state_rows: Rows, bucket_rows: Rows) -> LedgerContents:
    """Read every row; withhold every job with a damaged row, and every bucket a damaged row could refer to."""
    damaged: list[DamagedRecord] = []
    jobs: list[JobRecord] = []
    for row in job_rows:
        try:
            jobs.append(_job(row))
        except Bad as bad:
            job_id = _text_or_none(row["id"])
            where = job_id or f"(no id, row {row['rowid']})"
            damaged.append(DamagedRecord(where, str(bad), job_id, _text_or_none(row["bucket"])))
    steps = _by_job(step_rows, read_step, "launch step", damaged)
    history = _by_job(state_rows, read_state_change, "state history", damaged)
    buckets: list[BucketRecord] = []
    for row in bucket_rows:
        try:
            buckets.append(_bucket(row))
        except Bad as bad:
            job_id, name = _text_or_none(row["job_id"]), _text_or_none(row["name"])
            where = job_id or f"(no job id, bucket {_shown(row['name'])})"
            damaged.append(DamagedRecord(where, f"its bucket record {_shown(row['name'])}: {bad}", job_id, name))
    withheld_jobs = {d.job_id for d in damaged if d.job_id}
    withheld_buckets = {d.bucket for d in damaged if d.bucket}
    withheld_buckets |= {job.bucket for job in jobs if job.id in withheld_jobs and job.bucket}
    good_jobs = [job for job in jobs if job.id not in withheld_jobs]
    known = {job.id for job in good_jobs}
    # a damaged job row without a readable id could be the job of any bucket whose job seems missing
    unknown_owner = any(d.job_id is None and d.bucket is None for d in damaged)
    good_buckets = [
        b
        for b in buckets
        if b.job_id not in withheld_jobs and b.name not in withheld_buckets and (b.job_id in known or not unknown_owner)
    ]
    return LedgerContents(
        good_jobs,
        good_buckets,
        damaged,
        {job.id: history.get(job.id, []) for job in good_jobs},
        {job.id: steps.get(job.id, []) for job in good_jobs},
    )

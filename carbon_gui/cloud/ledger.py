"""The job ledger: every job, every launch step, every staging bucket, in SQLite.

It is written from worker threads, from the CLI and from a process that may be killed at any
moment, so every call opens its own connection and every write is one committed transaction.
A step is recorded as an intent *before* it is taken and as done (or failed) after: after a crash,
`unfinished_steps()` says what may have happened in the cloud without the app knowing.

The file is `jobs.sqlite3` in platformdirs' user data dir ("carbon-gui"); CARBON_GUI_DATA_DIR
overrides the directory. `PRAGMA user_version` holds the schema version.
"""

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import platformdirs

from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_states import JOB_STATES, is_terminal

SCHEMA_VERSION = 1
DATA_DIR_ENV = "CARBON_GUI_DATA_DIR"
LEDGER_FILE = "jobs.sqlite3"

Target = Literal["vertex", "local"]
StepStatus = Literal["intent", "done", "failed"]


class LedgerError(UserFacingError):
    """The ledger cannot be read or written, or was asked about something it does not hold."""


def _now() -> datetime:
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
    created_at: datetime = field(default_factory=_now)
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


_SCHEMA = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    target TEXT NOT NULL CHECK (target IN ('vertex', 'local')),
    region TEXT NOT NULL,
    display_name TEXT NOT NULL,
    machine_type TEXT NOT NULL,
    script_path TEXT NOT NULL,
    project TEXT,
    accelerator_type TEXT,
    accelerator_count INTEGER NOT NULL,
    image_uri TEXT,
    spec_json TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT,
    vertex_name TEXT,
    bucket TEXT,
    staging_dir TEXT,
    pid INTEGER,
    pid_started_at REAL,
    estimate_kwh REAL,
    estimate_kg REAL,
    estimate_usd REAL,
    estimate_json TEXT,
    measured TEXT,
    error TEXT
);
CREATE TABLE steps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    step TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('intent', 'done', 'failed')),
    at TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX steps_by_job ON steps (job_id, step);
CREATE TABLE buckets (
    name TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    region TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    labels TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intended', 'created', 'deleted')),
    intended_at TEXT NOT NULL,
    created_at TEXT,
    deleted_at TEXT
);
CREATE TABLE job_states (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    state TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX job_states_by_job ON job_states (job_id);
"""

_JOB_COLUMNS = tuple(f.name for f in fields(JobRecord))
_TIME_COLUMNS = {"created_at", "updated_at", "ended_at", "at", "intended_at", "deleted_at"}


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    override = environ.get(DATA_DIR_ENV)
    folder = Path(override) if override else Path(platformdirs.user_data_dir("carbon-gui"))
    return folder / LEDGER_FILE


class Ledger:
    """The job ledger file. Cheap to create; safe to share between threads and processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"Cannot create the folder for the job ledger ({self.path.parent}): {exc.strerror}. "
                f"Set {DATA_DIR_ENV} to a writable folder."
            ) from None
        self._migrate()

    # --- jobs -------------------------------------------------------------------------------------------

    def add_job(self, record: JobRecord) -> None:
        """Record a new job, with its first state in the history."""
        row = asdict(record)
        row["updated_at"] = record.updated_at or record.created_at
        with self._write() as db:
            try:
                db.execute(
                    f"INSERT INTO jobs ({', '.join(_JOB_COLUMNS)}) VALUES ({', '.join('?' * len(_JOB_COLUMNS))})",
                    [_to_sql(row[name]) for name in _JOB_COLUMNS],
                )
            except sqlite3.IntegrityError:
                raise LedgerError(f"The ledger already has a job {record.id}.") from None
            db.execute(
                "INSERT INTO job_states (job_id, state, at) VALUES (?, ?, ?)",
                (record.id, record.state, _to_sql(row["updated_at"])),
            )

    def set_state(self, job_id: str, state: str, *, error: str | None = None) -> None:
        """Move a job to `state` (appended to its history). The first terminal state sets ended_at."""
        if state not in JOB_STATES:
            raise ValueError(f"unknown job state {state!r}")
        now = _to_sql(_now())
        ended = now if is_terminal(state) else None
        with self._write() as db:
            self._update_job(
                db,
                job_id,
                "state = ?, error = COALESCE(?, error), ended_at = COALESCE(ended_at, ?)",
                (state, error, ended),
                now,
            )
            db.execute("INSERT INTO job_states (job_id, state, at) VALUES (?, ?, ?)", (job_id, state, now))

    def set_vertex_name(self, job_id: str, vertex_name: str) -> None:
        self._update(job_id, "vertex_name = ?", (vertex_name,))

    def set_local_process(self, job_id: str, pid: int, started_at: float) -> None:
        """A local run's process id and start time (epoch seconds), to find it again after a restart."""
        self._update(job_id, "pid = ?, pid_started_at = ?", (pid, started_at))

    def set_measured(self, job_id: str, measured_json: str) -> None:
        """codecarbon's figures for the run, as JSON text."""
        self._update(job_id, "measured = ?", (measured_json,))

    def job(self, job_id: str) -> JobRecord | None:
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def jobs(self) -> list[JobRecord]:
        """Every job, newest first."""
        return [_job(row) for row in self._read("SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC")]

    def history(self, job_id: str) -> list[StateChange]:
        """The job's states in the order it went through them."""
        rows = self._read("SELECT job_id, state, at FROM job_states WHERE job_id = ? ORDER BY seq", (job_id,))
        return [StateChange(**_from_row(row)) for row in rows]

    # --- steps --------------------------------------------------------------------------------------------

    def begin(self, job_id: str, step: str, detail: str = "") -> None:
        """Record the intent to take `step`. Call it BEFORE the step's cloud call."""
        self._step(job_id, step, "intent", detail)

    def done(self, job_id: str, step: str, detail: str = "") -> None:
        self._step(job_id, step, "done", detail)

    def failed(self, job_id: str, step: str, message: str) -> None:
        self._step(job_id, step, "failed", message)

    def steps(self, job_id: str) -> list[StepRecord]:
        """Every step event of the job, oldest first."""
        rows = self._read(
            "SELECT job_id, step, status, at, detail FROM steps WHERE job_id = ? ORDER BY seq", (job_id,)
        )
        return [StepRecord(**_from_row(row)) for row in rows]

    def unfinished_steps(self) -> list[StepRecord]:
        """Steps whose latest event is an intent: a crash may have interrupted them, in any job."""
        rows = self._read(
            "SELECT s.job_id, s.step, s.status, s.at, s.detail FROM steps s"
            " WHERE s.status = 'intent'"
            " AND s.seq = (SELECT MAX(seq) FROM steps t WHERE t.job_id = s.job_id AND t.step = s.step)"
            " ORDER BY s.seq"
        )
        return [StepRecord(**_from_row(row)) for row in rows]

    # --- buckets ------------------------------------------------------------------------------------------

    def intend_bucket(self, name: str, project: str, region: str, job_id: str, labels: Mapping[str, str]) -> None:
        """Record a staging bucket about to be created, and name it as the job's bucket.

        Recording the same name again (a retried launch) keeps the first record.
        """
        now = _to_sql(_now())
        with self._write() as db:
            self._update_job(db, job_id, "bucket = ?", (name,), now)
            db.execute(
                "INSERT INTO buckets (name, project, region, job_id, labels, state, intended_at)"
                " VALUES (?, ?, ?, ?, ?, 'intended', ?) ON CONFLICT (name) DO NOTHING",
                (name, project, region, job_id, json.dumps(dict(labels), sort_keys=True), now),
            )

    def bucket_created(self, name: str) -> None:
        self._set_bucket_state(name, "created", "created_at")

    def bucket_deleted(self, name: str) -> None:
        self._set_bucket_state(name, "deleted", "deleted_at")

    def bucket(self, name: str) -> BucketRecord | None:
        rows = self._read("SELECT * FROM buckets WHERE name = ?", (name,))
        return _bucket(rows[0]) if rows else None

    def buckets(self) -> list[BucketRecord]:
        """Every bucket the app intended or created, newest first."""
        return [_bucket(row) for row in self._read("SELECT * FROM buckets ORDER BY intended_at DESC, name")]

    # --- plumbing -----------------------------------------------------------------------------------------

    def _step(self, job_id: str, step: str, status: StepStatus, detail: str) -> None:
        with self._write() as db:
            self._require_job(db, job_id)
            db.execute(
                "INSERT INTO steps (job_id, step, status, at, detail) VALUES (?, ?, ?, ?, ?)",
                (job_id, step, status, _to_sql(_now()), detail),
            )

    def _set_bucket_state(self, name: str, state: str, time_column: str) -> None:
        with self._write() as db:
            changed = db.execute(
                f"UPDATE buckets SET state = ?, {time_column} = COALESCE({time_column}, ?) WHERE name = ?",
                (state, _to_sql(_now()), name),
            ).rowcount
            if not changed:
                raise LedgerError(f"The ledger has no bucket {name}.")

    def _update(self, job_id: str, assignments: str, values: tuple[Any, ...]) -> None:
        with self._write() as db:
            self._update_job(db, job_id, assignments, values, _to_sql(_now()))

    @staticmethod
    def _update_job(db: sqlite3.Connection, job_id: str, assignments: str, values: tuple[Any, ...], now: str) -> None:
        cursor = db.execute(f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?", (*values, now, job_id))
        if not cursor.rowcount:
            raise LedgerError(f"The ledger has no job {job_id}.")

    @staticmethod
    def _require_job(db: sqlite3.Connection, job_id: str) -> None:
        if db.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
            raise LedgerError(f"The ledger has no job {job_id}.")

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise _ledger_error(self.path, exc) from None
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction on a fresh connection; rolled back if anything in it fails."""
        with closing(self._connect()) as db:
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _ledger_error(self.path, exc) from None
                raise

    def _read(self, sql: str, values: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            try:
                return db.execute(sql, values).fetchall()
            except sqlite3.Error as exc:
                raise _ledger_error(self.path, exc) from None

    def _migrate(self) -> None:
        with closing(self._connect()) as db:
            try:
                db.execute("PRAGMA journal_mode = WAL")  # persistent in the file; not allowed inside a transaction
                db.execute("BEGIN IMMEDIATE")  # a second process creating the file at the same time waits here
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    for statement in filter(str.strip, _SCHEMA.split(";")):  # not executescript: it would COMMIT
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise _ledger_error(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The job ledger {self.path} was written by a newer carbon-gui (schema {version}; this version "
                f"reads {SCHEMA_VERSION}). Update carbon-gui, or set {DATA_DIR_ENV} to use another folder."
            )


def _ledger_error(path: Path, exc: sqlite3.Error) -> LedgerError:
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return LedgerError(f"The job ledger {path} stayed locked by another carbon-gui process: try again.")
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        return LedgerError(f"The job ledger {path} is damaged (not a SQLite database): move it away to start anew.")
    return LedgerError(f"The job ledger {path} cannot be used: {exc}.")


def _to_sql(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _from_row(row: sqlite3.Row) -> dict[str, Any]:
    values = dict(row)
    for name in _TIME_COLUMNS & values.keys():
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    return values


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(**_from_row(row))


def _bucket(row: sqlite3.Row) -> BucketRecord:
    values = _from_row(row)
    values["labels"] = json.loads(values["labels"])
    return BucketRecord(**values)

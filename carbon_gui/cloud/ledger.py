"""The job ledger: every job, every launch step, every staging bucket, in SQLite.

It is written from worker threads, from the CLI and from a process that may be killed at any
moment, so every call opens its own connection and every write is one committed transaction.
A step is recorded as an intent *before* it is taken and as done (or failed) after: after a crash,
`unfinished_steps()` says what may have happened in the cloud without the app knowing.

The file is `jobs.sqlite3` in platformdirs' user data dir ("carbon-gui"); CARBON_GUI_DATA_DIR
overrides the directory. `PRAGMA user_version` holds the schema version. It names projects and buckets, so
the file (with its -wal and -shm) is the owner's only (0600), and so is a folder the ledger creates (0700).
A new ledger appears complete (built aside, then linked into place), so a file at the path that is empty,
not SQLite or without the ledger's tables is certainly damaged: it is set aside, never silently replaced.

Reading is total: a row that cannot be read as what it should be (wrong type, a time that is not one, an
unknown state, JSON of the wrong shape) becomes a DamagedRecord. A job with any damaged row is withheld from
`jobs()` and `buckets()`, so nothing acts on it: in particular no bucket is ever deleted on its strength.
"""

import json
import math
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import platformdirs

from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_ids import is_job_id
from carbon_gui.core.job_states import BUCKET_STATES, JOB_STATES, is_terminal
from carbon_gui.core.measured_emissions import MeasuredEmissions
from carbon_gui.core.run_estimate import RunEstimate

SCHEMA_VERSION = 1
DATA_DIR_ENV = "CARBON_GUI_DATA_DIR"
LEDGER_FILE = "jobs.sqlite3"

Target = Literal["vertex", "local"]
StepStatus = Literal["intent", "done", "failed"]


class LedgerError(UserFacingError):
    """The ledger cannot be read or written, or was asked about something it does not hold."""


class DamagedError(LedgerError):
    """The ledger's record of a job or bucket is damaged: the app does nothing with it."""


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


@dataclass(frozen=True)
class DamagedRecord:
    """A ledger row that cannot be read as what it should be. Shown to the user; never acted on."""

    where: str  # the job id, or "(no id, row N)" when even that cannot be read
    problem: str  # what is wrong, in words
    job_id: str | None  # the job it belongs to, when that can be read
    bucket: str | None  # the bucket it names, when it names one

    def __str__(self) -> str:
        return f"damaged: {self.where}: {self.problem}"


@dataclass(frozen=True)
class LedgerContents:
    """One consistent read of the ledger (or of the part of it about one job or bucket)."""

    jobs: list[JobRecord]  # newest first; none with a damaged row
    buckets: list[BucketRecord]  # newest first; none a damaged row could refer to
    damaged: list[DamagedRecord]
    history: dict[str, list[StateChange]]  # per job in `jobs`, in order
    steps: dict[str, list[StepRecord]]  # per job in `jobs`, oldest first


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


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    override = environ.get(DATA_DIR_ENV)
    folder = Path(override) if override else Path(platformdirs.user_data_dir("carbon-gui"))
    return folder / LEDGER_FILE


class Ledger:
    """The job ledger file. Cheap to create; safe to share between threads and processes."""

    def __init__(self, path: Path | None = None) -> None:
        """Opens the ledger, creating it if there is none. A file that is certainly not a ledger is set aside
        and a new ledger started: `notice` then says so, for the caller to tell the user."""
        self.path = path or default_path()
        self.notice: str | None = None
        _make_private_folder(self.path.parent)
        damage = self._open()
        if damage is not None:
            aside = _set_aside(self.path)
            self.notice = (
                f"The job ledger {self.path} was not usable ({damage}). It was moved to {aside} and a new ledger "
                "was started: jobs recorded only in the old one are not listed, and their buckets are left alone."
            )
            if self._open() is not None:  # only a file this process did not make could be damaged now
                raise LedgerError(f"The new job ledger {self.path} could not be started: try again.")

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
        """The job, or None when the ledger has none by that id. Raises DamagedError when a row of it is damaged."""
        contents = self._contents(job_id=job_id)
        damaged = [d for d in contents.damaged if d.job_id == job_id]
        if damaged:
            raise DamagedError(
                f"Job {job_id} is damaged in the job ledger ({damaged[0].problem}): carbon-gui leaves it alone. "
                f"Its staging bucket, if any, is never deleted by carbon-gui; remove it in the console if unneeded."
            )
        return next((job for job in contents.jobs if job.id == job_id), None)

    def jobs(self) -> list[JobRecord]:
        """Every job, newest first, except damaged ones (`damaged()` lists those)."""
        return self.contents().jobs

    def damaged(self) -> list[DamagedRecord]:
        """Every row that cannot be read as what it should be."""
        return self.contents().damaged

    def history(self, job_id: str) -> list[StateChange]:
        """The job's states in the order it went through them (its readable rows)."""
        rows = self._read("SELECT seq, job_id, state, at FROM job_states WHERE job_id = ? ORDER BY seq", (job_id,))
        return [change for change in map(_state_change, rows) if isinstance(change, StateChange)]

    def contents(self) -> LedgerContents:
        """Every job and bucket that can be read and acted on, and every damaged row, from one snapshot."""
        return self._contents()

    def _contents(self, *, job_id: str | None = None, bucket: str | None = None) -> LedgerContents:
        """All rows, or only those about one job (and the rows naming one bucket), read in one snapshot."""
        scoped = job_id is not None or bucket is not None
        with closing(self._connect()) as db:
            try:
                db.execute("BEGIN")  # one snapshot of all four tables
                tables = [
                    db.execute(sql.format(where=where if scoped else ""), {"job": job_id, "bucket": bucket}).fetchall()
                    for sql, where in _READ
                ]
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _ledger_error(self.path, exc) from None
        return _sort_out(*tables)

    # --- steps --------------------------------------------------------------------------------------------

    def begin(self, job_id: str, step: str, detail: str = "") -> None:
        """Record the intent to take `step`. Call it BEFORE the step's cloud call."""
        self._step(job_id, step, "intent", detail)

    def done(self, job_id: str, step: str, detail: str = "") -> None:
        self._step(job_id, step, "done", detail)

    def failed(self, job_id: str, step: str, message: str) -> None:
        self._step(job_id, step, "failed", message)

    def steps(self, job_id: str) -> list[StepRecord]:
        """Every step event of the job, oldest first (its readable rows)."""
        rows = self._read(
            "SELECT seq, job_id, step, status, at, detail FROM steps WHERE job_id = ? ORDER BY seq", (job_id,)
        )
        return [step for step in map(_step, rows) if isinstance(step, StepRecord)]

    def unfinished_steps(self) -> list[StepRecord]:
        """Steps whose latest event is an intent: a crash may have interrupted them, in any job not damaged."""
        rows = self._read(
            "SELECT s.seq, s.job_id, s.step, s.status, s.at, s.detail FROM steps s"
            " WHERE s.status = 'intent'"
            " AND s.seq = (SELECT MAX(seq) FROM steps t WHERE t.job_id = s.job_id AND t.step = s.step)"
            " ORDER BY s.seq"
        )
        withheld = {d.job_id for d in self.damaged()}
        return [s for s in map(_step, rows) if isinstance(s, StepRecord) and s.job_id not in withheld]

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
        """The bucket's record, or None. Raises DamagedError when a damaged row could refer to it."""
        rows = self._read("SELECT job_id FROM buckets WHERE name = ?", (name,))
        if not rows:
            return None
        owner = rows[0][0] if isinstance(rows[0][0], str) else None
        found = next((b for b in self._contents(job_id=owner, bucket=name).buckets if b.name == name), None)
        if found is None:
            raise DamagedError(
                f"The job ledger's record of bucket {name} is damaged, or belongs to a damaged job: "
                "carbon-gui leaves it alone. `carbon-gui jobs` lists the damaged records."
            )
        return found

    def buckets(self) -> list[BucketRecord]:
        """Every bucket the app intended or created, newest first, except those a damaged row could refer to."""
        return self.contents().buckets

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

    def _open(self) -> str | None:
        """Create the ledger if there is none, else check it is one. Returns what is wrong when it is certainly
        not a ledger (for the caller to set it aside); raises LedgerError when it cannot be used for now."""
        if not self.path.exists():
            self._create()
        _make_private(self.path)
        if self.path.stat().st_size == 0:
            return "the file is empty"
        try:  # reads only: a file that is not a ledger is set aside as it was
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                columns = {
                    table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")} for table in _columns()
                }
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                return "not a SQLite database" if "not a database" in str(exc) else f"SQLite says: {exc}"
            raise _ledger_error(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The job ledger {self.path} was written by a newer carbon-gui (schema {version}; this version "
                f"reads {SCHEMA_VERSION}). Update carbon-gui, or set {DATA_DIR_ENV} to use another folder."
            )
        missing = [table for table, wanted in _columns().items() if not wanted <= columns[table]]
        if version < SCHEMA_VERSION or missing:
            return f"a SQLite file without the ledger's tables ({', '.join(missing) or 'no schema version'})"
        with closing(self._connect()) as db:
            try:
                db.execute("PRAGMA journal_mode = WAL")  # persistent in the file; not allowed inside a transaction
            except sqlite3.Error as exc:
                raise _ledger_error(self.path, exc) from None
        return None

    def _create(self) -> None:
        """Build a complete ledger beside the path, then link it into place: the path never holds a half-made
        ledger, and a second process creating one at the same moment keeps the first."""
        draft = self.path.with_name(f"{self.path.name}.new-{os.getpid()}-{_now():%H%M%S%f}")
        try:
            os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # SQLite keeps this mode
            with closing(sqlite3.connect(draft, isolation_level=None)) as db:
                db.execute("BEGIN")
                for statement in filter(str.strip, _SCHEMA.split(";")):  # not executescript: it would COMMIT
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            try:
                os.link(draft, self.path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            except OSError:  # a file system without hard links
                if not self.path.exists():
                    os.replace(draft, self.path)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(
                f"Cannot create the job ledger {self.path}: {getattr(exc, 'strerror', None) or exc}. "
                f"Set {DATA_DIR_ENV} to a writable folder."
            ) from None
        finally:
            with suppress(OSError):
                draft.unlink()


# (query, its condition when only one job's rows, and the rows naming one bucket, are read)
_READ = (
    ("SELECT rowid, * FROM jobs {where} ORDER BY created_at DESC, rowid DESC", "WHERE id = :job OR bucket = :bucket"),
    ("SELECT seq, job_id, step, status, at, detail FROM steps {where} ORDER BY seq", "WHERE job_id = :job"),
    ("SELECT seq, job_id, state, at FROM job_states {where} ORDER BY seq", "WHERE job_id = :job"),
    ("SELECT * FROM buckets {where} ORDER BY intended_at DESC, name", "WHERE job_id = :job OR name = :bucket"),
)


@cache
def _columns() -> dict[str, set[str]]:
    """The columns of each table of the current schema (read from the schema itself)."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(_SCHEMA)
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: {row[1] for row in db.execute(f"PRAGMA table_info({t})")} for t in tables if t != "sqlite_sequence"}


def _make_private_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the mode applies only if it is created now
    except OSError as exc:
        raise LedgerError(
            f"Cannot create the folder for the job ledger ({folder}): {exc.strerror}. "
            f"Set {DATA_DIR_ENV} to a writable folder."
        ) from None


def _companions(path: Path) -> list[Path]:
    """The ledger file and the files SQLite keeps beside it."""
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _make_private(path: Path) -> None:
    """Owner-only, also for a ledger made by an older version. SQLite gives -wal and -shm the file's mode."""
    for file in _companions(path):
        with suppress(OSError):
            mode = file.stat().st_mode
            if stat.S_ISREG(mode) and mode & 0o077:  # files only: a folder in the way is reported, not changed
                file.chmod(0o600)


def _set_aside(path: Path) -> Path:
    """Rename the damaged file (with its -wal and -shm, which belong to it) to `<name>.bad-<UTC time>`."""
    stamp = _now().strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
    for source, target in zip(_companions(path), _companions(aside), strict=True):
        try:
            source.rename(target)
        except FileNotFoundError:
            pass  # no such companion (or another process set it aside at the same moment)
        except OSError as exc:
            raise LedgerError(
                f"The job ledger {path} is damaged and could not be moved aside ({exc.strerror}): "
                f"move it away by hand, or set {DATA_DIR_ENV} to another folder."
            ) from None
    return aside


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Errors that say the file is not a (sound) SQLite database, as opposed to locked or unreadable now."""
    return exc.sqlite_errorcode in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


def _ledger_error(path: Path, exc: sqlite3.Error) -> LedgerError:
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return LedgerError(f"The job ledger {path} stayed locked by another carbon-gui process: try again.")
    if isinstance(exc, sqlite3.DatabaseError) and _is_damage(exc):
        return LedgerError(
            f"The job ledger {path} became damaged ({exc}): the next start of carbon-gui sets it aside."
        )
    return LedgerError(f"The job ledger {path} cannot be used: {exc}.")


def _to_sql(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- reading rows: every column checked, a bad value becomes a DamagedRecord -----------------------------------


class _Bad(Exception):
    """One column of a row is not what it should be; the message says which and how."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


class _Columns:
    """Typed reads of one row's columns; each raises _Bad with a user-facing reason."""

    def __init__(self, row: sqlite3.Row) -> None:
        self._row = row

    def _get(self, name: str, optional: bool) -> Any:
        value = self._row[name]
        if value is None and not optional:
            raise _Bad(f"{name} is missing")
        return value

    def text(self, name: str, *, optional: bool = False) -> Any:
        value = self._get(name, optional)
        if value is not None and not isinstance(value, str):
            raise _Bad(f"{name} {_shown(value)} is not text")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> Any:
        value = self._get(name, False)
        if value not in allowed:
            raise _Bad(f"{name} {_shown(value)} is not one of {', '.join(allowed)}")
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
            raise _Bad(f"{name} {_shown(value)} is not a time with a time zone")
        return parsed

    def integer(self, name: str, *, optional: bool = False, minimum: int = 0) -> Any:
        value = self._get(name, optional)
        if value is not None and (not isinstance(value, int) or value < minimum):
            raise _Bad(f"{name} {_shown(value)} is not a whole number of at least {minimum}")
        return value

    def number(self, name: str) -> Any:
        value = self._get(name, True)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            raise _Bad(f"{name} {_shown(value)} is not a number")
        return float(value) if value is not None else None

    def json(self, name: str, what: str, check: Callable[[Any], object], *, optional: bool = True) -> Any:
        value = self.text(name, optional=optional)
        if value is None:
            return None
        try:
            check(json.loads(value))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise _Bad(f"{name} {_shown(value)} is not {what}") from None
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
        raise _Bad(f"id {_shown(job_id)} is not a carbon-gui job id")
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
    )


def _step(row: sqlite3.Row) -> StepRecord | _Bad:
    c = _Columns(row)
    try:
        status = c.choice("status", ("intent", "done", "failed"))
        return StepRecord(c.text("job_id"), c.text("step"), status, c.time("at"), c.text("detail"))  # type: ignore[arg-type]
    except _Bad as bad:
        return bad


def _state_change(row: sqlite3.Row) -> StateChange | _Bad:
    c = _Columns(row)
    try:
        return StateChange(c.text("job_id"), c.choice("state", JOB_STATES), c.time("at"))  # type: ignore[arg-type]
    except _Bad as bad:
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
    rows: Rows, read: Callable[[sqlite3.Row], Event | _Bad], kind: str, damaged: list[DamagedRecord]
) -> dict[str, list[Event]]:
    """A job's step or state events, grouped by job; a damaged one is added to `damaged` instead."""
    grouped: dict[str, list[Event]] = {}
    for row in rows:
        result = read(row)
        if isinstance(result, _Bad):
            job_id = _text_or_none(row["job_id"])
            where = job_id or f"(no job id, {kind} record {row['seq']})"
            damaged.append(DamagedRecord(where, f"its {kind} record {row['seq']}: {result}", job_id, None))
        else:
            grouped.setdefault(result.job_id, []).append(result)
    return grouped


def _sort_out(job_rows: Rows, step_rows: Rows, state_rows: Rows, bucket_rows: Rows) -> LedgerContents:
    """Read every row; withhold every job with a damaged row, and every bucket a damaged row could refer to."""
    damaged: list[DamagedRecord] = []
    jobs: list[JobRecord] = []
    for row in job_rows:
        try:
            jobs.append(_job(row))
        except _Bad as bad:
            job_id = _text_or_none(row["id"])
            where = job_id or f"(no id, row {row['rowid']})"
            damaged.append(DamagedRecord(where, str(bad), job_id, _text_or_none(row["bucket"])))
    steps = _by_job(step_rows, _step, "launch step", damaged)
    history = _by_job(state_rows, _state_change, "state history", damaged)
    buckets: list[BucketRecord] = []
    for row in bucket_rows:
        try:
            buckets.append(_bucket(row))
        except _Bad as bad:
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

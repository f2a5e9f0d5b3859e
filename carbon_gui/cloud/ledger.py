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
import os
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, fields
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import platformdirs

from carbon_gui.cloud.ledger_records import (
    BucketRecord,
    DamagedRecord,
    JobRecord,
    LedgerContents,
    StateChange,
    StepRecord,
    StepStatus,
    Target,
    read_state_change,
    read_step,
    sort_out,
    utc_now,
)
from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_states import JOB_STATES, is_terminal
from carbon_gui.local_files import special_file_kind

__all__ = [  # the records are the ledger's vocabulary: import them from here
    "BucketRecord",
    "DamagedError",
    "DamagedRecord",
    "JobRecord",
    "Ledger",
    "LedgerContents",
    "LedgerError",
    "StateChange",
    "StepRecord",
    "Target",
    "default_path",
]

SCHEMA_VERSION = 3  # 2: a scheduled job's start and launch request (jobs.scheduled_for, jobs.launch_json);
# 3: the live intensity seen per hour while a job ran (jobs.live_hours)
DATA_DIR_ENV = "CARBON_GUI_DATA_DIR"
LEDGER_FILE = "jobs.sqlite3"


class LedgerError(UserFacingError):
    """The ledger cannot be read or written, or was asked about something it does not hold."""


class DamagedError(LedgerError):
    """The ledger's record of a job or bucket is damaged: the app does nothing with it."""


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
    error TEXT,
    scheduled_for TEXT,
    launch_json TEXT,
    live_hours TEXT
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
# Columns added since schema 1, each with its type: a ledger of an older version gets them on open.
_ADDED_JOB_COLUMNS = {2: (("scheduled_for", "TEXT"), ("launch_json", "TEXT")), 3: (("live_hours", "TEXT"),)}


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
        now = _to_sql(utc_now())
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

    def claim_scheduled(self, record: JobRecord) -> bool:
        """Turn a scheduled job into the launch `record` describes (state draft), in one transaction.
        False when it is no longer scheduled (launched by another process, or dropped): then nothing changes."""
        row = asdict(record) | {"state": "draft", "scheduled_for": None}
        now = _to_sql(utc_now())
        columns = [name for name in _JOB_COLUMNS if name not in ("id", "created_at", "launch_json")]
        with self._write() as db:
            changed = db.execute(
                f"UPDATE jobs SET {', '.join(f'{name} = ?' for name in columns)}, updated_at = ?"
                " WHERE id = ? AND state = 'scheduled'",
                [*(_to_sql(row[name]) for name in columns), now, record.id],
            ).rowcount
            if changed:
                db.execute("INSERT INTO job_states (job_id, state, at) VALUES (?, 'draft', ?)", (record.id, now))
        return bool(changed)

    def drop_scheduled(self, job_id: str, reason: str) -> bool:
        """Cancel a job that is still scheduled; False when it is not (any more)."""
        now = _to_sql(utc_now())
        with self._write() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'cancelled', error = ?, ended_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'scheduled'",
                (reason, now, now, job_id),
            ).rowcount
            if changed:
                db.execute("INSERT INTO job_states (job_id, state, at) VALUES (?, 'cancelled', ?)", (job_id, now))
        return bool(changed)

    def reschedule(self, job_id: str, start: datetime, launch_json: str) -> bool:
        """Move a scheduled job's start (a re-plan); False when it is no longer scheduled."""
        with self._write() as db:
            changed = db.execute(
                "UPDATE jobs SET scheduled_for = ?, launch_json = ?, updated_at = ?"
                " WHERE id = ? AND state = 'scheduled'",
                (_to_sql(start), launch_json, _to_sql(utc_now()), job_id),
            ).rowcount
        return bool(changed)

    def set_vertex_name(self, job_id: str, vertex_name: str) -> None:
        self._update(job_id, "vertex_name = ?", (vertex_name,))

    def set_local_process(self, job_id: str, pid: int, started_at: float) -> None:
        """A local run's process id and start time (epoch seconds), to find it again after a restart."""
        self._update(job_id, "pid = ?, pid_started_at = ?", (pid, started_at))

    def set_measured(self, job_id: str, measured_json: str) -> None:
        """codecarbon's figures for the run, as JSON text."""
        self._update(job_id, "measured = ?", (measured_json,))

    def set_live_hours(self, job_id: str, live_hours_json: str) -> None:
        """The live intensity seen per clock hour while the job runs (JSON). Not a change of the job: updated_at,
        which the cleanup rule's grace reads, stays as it was."""
        with self._write() as db:
            if not db.execute("UPDATE jobs SET live_hours = ? WHERE id = ?", (live_hours_json, job_id)).rowcount:
                raise LedgerError(f"The ledger has no job {job_id}.")

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
        return [change for change in map(read_state_change, rows) if isinstance(change, StateChange)]

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
        return sort_out(*tables)

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
        return [step for step in map(read_step, rows) if isinstance(step, StepRecord)]

    def unfinished_steps(self) -> list[StepRecord]:
        """Steps whose latest event is an intent: a crash may have interrupted them, in any job not damaged."""
        rows = self._read(
            "SELECT s.seq, s.job_id, s.step, s.status, s.at, s.detail FROM steps s"
            " WHERE s.status = 'intent'"
            " AND s.seq = (SELECT MAX(seq) FROM steps t WHERE t.job_id = s.job_id AND t.step = s.step)"
            " ORDER BY s.seq"
        )
        withheld = {d.job_id for d in self.damaged()}
        return [s for s in map(read_step, rows) if isinstance(s, StepRecord) and s.job_id not in withheld]

    # --- buckets ------------------------------------------------------------------------------------------

    def intend_bucket(self, name: str, project: str, region: str, job_id: str, labels: Mapping[str, str]) -> None:
        """Record a staging bucket about to be created, and name it as the job's bucket.

        Recording the same name again (a retried launch) keeps the first record.
        """
        now = _to_sql(utc_now())
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
                f"The job ledger's record of bucket {name} is damaged, or a damaged record refers to it: "
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
                (job_id, step, status, _to_sql(utc_now()), detail),
            )

    def _set_bucket_state(self, name: str, state: str, time_column: str) -> None:
        with self._write() as db:
            changed = db.execute(
                f"UPDATE buckets SET state = ?, {time_column} = COALESCE({time_column}, ?) WHERE name = ?",
                (state, _to_sql(utc_now()), name),
            ).rowcount
            if not changed:
                raise LedgerError(f"The ledger has no bucket {name}.")

    def _update(self, job_id: str, assignments: str, values: tuple[Any, ...]) -> None:
        with self._write() as db:
            self._update_job(db, job_id, assignments, values, _to_sql(utc_now()))

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
        mode = self.path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a FIFO or a device is no ledger (and never ends)
            return f"it is {special_file_kind(mode)}, not a regular file"
        if self.path.stat().st_size == 0:
            return "the file is empty"
        try:  # reads only: a file that is not a ledger is set aside as it was
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                columns = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")} for table in _columns()}
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                return "not a SQLite database" if "not a database" in str(exc) else f"SQLite says: {exc}"
            raise _ledger_error(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The job ledger {self.path} was written by a newer carbon-gui (schema {version}; this version "
                f"reads {SCHEMA_VERSION}). Update carbon-gui, or set {DATA_DIR_ENV} to use another folder."
            )
        if 1 <= version < SCHEMA_VERSION and _upgradable(version, columns):  # an older ledger, else untouched
            columns["jobs"] |= self._upgrade(version, columns["jobs"])
            version = SCHEMA_VERSION
        missing = [table for table, wanted in _columns().items() if not wanted <= columns[table]]
        if version < SCHEMA_VERSION or missing:
            return f"a SQLite file without the ledger's tables ({', '.join(missing) or 'no schema version'})"
        with closing(self._connect()) as db:
            try:
                db.execute("PRAGMA journal_mode = WAL")  # persistent in the file; not allowed inside a transaction
            except sqlite3.Error as exc:
                raise _ledger_error(self.path, exc) from None
        return None

    def _upgrade(self, version: int, job_columns: set[str]) -> set[str]:
        """Add the columns of the schemas after `version` (one transaction); returns the names added."""
        added = _added_since(version)
        with self._write() as db:
            for name, kind in added:
                if name not in job_columns:
                    db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return {name for name, _ in added}

    def _create(self) -> None:
        """Build a complete ledger beside the path, then link it into place: the path never holds a half-made
        ledger, and a second process creating one at the same moment keeps the first."""
        draft = self.path.with_name(f"{self.path.name}.new-{os.getpid()}-{utc_now():%H%M%S%f}")
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


def _added_since(version: int) -> list[tuple[str, str]]:
    return [(name, kind) for v in range(version + 1, SCHEMA_VERSION + 1) for name, kind in _ADDED_JOB_COLUMNS[v]]


def _upgradable(version: int, columns: dict[str, set[str]]) -> bool:
    """The file has every table and column of schema `version`: only the columns added since may be missing."""
    added = {name for name, _ in _added_since(version)}
    return all(wanted - (added if table == "jobs" else set()) <= columns[table] for table, wanted in _columns().items())


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
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
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
        return LedgerError(f"The job ledger {path} became damaged ({exc}): the next start of carbon-gui sets it aside.")
    return LedgerError(f"The job ledger {path} cannot be used: {exc}.")


def _to_sql(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value

"""The jobs CLI on a damaged ledger: bad rows written directly with sqlite3, and files that are not a ledger.

A damaged row is shown as "damaged: <id>: <what is wrong>", the other jobs still work, and cleanup never acts
on it (nor on the bucket it names). A file that is not a usable ledger is set aside, never silently replaced.
Everything runs through `carbon_gui.cli.main`, against the real ledger file and the storage emulator."""

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.core.job_ids import bucket_labels, bucket_name
from tests.jobs.conftest import PROJECT, REGION

GOOD = "cg-20261120-090000-aaaa"
BAD = "cg-20261121-090000-bbbb"
OTHER = "cg-20261122-090000-cccc"
MEASURED = {
    "duration_s": 60.0, "energy_kwh": 0.25, "emissions_kg": 0.1, "country_iso": "NLD", "country_name": "Netherlands",
    "cpu_power_w": 40.0, "gpu_power_w": 70.0, "ram_power_w": 10.0, "cpu_model": "Xeon", "gpu_count": 1,
    "gpu_model": "T4", "codecarbon_version": "2.8.0", "cpu_mode": "cpu_load",
}  # fmt: skip
LONG_AGO = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    return folder


def _record(job_id: str, **overrides: object) -> JobRecord:
    values: dict[str, object] = {
        "id": job_id, "target": "vertex", "project": PROJECT, "region": REGION, "display_name": f"run {job_id[-4:]}",
        "machine_type": "n1-standard-8", "script_path": "/home/me/train.py", "state": "succeeded",
        "created_at": LONG_AGO, "estimate_kg": 0.4, "measured": json.dumps(MEASURED),
        "vertex_name": f"projects/{PROJECT}/locations/{REGION}/customJobs/1",
    }  # fmt: skip
    values.update(overrides)
    return JobRecord(**values)  # type: ignore[arg-type]


def _ledger_with(data_dir: Path, *records: JobRecord) -> Path:
    ledger = Ledger()
    for record in records:
        ledger.add_job(record)
    return ledger.path


def _damage(path: Path, sql: str, *values: object) -> None:
    """Write behind the app's back, the way a hand edit, an old bug or a disk fault would."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(sql, values)
    db.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# (what is damaged, the SQL that damages the BAD job, what the message says)
DAMAGES = [
    ("unparseable time", "UPDATE jobs SET created_at = 'yesterday' WHERE id = ?", "created_at 'yesterday'"),
    ("measured of the wrong shape", "UPDATE jobs SET measured = '[1]' WHERE id = ?", "measured"),
    ("measured not JSON", "UPDATE jobs SET measured = '{oops' WHERE id = ?", "measured"),
    ("unknown state", "UPDATE jobs SET state = 'exploded' WHERE id = ?", "state 'exploded'"),
    ("wrong type", "UPDATE jobs SET accelerator_count = 'two' WHERE id = ?", "accelerator_count 'two'"),
    ("time without zone", "UPDATE jobs SET ended_at = '2026-11-01T10:00:00' WHERE id = ?", "ended_at"),
    ("bad target", "UPDATE jobs SET target = 'mars' WHERE id = ?", "target 'mars'"),
    ("bad estimate", "UPDATE jobs SET estimate_json = '{\"hours\": \"x\"}' WHERE id = ?", "estimate_json"),
    ("bad step", "UPDATE steps SET at = 'soon' WHERE job_id = ?", "at 'soon'"),
    ("bad history", "UPDATE job_states SET state = 'zzz' WHERE job_id = ?", "state 'zzz'"),
    ("bad bucket labels", "UPDATE buckets SET labels = '[\"x\"]' WHERE job_id = ?", "labels"),
]


def _ledger_with_one_bad_job(data_dir: Path, sql: str) -> Path:
    path = _ledger_with(data_dir, _record(GOOD), _record(BAD, vertex_name=None, state="failed"), _record(OTHER))
    ledger = Ledger(path)
    ledger.begin(BAD, "create bucket")
    ledger.intend_bucket(bucket_name(BAD), PROJECT, REGION, BAD, bucket_labels(BAD))
    _damage(path, sql, BAD)
    return path


@pytest.mark.parametrize(("what", "sql", "said"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_jobs_lists_a_damaged_row_as_damaged_and_the_others_as_usual(
    data_dir: Path, capsys: pytest.CaptureFixture[str], what: str, sql: str, said: str
) -> None:
    _ledger_with_one_bad_job(data_dir, sql)
    code, out, _ = _run(capsys, "jobs")
    assert code == 0
    assert GOOD in out and OTHER in out and "codecarbon: 100 g CO₂e" in out.replace("100.0", "100")
    [line] = [line for line in out.splitlines() if BAD in line]
    assert line.startswith(f"damaged: {BAD}: ") and said in line

    code, out, _ = _run(capsys, "jobs", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows if "damaged" not in r} == {GOOD, OTHER}
    [damaged] = [r for r in rows if "damaged" in r]
    assert damaged["id"] == BAD and said in damaged["damaged"]


@pytest.mark.parametrize(("what", "sql", "said"), DAMAGES[:3], ids=[d[0] for d in DAMAGES[:3]])
def test_jobs_refresh_on_a_damaged_row_still_lists_every_job(
    data_dir: Path, capsys: pytest.CaptureFixture[str], what: str, sql: str, said: str
) -> None:
    _ledger_with_one_bad_job(data_dir, sql)
    _damage(Ledger().path, "UPDATE buckets SET state = 'created'")  # nothing for recovery to ask the cloud about
    code, out, _ = _run(capsys, "jobs", "--refresh")
    assert code == 0
    assert GOOD in out and OTHER in out and f"damaged: {BAD}: " in out


def test_a_damaged_row_whose_id_is_unreadable_is_still_shown(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ledger_with(data_dir, _record(GOOD), _record(BAD))
    _damage(path, "UPDATE jobs SET id = NULL WHERE id = ?", BAD)
    code, out, _ = _run(capsys, "jobs")
    assert code == 0 and GOOD in out
    assert "damaged: (no id, row 2): id" in out


@pytest.mark.parametrize("command", [["cancel", BAD], ["cleanup", BAD, "--yes"]])
def test_commands_on_a_damaged_job_refuse_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    _ledger_with_one_bad_job(data_dir, DAMAGES[0][1])
    code, out, err = _run(capsys, *command)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"{BAD} is damaged in the job ledger" in err and "created_at 'yesterday'" in err


@pytest.mark.usefixtures("emulator")
@pytest.mark.parametrize(("what", "sql", "said"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_cleanup_orphans_never_deletes_the_bucket_of_a_damaged_row(
    data_dir: Path, capsys: pytest.CaptureFixture[str], what: str, sql: str, said: str
) -> None:
    gcs = storage.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    never_submitted = "cg-20261119-090000-dddd"
    path = _ledger_with(data_dir, _record(never_submitted, vertex_name=None, state="failed"))
    ledger = Ledger(path)
    ledger.intend_bucket(bucket_name(never_submitted), PROJECT, REGION, never_submitted, bucket_labels(never_submitted))
    ledger.bucket_created(bucket_name(never_submitted))
    _ledger_with_one_bad_job(data_dir, "SELECT ?")  # BAD: failed before submit, its bucket recorded
    ledger.bucket_created(bucket_name(BAD))
    for job_id in (never_submitted, BAD):
        bucket = gcs.create_bucket(bucket_name(job_id), location=REGION)
        bucket.labels = bucket_labels(job_id)  # the emulator ignores labels on insert
        bucket.patch()
    _damage(path, sql, BAD)

    code, out, err = _run(capsys, "cleanup", "--orphans", "--yes")
    assert code == 0, err
    assert f"Deleted gs://{bucket_name(never_submitted)}" in out  # a good orphan is still cleaned up
    assert f"damaged: {BAD}: " in err and "left alone" in err
    assert gcs.bucket(bucket_name(BAD)).exists()
    assert not gcs.bucket(bucket_name(never_submitted)).exists()


@pytest.mark.usefixtures("emulator")
def test_cleanup_orphans_keeps_every_job_less_bucket_while_a_row_without_id_is_damaged(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A damaged row whose id cannot be read might be the job of any bucket whose job seems missing."""
    gcs = storage.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    path = _ledger_with(data_dir, _record(BAD, vertex_name=None, state="failed"))
    ledger = Ledger(path)
    ledger.intend_bucket(bucket_name(BAD), PROJECT, REGION, BAD, bucket_labels(BAD))
    ledger.bucket_created(bucket_name(BAD))
    bucket = gcs.create_bucket(bucket_name(BAD), location=REGION)
    bucket.labels = bucket_labels(BAD)
    bucket.patch()
    _damage(path, "UPDATE jobs SET id = NULL, bucket = NULL WHERE id = ?", BAD)

    code, out, err = _run(capsys, "cleanup", "--orphans", "--yes")
    assert code == 0
    assert "No orphan buckets" in out and "damaged: (no id" in err
    assert gcs.bucket(bucket_name(BAD)).exists()


# --- files that are not a usable ledger ----------------------------------------------------------------------


def _not_a_ledger(path: Path, kind: str) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "empty file":
        path.write_bytes(b"")
    elif kind == "not SQLite":
        path.write_bytes(b"this is a text file, not a database\n" * 20)
    elif kind == "SQLite without the schema":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
        db.close()
    elif kind == "a table missing":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY)")
            db.execute("PRAGMA user_version = 1")
        db.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["empty file", "not SQLite", "SQLite without the schema", "a table missing"])
@pytest.mark.parametrize("command", [["jobs"], ["jobs", "--refresh"], ["cleanup", "--orphans", "--yes"]])
def test_an_unusable_ledger_is_set_aside_with_a_message_and_a_new_one_started(
    data_dir: Path, capsys: pytest.CaptureFixture[str], kind: str, command: list[str]
) -> None:
    path = data_dir / "jobs.sqlite3"
    before = _not_a_ledger(path, kind)
    code, out, err = _run(capsys, *command)
    assert code == 0, err
    [aside] = list(data_dir.glob("jobs.sqlite3.bad-*"))
    assert aside.read_bytes() == before  # kept as it was, for the user to look at
    assert str(aside) in err and str(path) in err
    assert "a new ledger" in err
    Ledger().add_job(_record(GOOD))  # the new ledger works
    code, out, err = _run(capsys, "jobs")
    assert code == 0 and GOOD in out and err == ""
    assert len(list(data_dir.glob("jobs.sqlite3.bad-*"))) == 1


def test_a_ledger_from_a_newer_version_is_refused_not_set_aside(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ledger_with(data_dir, _record(GOOD))
    _damage(path, "PRAGMA user_version = 99")
    code, _, err = _run(capsys, "jobs")
    assert code == 2 and "newer carbon-gui" in err
    assert list(data_dir.glob("jobs.sqlite3.bad-*")) == []


def test_a_new_ledger_is_never_an_empty_file_and_leaves_no_draft(data_dir: Path) -> None:
    """A new ledger is built aside and linked into place complete, so a 0-byte ledger is never the app's own."""
    Ledger()
    assert (data_dir / "jobs.sqlite3").stat().st_size > 0
    assert sorted(p.name for p in data_dir.iterdir() if "sqlite3" in p.name) == ["jobs.sqlite3"]


def test_a_ledger_that_cannot_be_opened_is_reported_never_set_aside(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a file that is certainly not a ledger is set aside; a path SQLite cannot open is the user's to fix."""
    path = data_dir / "jobs.sqlite3"
    path.mkdir(parents=True, mode=0o755)  # a folder where the file should be
    code, _, err = _run(capsys, "jobs")
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(path) in err
    assert path.is_dir() and list(data_dir.glob("jobs.sqlite3.bad-*")) == []
    assert path.stat().st_mode & 0o777 == 0o755  # left as it was


def test_the_ledger_notice_is_given_once(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _not_a_ledger(data_dir / "jobs.sqlite3", "not SQLite")
    _run(capsys, "jobs")
    code, out, err = _run(capsys, "jobs")
    assert code == 0 and err == "" and "No jobs yet" in out


def test_reading_never_rewrites_a_damaged_row(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reading never rewrites: the damaged row is still in the ledger, as it was, after every command."""
    path = _ledger_with_one_bad_job(data_dir, DAMAGES[0][1])
    for command in (["jobs"], ["jobs", "--refresh"], ["cancel", BAD]):
        _run(capsys, *command)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT created_at FROM jobs WHERE id = ?", (BAD,)).fetchone() == ("yesterday",)
    db.close()


@pytest.mark.usefixtures("emulator")
def test_a_bucket_that_a_damaged_row_also_names_is_never_deleted(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fail closed: a damaged row naming a good job's bucket makes that bucket untouchable too."""
    gcs = storage.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    path = _ledger_with(data_dir, _record(GOOD, vertex_name=None, state="failed"), _record(BAD))
    ledger = Ledger(path)
    ledger.intend_bucket(bucket_name(GOOD), PROJECT, REGION, GOOD, bucket_labels(GOOD))
    ledger.bucket_created(bucket_name(GOOD))
    bucket = gcs.create_bucket(bucket_name(GOOD), location=REGION)
    bucket.labels = bucket_labels(GOOD)
    bucket.patch()
    _damage(path, "UPDATE jobs SET bucket = ?, created_at = 'yesterday' WHERE id = ?", bucket_name(GOOD), BAD)

    code, out, err = _run(capsys, "cleanup", "--orphans", "--yes")
    assert code == 0 and "No orphan buckets" in out and f"damaged: {BAD}: " in err
    code, out, err = _run(capsys, "cleanup", GOOD, "--yes")
    assert code == 2 and f"bucket {bucket_name(GOOD)} is damaged, or a damaged record refers to it" in err
    assert gcs.bucket(bucket_name(GOOD)).exists()

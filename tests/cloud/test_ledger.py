"""The job ledger on a real SQLite file: round trips, WAL, schema version, other processes, SIGKILL."""

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import SCHEMA_VERSION, JobRecord, Ledger, LedgerError, default_path
from carbon_gui.core.job_ids import bucket_labels, bucket_name, new_job_id
from carbon_gui.core.measured_emissions import MeasuredEmissions

WAIT_SECONDS = 60  # generous: two cores shared with other test runs


def _job(job_id: str | None = None, **overrides: object) -> JobRecord:
    values: dict[str, object] = {
        "id": job_id or new_job_id(),
        "target": "vertex",
        "project": "carbon-test",
        "region": "europe-west4",
        "display_name": "resnet on T4",
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 1,
        "image_uri": "europe-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest",
        "script_path": "/home/me/task.py",
        "spec_json": json.dumps({"displayName": "resnet on T4"}),
        "estimate_kwh": 1.5,
        "estimate_kg": 0.4,
        "estimate_usd": 2.25,
    }
    values.update(overrides)
    return JobRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "jobs.sqlite3")


def _run_python(code: str, *args: str) -> subprocess.Popen[str]:
    """Another process using the ledger, as the CLI or a second window would."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_job_round_trip_keeps_every_field(ledger: Ledger) -> None:
    record = _job(created_at=datetime(2026, 8, 1, 9, 30, tzinfo=UTC))
    ledger.add_job(record)
    stored = ledger.job(record.id)
    assert stored is not None
    assert stored == JobRecord(**{**record.__dict__, "updated_at": record.created_at})
    assert ledger.job("cg-20000101-000000-dead") is None


def test_local_job_round_trip(ledger: Ledger) -> None:
    record = _job(target="local", project=None, staging_dir="/tmp/stage", accelerator_type=None, accelerator_count=0)
    ledger.add_job(record)
    ledger.set_local_process(record.id, 4242, 1_785_000_000.25)
    stored = ledger.job(record.id)
    assert stored is not None
    assert (stored.target, stored.project, stored.staging_dir) == ("local", None, "/tmp/stage")
    assert (stored.pid, stored.pid_started_at) == (4242, 1_785_000_000.25)


def test_jobs_are_newest_first(ledger: Ledger) -> None:
    start = datetime(2026, 8, 1, tzinfo=UTC)
    ids = [new_job_id(start + timedelta(minutes=n)) for n in range(3)]
    for n, job_id in enumerate(ids):
        ledger.add_job(_job(job_id, created_at=start + timedelta(minutes=n)))
    assert [job.id for job in ledger.jobs()] == list(reversed(ids))


def test_adding_a_job_twice_is_refused(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    with pytest.raises(LedgerError, match="already has a job"):
        ledger.add_job(record)


def test_state_history_and_end_time(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    for state in ("creating-bucket", "uploading", "submitting", "queued", "running"):
        ledger.set_state(record.id, state)
    running = ledger.job(record.id)
    assert running is not None and running.ended_at is None
    ledger.set_state(record.id, "failed", error="The job failed: out of memory on the T4.")
    ledger.set_vertex_name(record.id, "projects/1/locations/europe-west4/customJobs/77")
    ended = ledger.job(record.id)
    assert ended is not None
    assert ended.state == "failed"
    assert ended.error == "The job failed: out of memory on the T4."
    assert ended.vertex_name == "projects/1/locations/europe-west4/customJobs/77"
    assert ended.ended_at is not None and ended.updated_at is not None and ended.updated_at >= ended.ended_at
    history = ledger.history(record.id)
    assert [change.state for change in history] == [
        "draft", "creating-bucket", "uploading", "submitting", "queued", "running", "failed"
    ]
    assert [change.at for change in history] == sorted(change.at for change in history)


def test_unknown_state_and_unknown_job_are_refused(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    with pytest.raises(ValueError, match="unknown job state"):
        ledger.set_state(record.id, "exploded")
    with pytest.raises(LedgerError, match="no job cg-20000101-000000-dead"):
        ledger.set_state("cg-20000101-000000-dead", "running")
    with pytest.raises(LedgerError, match="no job"):
        ledger.begin("cg-20000101-000000-dead", "upload")
    assert [change.state for change in ledger.history(record.id)] == ["draft"]  # nothing half-written


def test_measured_figures_round_trip(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    figures = json.dumps(dataclasses.asdict(MeasuredEmissions(
        duration_s=60.0, energy_kwh=0.012, emissions_kg=0.0007, country_iso="NLD", country_name="Netherlands",
        cpu_power_w=40.0, gpu_power_w=0.0, ram_power_w=10.0, cpu_model="Xeon", gpu_count=0, gpu_model="",
        codecarbon_version="2.8.0", cpu_mode="cpu_load",
    )))  # fmt: skip
    ledger.set_measured(record.id, figures)
    stored = ledger.job(record.id)
    assert stored is not None and json.loads(stored.measured or "") == json.loads(figures)


def test_steps_and_unfinished_steps(ledger: Ledger) -> None:
    first, second = _job(), _job()
    ledger.add_job(first)
    ledger.add_job(second)
    ledger.begin(first.id, "create bucket", "carbon-gui-x in europe-west4")
    ledger.done(first.id, "create bucket")
    ledger.begin(first.id, "upload")
    ledger.failed(first.id, "upload", "permission denied")
    ledger.begin(first.id, "upload")  # retried, and interrupted
    ledger.begin(second.id, "submit")
    steps = ledger.steps(first.id)
    assert [(s.step, s.status) for s in steps] == [
        ("create bucket", "intent"), ("create bucket", "done"), ("upload", "intent"), ("upload", "failed"),
        ("upload", "intent"),
    ]
    assert steps[0].detail == "carbon-gui-x in europe-west4" and steps[3].detail == "permission denied"
    assert [(s.job_id, s.step) for s in ledger.unfinished_steps()] == [(first.id, "upload"), (second.id, "submit")]
    ledger.done(first.id, "upload")
    ledger.failed(second.id, "submit", "quota exceeded")
    assert ledger.unfinished_steps() == []


def test_bucket_life_cycle(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    name = bucket_name(record.id)
    ledger.intend_bucket(name, "carbon-test", "europe-west4", record.id, bucket_labels(record.id))
    intended = ledger.bucket(name)
    assert intended is not None
    assert (intended.state, intended.created_at, intended.deleted_at) == ("intended", None, None)
    assert intended.labels == {"managed-by": "carbon-gui", "job": record.id}
    job = ledger.job(record.id)
    assert job is not None and job.bucket == name
    ledger.intend_bucket(name, "carbon-test", "europe-west4", record.id, {})  # a retry keeps the first record
    ledger.bucket_created(name)
    ledger.bucket_deleted(name)
    deleted = ledger.bucket(name)
    assert deleted is not None and deleted.state == "deleted" and deleted.labels == intended.labels
    assert deleted.created_at is not None and deleted.deleted_at is not None
    assert deleted.intended_at <= deleted.created_at <= deleted.deleted_at
    assert [b.name for b in ledger.buckets()] == [name]
    assert ledger.bucket("carbon-gui-elsewhere") is None
    with pytest.raises(LedgerError, match="no bucket"):
        ledger.bucket_deleted("carbon-gui-elsewhere")


def test_file_is_in_wal_mode_with_a_schema_version(ledger: Ledger) -> None:
    with sqlite3.connect(ledger.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    Ledger(ledger.path)  # opening again keeps it as it is


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    Ledger(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LedgerError, match="newer carbon-gui") as caught:
        Ledger(path)
    assert str(path) in str(caught.value)


def test_a_damaged_file_is_set_aside_with_a_notice_and_a_new_ledger_started(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    ledger = Ledger(path)
    [aside] = tmp_path.glob("jobs.sqlite3.bad-*")
    assert aside.read_bytes() == b"this is not sqlite" * 100
    assert ledger.notice is not None and str(aside) in ledger.notice and "not a SQLite database" in ledger.notice
    assert ledger.jobs() == [] and Ledger(path).notice is None


def test_location_follows_the_data_dir_override(tmp_path: Path) -> None:
    assert default_path({"CARBON_GUI_DATA_DIR": str(tmp_path / "data")}) == tmp_path / "data" / "jobs.sqlite3"
    assert default_path({}).name == "jobs.sqlite3"
    assert "carbon-gui" in str(default_path({}))


def test_another_process_writes_while_this_one_reads(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    writer = _run_python(
        """
        import sys
        from pathlib import Path
        from carbon_gui.cloud.ledger import Ledger
        ledger = Ledger(Path(sys.argv[1]))
        for n in range(200):
            ledger.begin(sys.argv[2], f"step {n}")
            ledger.done(sys.argv[2], f"step {n}")
        """,
        str(ledger.path),
        record.id,
    )
    seen = [len(ledger.steps(record.id))]
    while writer.poll() is None:
        seen.append(len(ledger.steps(record.id)))  # reads never fail or block while the other process writes
    _, errors = writer.communicate(timeout=WAIT_SECONDS)
    assert writer.returncode == 0, errors
    assert len(ledger.steps(record.id)) == 400
    assert seen == sorted(seen)  # every read saw a consistent, growing ledger
    assert any(0 < count < 400 for count in seen), "no read happened while the other process was writing"
    assert ledger.unfinished_steps() == []


def test_an_intent_survives_sigkill_of_the_writer(ledger: Ledger) -> None:
    record = _job()
    ledger.add_job(record)
    writer = _run_python(
        """
        import sys, time
        from pathlib import Path
        from carbon_gui.cloud.ledger import Ledger
        Ledger(Path(sys.argv[1])).begin(sys.argv[2], "create bucket", "about to create")
        print("begun", flush=True)
        time.sleep(600)  # the cloud call that never returns: killed here
        """,
        str(ledger.path),
        record.id,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "begun"
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate(timeout=WAIT_SECONDS)
    assert writer.returncode == -signal.SIGKILL
    unfinished = Ledger(ledger.path).unfinished_steps()
    assert [(s.job_id, s.step, s.status, s.detail) for s in unfinished] == [
        (record.id, "create bucket", "intent", "about to create")
    ]


def test_worker_threads_write_at_the_same_time(ledger: Ledger) -> None:
    from concurrent.futures import ThreadPoolExecutor

    records = [_job() for _ in range(4)]
    for record in records:
        ledger.add_job(record)

    def launch(record: JobRecord) -> None:
        for n in range(25):
            ledger.begin(record.id, f"step {n}")
            ledger.done(record.id, f"step {n}")
        ledger.set_state(record.id, "succeeded")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(launch, records))  # list() re-raises any thread's error here
    assert [len(ledger.steps(record.id)) for record in records] == [50] * 4
    assert {job.state for job in ledger.jobs()} == {"succeeded"}
    assert ledger.unfinished_steps() == []


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_ledger_its_wal_and_shm_and_its_new_folder_are_the_owners_only(tmp_path: Path) -> None:
    """The ledger names projects and buckets: nobody else on the machine reads it, whatever the umask."""
    old_umask = os.umask(0o022)  # the usual default, which would give 0644 and 0755
    try:
        ledger = Ledger(tmp_path / "new" / "folder" / "jobs.sqlite3")
        ledger.add_job(_job())
        with sqlite3.connect(ledger.path) as reader:  # keeps the -wal and -shm in place while they are checked
            reader.execute("SELECT COUNT(*) FROM jobs").fetchone()
            companions = [ledger.path.with_name(ledger.path.name + suffix) for suffix in ("-wal", "-shm")]
            assert all(p.exists() for p in companions)
            assert [_mode(p) for p in (ledger.path, *companions)] == [0o600, 0o600, 0o600]
        reader.close()
    finally:
        os.umask(old_umask)
    assert _mode(ledger.path.parent) == 0o700
    assert sorted(p.name for p in ledger.path.parent.iterdir() if ".new-" in p.name) == []  # no draft left over


def test_a_ledger_left_readable_by_an_older_version_is_made_the_owners_only(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "jobs.sqlite3")
    ledger.add_job(_job())
    ledger.path.chmod(0o644)
    Ledger(ledger.path)
    assert _mode(ledger.path) == 0o600


def test_two_processes_creating_the_ledger_at_once_share_one_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    code = """
        import sys
        from carbon_gui.cloud.ledger import Ledger
        ledger = Ledger(__import__("pathlib").Path(sys.argv[1]))
        print(ledger.notice or "ok")
    """
    runs = [_run_python(code, str(path)) for _ in range(4)]
    outputs = [run.communicate(timeout=WAIT_SECONDS) for run in runs]
    assert [out.strip() for out, _ in outputs] == ["ok"] * 4, outputs  # nobody mistook a fresh file for a damaged one
    assert list(tmp_path.glob("jobs.sqlite3.bad-*")) == []
    assert Ledger(path).jobs() == []

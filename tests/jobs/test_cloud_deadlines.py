"""Every Google Cloud call ends within its deadline, whatever the server does: the real CLI (in a subprocess with a
hard upper bound, so a hang fails instead of blocking) and the window's poll, the real Google clients, the real
ledger, against a local server that accepts and then drips its status line one byte at a time, and a closed port.

The Google clients' own `timeout=` bounds each socket read: a server that sends a byte every few seconds never trips
it. These tests hold the whole call (connect, headers, body, retries) and the whole refresh to their deadlines."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud import storage, vertex
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.jobs import clouds
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.http import MAX_BODY_BYTES
from carbon_gui.sources.reference import load_reference
from tests.jobs.conftest import PROJECT, REGION

SLACK_S = 8.0  # start-up of a CLI process (imports of the Google clients) on a busy 2-core machine
JOB_IDS = [f"cg-20261201-10000{n}-aaa{n}" for n in range(5)]
BUCKET = "carbon-gui-deadline-test"


class RawServer:
    """Accepts every connection on 127.0.0.1 and answers it with `answer(conn)`, on a thread of its own."""

    def __init__(self) -> None:
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request (its head is enough)
                self.answer(conn)
            except OSError:  # the client gave up and closed: what the test wants
                pass

    def answer(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._listener.close()


class DrippingServer(RawServer):
    """Sends the start of an answer one byte every `interval_s` and never finishes its headers (the hostile server
    of issue 8, item 3, pointed at the Google Cloud clients)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        super().__init__()

    def answer(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
        while not self._stop.wait(self.interval_s):
            conn.sendall(b"a")


class OversizeServer(RawServer):
    """Answers 200 with a JSON body larger than any answer carbon-gui reads (it says so in its Content-Length)."""

    def answer(self, conn: socket.socket) -> None:
        size = MAX_BODY_BYTES + 1
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        conn.sendall(head.encode())
        conn.sendall(b" " * size)


@pytest.fixture
def dripping() -> Iterator[DrippingServer]:
    server = DrippingServer(interval_s=2.0)
    yield server
    server.stop()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    return folder


def _add_vertex_job(job_id: str, state: str) -> None:
    """A Vertex AI job as the ledger knows it: queued (polled on Vertex AI), or ended with codecarbon's figures not
    read yet (read from its staging bucket on Cloud Storage)."""
    ledger = Ledger()
    record = JobRecord(
        id=job_id, target="vertex", project=PROJECT, region=REGION, display_name=f"run {job_id[-4:]}",
        machine_type="n1-standard-8", script_path="/home/me/train.py", state="queued", bucket=BUCKET,
        vertex_name=f"projects/{PROJECT}/locations/{REGION}/customJobs/{job_id[-4:]}",
    )  # fmt: skip
    ledger.add_job(record)
    if state != "queued":
        ledger.set_state(job_id, state)


def _cli(data: Path, *argv: str, bound_s: float, **env: str) -> tuple[int, str, str, float]:
    """`carbon-gui ARGV` in its own process, killed (and the test failed) if it runs past `bound_s`."""
    environ = dict(os.environ, CARBON_GUI_DATA_DIR=str(data), CARBON_GUI_GCP_ANONYMOUS="1", NO_GCE_CHECK="true")
    environ.pop("STORAGE_EMULATOR_HOST", None)
    environ.pop("CARBON_GUI_VERTEX_ENDPOINT", None)
    environ.update(env)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "carbon_gui", *argv],
            env=environ, cwd=data.parent, capture_output=True, text=True, timeout=bound_s,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"`carbon-gui {' '.join(argv)}` still ran after {bound_s:g} s (killed)")
    elapsed = time.monotonic() - started
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr, elapsed


def _lines_of(out: str, job_id: str) -> list[str]:
    """The job's line and the indented lines under it."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(job_id))
    end = next((n for n in range(start + 1, len(lines)) if not lines[n].startswith(" ")), len(lines))
    return lines[start:end]


def _ledger_unchanged(job_ids: list[str], state: str) -> None:
    ledger = Ledger()
    assert ledger.damaged() == []
    for job_id in job_ids:
        record = ledger.job(job_id)
        assert record is not None and record.state == state and record.measured is None


def test_jobs_refresh_ends_within_the_poll_deadline_when_vertex_ai_drips_its_headers(
    data_dir: Path, dripping: DrippingServer
) -> None:
    _add_vertex_job(JOB_IDS[0], "queued")
    deadline = vertex.CALL_TIMEOUT_S
    code, out, err, elapsed = _cli(
        data_dir, "jobs", "--refresh", bound_s=deadline * 2 + SLACK_S, CARBON_GUI_VERTEX_ENDPOINT=dripping.url
    )
    assert code == 0, err
    assert elapsed < deadline + SLACK_S
    job = _lines_of(out, JOB_IDS[0])
    assert len(job) == 2 and "queued" in job[0]
    assert f"Vertex AI at {dripping.url} did not answer within {deadline:g} s" in job[1]
    assert dripping.connections >= 1  # it was asked, and waited for
    _ledger_unchanged(JOB_IDS[:1], "queued")


def test_jobs_refresh_ends_within_the_call_deadline_when_cloud_storage_drips_its_headers(
    data_dir: Path, dripping: DrippingServer
) -> None:
    _add_vertex_job(JOB_IDS[0], "succeeded")  # codecarbon's figures are read from its bucket
    deadline = storage.CALL_DEADLINE_S
    code, out, err, elapsed = _cli(
        data_dir, "jobs", "--refresh", bound_s=deadline * 2 + SLACK_S, STORAGE_EMULATOR_HOST=dripping.url
    )
    assert code == 0, err
    assert elapsed < deadline + SLACK_S
    job = _lines_of(out, JOB_IDS[0])
    assert f"Cloud Storage ({dripping.url}) did not answer within {deadline:g} s" in job[1]
    _ledger_unchanged(JOB_IDS[:1], "succeeded")


def test_jobs_refresh_fails_fast_when_cloud_storage_refuses_connections(data_dir: Path, closed_port_url: str) -> None:
    for job_id in JOB_IDS[:3]:
        _add_vertex_job(job_id, "succeeded")
    # Before: each job's read was retried with backoff for ~26 s. A refused connection is an answer: no retries.
    code, out, err, elapsed = _cli(data_dir, "jobs", "--refresh", bound_s=60, STORAGE_EMULATOR_HOST=closed_port_url)
    assert code == 0, err
    assert elapsed < SLACK_S
    for job_id in JOB_IDS[:3]:
        assert f"cannot reach Cloud Storage ({closed_port_url})" in _lines_of(out, job_id)[1]
    _ledger_unchanged(JOB_IDS[:3], "succeeded")


def test_cleanup_ends_within_the_call_deadline_with_one_line_when_cloud_storage_drips(
    data_dir: Path, dripping: DrippingServer
) -> None:
    _add_vertex_job(JOB_IDS[0], "succeeded")
    Ledger().intend_bucket(BUCKET, PROJECT, REGION, JOB_IDS[0], {"managed-by": "carbon-gui"})
    Ledger().bucket_created(BUCKET)
    deadline = storage.CALL_DEADLINE_S
    code, out, err, elapsed = _cli(
        data_dir, "cleanup", JOB_IDS[0], "--yes", bound_s=deadline * 3 + SLACK_S, STORAGE_EMULATOR_HOST=dripping.url
    )
    assert code == 2 and out == ""
    assert elapsed < deadline + SLACK_S
    [message] = err.strip().splitlines()
    assert message.startswith("carbon-gui") and f"did not answer within {deadline:g} s" in message
    assert dripping.url in message
    bucket = Ledger().bucket(BUCKET)
    assert bucket is not None and bucket.state == "created"  # not recorded as deleted


# In-process from here: shorter deadlines (configuration values, not mocks) so that many jobs fit in a test;
# the suite's timeout (pyproject) still fails a hang.
CALL_S = 1.0
REFRESH_S = 2.5


@pytest.fixture
def short_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.cloud.aiplatform_v1
    import google.cloud.storage  # noqa: F401 - imported before the clock starts: seconds on a busy machine

    monkeypatch.setattr(vertex, "CALL_TIMEOUT_S", CALL_S)
    monkeypatch.setattr(storage, "CALL_DEADLINE_S", CALL_S)
    monkeypatch.setattr(clouds, "REFRESH_LIMIT_S", REFRESH_S)


@pytest.fixture
def fast_drip() -> Iterator[DrippingServer]:
    server = DrippingServer(interval_s=0.2)  # faster than any read timeout, so only an overall deadline ends it
    yield server
    server.stop()


@pytest.mark.usefixtures("short_deadlines")
def test_one_refresh_over_many_jobs_ends_within_its_limit(
    data_dir: Path, fast_drip: DrippingServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", fast_drip.url)
    for job_id in JOB_IDS:
        _add_vertex_job(job_id, "queued")
    started = time.monotonic()
    code = main(["jobs", "--refresh"])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    assert elapsed < REFRESH_S + 1.5  # not len(JOB_IDS) x CALL_S
    reasons = [_lines_of(out, job_id)[1] for job_id in JOB_IDS]
    assert all("state unknown: " in reason for reason in reasons)
    assert sum("did not answer within" in reason for reason in reasons) >= 2
    assert any("Did not ask Vertex AI" in reason for reason in reasons)  # the limit was reached: the rest wait
    _ledger_unchanged(JOB_IDS, "queued")


@pytest.mark.usefixtures("short_deadlines")
def test_the_windows_poll_ends_within_its_limit_and_marks_each_job(
    data_dir: Path, fast_drip: DrippingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbon_gui.ui.jobs.job_poll import poll_jobs  # what the Jobs tab runs on its thread pool; no Qt needed

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fast_drip.url)
    for job_id in JOB_IDS:
        _add_vertex_job(job_id, "succeeded")
    started = time.monotonic()
    result = poll_jobs(JobService(load_reference))
    elapsed = time.monotonic() - started
    assert elapsed < REFRESH_S + 1.5
    assert sorted(result.failures) == sorted(JOB_IDS)
    timed_out = f"Cloud Storage ({fast_drip.url}) did not answer within {CALL_S:g} s"
    assert sum(timed_out in why for why in result.failures.values()) >= 2
    assert any(why.startswith(f"Did not ask Cloud Storage ({fast_drip.url})") for why in result.failures.values())
    assert [s.record.state for s in result.snapshots] == ["succeeded"] * len(JOB_IDS)
    _ledger_unchanged(JOB_IDS, "succeeded")


@pytest.fixture
def oversize() -> Iterator[RawServer]:
    server = OversizeServer()
    yield server
    server.stop()


def test_an_oversize_answer_is_refused_in_one_line(
    data_dir: Path, oversize: RawServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The deadline adapter also refuses answers over the HTTP layer's size limit: the Google calls say so."""
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", oversize.url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", oversize.url)
    _add_vertex_job(JOB_IDS[0], "queued")
    _add_vertex_job(JOB_IDS[1], "succeeded")
    code = main(["cancel", JOB_IDS[0]])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    [message] = err.strip().splitlines()
    assert f"The answer from {oversize.url} was too large" in message
    assert main(["jobs", "--refresh"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert f"The answer from {oversize.url} was too large" in _lines_of(out, JOB_IDS[0])[1]
    assert f"The answer from Cloud Storage ({oversize.url}) was too large" in _lines_of(out, JOB_IDS[1])[1]
    _ledger_unchanged(JOB_IDS[:1], "queued")


@pytest.mark.usefixtures("short_deadlines")
def test_crash_recovery_over_many_buckets_ends_within_its_limit(
    data_dir: Path, fast_drip: DrippingServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs --refresh` first settles what interrupted launches left: each bucket that was only intended is looked up
    on Cloud Storage. Those lookups share one limit too (then the refresh has its own)."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fast_drip.url)
    job_ids = [f"cg-20261201-11000{n}-bbb{n}" for n in range(8)]
    ledger = Ledger()
    for job_id in job_ids:
        _add_vertex_job(job_id, "failed")
        ledger.intend_bucket(f"carbon-gui-{job_id[-4:]}", PROJECT, REGION, job_id, {"managed-by": "carbon-gui"})
    started = time.monotonic()
    code = main(["jobs", "--refresh"])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    assert elapsed < 2 * REFRESH_S + 1.5  # recovery's limit, then the refresh's: not len(job_ids) x CALL_S
    notes = [line for line in err.splitlines() if "could not check whether it exists" in line]
    assert len(notes) == len(job_ids)
    assert any("did not answer within" in note for note in notes) and any("Did not ask" in note for note in notes)
    assert all(bucket.state == "intended" for bucket in Ledger().buckets())

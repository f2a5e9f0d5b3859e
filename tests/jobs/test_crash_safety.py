"""Crash safety: `carbon-gui launch` runs in its own process and is killed (SIGKILL) at each step of a launch,
and at random moments; a new JobService on the same data dir recovers. Afterwards the ledger has every record,
a submitted job is found (by its label if the answer was lost) and monitored, every bucket the launch created
is in the ledger, and the bucket of a job that was never submitted is offered as an orphan and cleaned up.

The emulator and the local Vertex AI server run in this process; the app reaches them through GateProxy,
which holds the next step's request so the kill lands between two steps."""

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from carbon_gui.cloud.ledger import LEDGER_FILE, Ledger
from carbon_gui.core.job_ids import BUCKET_PREFIX, bucket_labels, bucket_name
from carbon_gui.core.job_states import LAUNCH_STATES
from carbon_gui.jobs.launcher import VERTEX_STEPS
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from tests.cloud.recording_proxy import RecordingProxy
from tests.jobs.conftest import IMAGE, PROJECT, REGION, wait_until
from tests.jobs.gate_proxy import GateProxy, Hold
from tests.vertex.fake_vertex import FakeVertex

ROOT = Path(__file__).resolve().parents[2]
# every step event of a whole launch, in order: a ledger written up to a kill holds a prefix of this
LAUNCH_EVENTS = [(step, status) for step in VERTEX_STEPS for status in ("intent", "done")]


@dataclass(frozen=True)
class KillPoint:
    proxy: str  # "storage" or "vertex": where the next request is held
    method: str
    path: str  # regular expression on the request path
    reach_server: bool  # True: the server acts on the request, the app never hears back
    events: int  # how many of LAUNCH_EVENTS the ledger holds at the kill
    submitted: bool


KILL_POINTS = {
    # the bucket was created, the answer never came back: the ledger only has the intent
    "bucket answer lost": KillPoint("storage", "POST", r"^/storage/v1/b$", True, 1, False),
    "after bucket create": KillPoint("storage", "POST", r"^/upload/storage/v1/b/", False, 5, False),
    "after upload": KillPoint("vertex", "POST", r"/customJobs$", False, 7, False),
    "submit answer lost": KillPoint("vertex", "POST", r"/customJobs$", True, 7, True),
    "after submit": KillPoint("vertex", "GET", r"/customJobs/\d+$", False, 8, True),  # held: the first poll
}


@pytest.fixture
def proxies(
    _emulator_and_proxy: tuple[Any, RecordingProxy], emulator: Any, fake_vertex: FakeVertex
) -> Iterator[dict[str, GateProxy]]:
    vertex_port = int(fake_vertex.url.rsplit(":", 1)[1])
    with (
        GateProxy(_emulator_and_proxy[1].upstream_port, atomic_bucket_labels=True) as storage_proxy,
        GateProxy(vertex_port) as vertex_proxy,
    ):
        yield {"storage": storage_proxy, "vertex": vertex_proxy}


@pytest.fixture
def crash_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxies: dict[str, GateProxy], script: Path
) -> dict[str, str]:
    """The launching process's environment; this process (the restarted app) gets the same."""
    env = {
        "CARBON_GUI_VERTEX_ENDPOINT": proxies["vertex"].url,
        "STORAGE_EMULATOR_HOST": proxies["storage"].url,
        "CARBON_GUI_GCP_ANONYMOUS": "1",
        "NO_GCE_CHECK": "true",
        "CARBON_GUI_DATA_DIR": str(tmp_path / "data"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **env}


class Launch:
    """`python -m carbon_gui launch ...` in its own process, killed on demand."""

    def __init__(self, env: dict[str, str], script: Path, folder: Path, wait: bool) -> None:
        self.ledger_path = Path(env["CARBON_GUI_DATA_DIR"]) / LEDGER_FILE
        self.log = folder / "launch.log"
        command = [sys.executable, "-m", "carbon_gui", "launch", "--script", str(script), "--region", REGION,
                   "--machine", "n1-standard-8", "--accelerator", "nvidia-tesla-t4:1",
                   "--project", PROJECT, "--image", IMAGE]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, *(["--wait"] if wait else [])], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def events(self) -> list[tuple[str, str]]:
        """The job's step events in the ledger so far (read while the other process writes)."""
        jobs = self.jobs()
        return [(s.step, s.status) for s in Ledger(self.ledger_path).steps(jobs[0].id)] if jobs else []

    def jobs(self) -> list[Any]:
        if not self.ledger_path.exists():
            return []
        return Ledger(self.ledger_path).jobs()

    def kill(self) -> None:
        assert self.process.poll() is None, f"the launch ended before the kill:\n{self.output()}"
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(30) == -signal.SIGKILL


@pytest.fixture
def start_launch(crash_env: dict[str, str], script: Path, tmp_path: Path) -> Iterator[Callable[[bool], Launch]]:
    """Starts a launch (`--wait` or not); a launch still running at the end of the test is killed."""
    started: list[Launch] = []

    def start(wait: bool) -> Launch:
        started.append(Launch(crash_env, script, tmp_path, wait))
        return started[-1]

    yield start
    for launch in started:
        if launch.process.poll() is None:
            launch.process.kill()
            launch.process.wait(30)


def _app_buckets() -> dict[str, dict[str, str]]:
    """What Cloud Storage holds now, asked behind the app's back: name -> labels, for names with the app's prefix."""
    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials())
    return {b.name: dict(b.labels) for b in client.list_buckets() if b.name.startswith(BUCKET_PREFIX)}


def _vertex_jobs(fake: FakeVertex, job_id: str) -> list[str]:
    """The resource names of the custom jobs labelled with `job_id`, asked of the server directly."""
    url = f"{fake.url}/v1/projects/{PROJECT}/locations/{REGION}/customJobs?pageSize=1000"
    with urllib.request.urlopen(url, timeout=30) as answer:
        jobs = json.load(answer).get("customJobs", [])
    return [job["name"] for job in jobs if job.get("labels", {}).get("job") == job_id]


def _check_recovery(launch: Launch, proxies: dict[str, GateProxy], fake: FakeVertex, reference: ReferenceData) -> str:
    """Recover as a restarted app does, and check what the brief promises. Returns where the kill landed."""
    for proxy in proxies.values():
        proxy.release_all()  # held requests are dropped or their answers lost: the app is dead anyway
        wait_until(lambda p=proxy: p.idle, "no request in flight after the kill")
    jobs = launch.jobs()
    assert len(jobs) == 1, f"the launch recorded its job before anything else:\n{launch.output()}"
    job = jobs[0]
    events = launch.events()
    assert events == LAUNCH_EVENTS[: len(events)], "each step's intent is recorded before it is done, in order"
    in_cloud = _app_buckets()
    assert set(in_cloud) <= {bucket_name(job.id)}, "the launch created only its own staging bucket"
    for name in in_cloud:  # recorded before it was created
        assert job.bucket == name and Ledger(launch.ledger_path).bucket(name) is not None
    submitted = _vertex_jobs(fake, job.id)
    assert len(submitted) <= 1, "the job was submitted at most once"

    ledger = Ledger(launch.ledger_path)
    service = JobService(lambda: reference, ledger)
    notes = service.recover()
    job = service.job(job.id)
    for name, labels in _app_buckets().items():
        record = ledger.bucket(name)
        assert record is not None and record.job_id == job.id, f"gs://{name} exists but is not in the ledger"
        assert record.state == "created", f"gs://{name} exists: recovery records it as created ({notes})"
        assert labels == bucket_labels(job.id)
    assert [s for s in ledger.unfinished_steps() if s.job_id == job.id] == [], "no step is left half-recorded"
    assert job.state not in LAUNCH_STATES, notes

    if submitted:
        assert job.vertex_name == submitted[0], notes
        assert job.state == "queued" and job.id in [j.id for j in service.watched()], "a submitted job is monitored"
        states = [service.refresh(job.id).state for _ in range(3)]
        assert states == ["queued", "pending", "running"], "refresh moves it on (the server moves a step per read)"
        assert [o.bucket.name for o in service.orphans()] == [], "the bucket of a running job is no orphan"
        assert bucket_name(job.id) in _app_buckets()
        return "submitted"

    assert job.state == "failed" and job.vertex_name is None and "Interrupted" in (job.error or ""), notes
    record = ledger.bucket(job.bucket) if job.bucket else None
    if record is not None:
        assert [o.bucket.name for o in service.orphans()] == [record.name], "its bucket is offered for cleanup"
        service.cleanup(job.id)
        assert _app_buckets() == {}, "the orphan's bucket is gone"
        assert ledger.bucket(record.name).state == "deleted"
    else:
        assert service.orphans() == [] and _app_buckets() == {}
    return events[-1][0] if events else "the start"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("trial", range(2))
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_launch_killed_between_steps_is_recovered(
    point: str,
    trial: int,
    proxies: dict[str, GateProxy],
    start_launch: Callable[[bool], Launch],
    fake_vertex: FakeVertex,
    reference: ReferenceData,
) -> None:
    kill_at = KILL_POINTS[point]
    hold: Hold = proxies[kill_at.proxy].hold(kill_at.method, kill_at.path, reach_server=kill_at.reach_server)
    launch = start_launch(kill_at.method == "GET")  # --wait: a launch that follows its job polls it
    wait_until(lambda: len(launch.events()) >= kill_at.events, f"the ledger's events {point}", 90)
    if kill_at.reach_server:
        wait_until(hold.reached.is_set, f"the server's answer {point}", 30)
    launch.kill()

    assert launch.events() == LAUNCH_EVENTS[: kill_at.events]
    bucket = Ledger(launch.ledger_path).bucket(bucket_name(launch.jobs()[0].id))
    assert bucket is not None and bucket.state == ("intended" if kill_at.events == 1 else "created")
    landed = _check_recovery(launch, proxies, fake_vertex, reference)
    assert landed == ("submitted" if kill_at.submitted else LAUNCH_EVENTS[kill_at.events - 1][0])


@pytest.mark.timeout(300)
@pytest.mark.parametrize("seed", range(10))
def test_a_launch_killed_at_a_random_moment_is_recovered(
    seed: int,
    proxies: dict[str, GateProxy],
    start_launch: Callable[[bool], Launch],
    fake_vertex: FakeVertex,
    reference: ReferenceData,
) -> None:
    rng = random.Random(seed)
    after, delay = rng.randrange(len(LAUNCH_EVENTS) + 1), rng.uniform(0.0, 0.06)  # after `after` ledger events
    launch = start_launch(True)  # --wait: it is still alive after the submit
    wait_until(lambda: launch.jobs() != [] and len(launch.events()) >= after, f"{after} events in the ledger", 90)
    time.sleep(delay)
    launch.kill()
    landed = _check_recovery(launch, proxies, fake_vertex, reference)
    print(f"seed {seed}: killed {delay:.2f} s after {after} ledger events, during or after '{landed}'")

"""The cleanup safety property, through JobService and the real storage client against the emulator.

Over random ledgers (jobs in every state, their bucket records intended, created or deleted) and random
bucket listings (the app's own buckets, forged labels, missing labels, foreign and look-alike names, a
ledger bucket recreated without labels), cleaning up every job and every orphan never deletes a bucket,
or any object in one, that the app did not create (in the ledger under that name, with live labels
managed-by=carbon-gui and the ledger's job id); and every bucket the app did create is gone once its job
no longer runs."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from carbon_gui.cloud.errors import NotOurs
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.core.job_ids import BUCKET_PREFIX, bucket_labels, bucket_name
from carbon_gui.core.job_states import ACTIVE_STATES, JOB_STATES, LAUNCH_STATES, TERMINAL_STATES
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from tests.cloud.recording_proxy import RecordingProxy
from tests.jobs.conftest import PROJECT, REGION

job_ids = st.builds(
    lambda second, suffix: f"cg-20260810-{second:06d}-{suffix}",
    st.integers(0, 235959),
    st.text("0123456789abcdef", min_size=4, max_size=4),
)
# how a bucket the ledger knows looks in the cloud now (None: not there)
CLOUD_LOOKS = ["app labels", "forged job", "no labels", "managed-by only", "job only", "other manager", None]


@dataclass(frozen=True)
class LedgerJob:
    id: str
    state: str
    vertex_name: str | None
    bucket: str | None  # the ledger's bucket record (usually the app's name for it; a hand-edited ledger may differ)
    bucket_state: str  # "intended" | "created" | "deleted"
    cloud: dict[str, str] | None  # the live labels of a bucket by that name, None when it does not exist


@dataclass(frozen=True)
class World:
    jobs: list[LedgerJob]
    foreign: dict[str, dict[str, str]]  # buckets the app never recorded: name -> labels
    with_objects: frozenset[str] = field(default_factory=frozenset)
    orphan_check_in: timedelta = timedelta(0)  # how much later than now the orphans are looked for


def _labels_for(look: str | None, job_id: str, other_id: str) -> dict[str, str] | None:
    return {
        None: None,
        "app labels": {**bucket_labels(job_id), "team": "ml"},
        "forged job": bucket_labels(other_id),
        "no labels": {},
        "managed-by only": {"managed-by": "carbon-gui"},
        "job only": {"job": job_id},
        "other manager": {"managed-by": "terraform", "job": job_id},
    }[look]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    ids = draw(st.lists(job_ids, min_size=3, max_size=7, unique=True))
    jobs = []
    for n, job_id in enumerate(ids):
        control = n == 0  # every ledger has one job over, with its bucket as the app left it: cleanup must delete it
        state = draw(st.sampled_from(TERMINAL_STATES if control else JOB_STATES))
        submitted = state in ACTIVE_STATES or (state not in LAUNCH_STATES and draw(st.booleans()))
        vertex_name = f"projects/{PROJECT}/locations/{REGION}/customJobs/{draw(st.integers(1, 10**6))}"
        names = [*[bucket_name(job_id)] * 4, "carbon_gui-" + job_id, "my-" + job_id, None]
        name = bucket_name(job_id) if control else draw(st.sampled_from(names))
        others = [other for other in ids if other != job_id]
        if others and draw(st.booleans()):
            other_id = draw(st.sampled_from(others))  # forged with another job of the ledger
        else:
            other_id = draw(job_ids.filter(lambda other, mine=job_id: other != mine))
        looks = [*["app labels"] * 4, *CLOUD_LOOKS]  # mostly the app's own
        look = "app labels" if control else draw(st.sampled_from(looks)) if name else None
        jobs.append(
            LedgerJob(
                job_id,
                state,
                vertex_name if submitted else None,
                name,
                draw(st.sampled_from(["intended", "created", "deleted"])),
                _labels_for(look, job_id, other_id),
            )
        )
    taken = {job.bucket for job in jobs if job.bucket}
    foreign_names = st.one_of(
        job_ids.map(bucket_name),  # looks like ours, never recorded
        st.sampled_from(ids).map(lambda job_id: bucket_name(job_id) + "-2"),  # a ledger job's name and a bit
        st.sampled_from(ids).map(lambda job_id: "carbongui-" + job_id),
        st.just(BUCKET_PREFIX + "lookalike"),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=3, max_size=30).filter(
            lambda name: name[0].isalnum() and name[-1].isalnum()
        ),
    )
    foreign_labels = st.one_of(
        st.just({}),
        st.sampled_from(ids).map(bucket_labels),  # forged: a ledger job's labels
        job_ids.map(bucket_labels),
        st.just({"managed-by": "carbon-gui"}),
        st.just({"team": "ml", "env": "prod"}),
    )
    foreign = draw(st.dictionaries(foreign_names.filter(lambda name: name not in taken), foreign_labels, max_size=5))
    in_cloud = sorted({job.bucket for job in jobs if job.bucket and job.cloud is not None} | set(foreign))
    with_objects = draw(st.sets(st.sampled_from(in_cloud))) if in_cloud else set()
    later = draw(st.sampled_from([timedelta(0), timedelta(minutes=30), timedelta(days=2)]))
    return World(jobs, foreign, frozenset(with_objects), later)


def _write_ledger(ledger: Ledger, world: World) -> None:
    for job in world.jobs:
        record = JobRecord(id=job.id, target="vertex", region=REGION, display_name="train",
                           machine_type="n1-standard-8", script_path="train.py", project=PROJECT)  # fmt: skip
        ledger.add_job(record)
        if job.bucket:
            ledger.intend_bucket(job.bucket, PROJECT, REGION, job.id, bucket_labels(job.id))
            if job.bucket_state != "intended":
                ledger.bucket_created(job.bucket)
            if job.bucket_state == "deleted":
                ledger.bucket_deleted(job.bucket)
        if job.vertex_name:
            ledger.set_vertex_name(job.id, job.vertex_name)
        if job.state != "draft":
            ledger.set_state(job.id, job.state)


def _make_buckets(client: Any, world: World) -> dict[str, dict[str, str]]:
    """Create the world's buckets behind the app's back; returns name -> labels of everything there."""
    wanted = {job.bucket: job.cloud for job in world.jobs if job.bucket and job.cloud is not None}
    wanted.update(world.foreign)
    for name, labels in wanted.items():
        bucket = client.create_bucket(name, location=REGION)
        if labels:  # the emulator ignores labels on insert
            bucket.labels = labels
            bucket.patch()
        if name in world.with_objects:
            bucket.blob("packages/trainer-0.1.tar.gz").upload_from_string(b"not yours to delete")
    return _listing(client)


def _listing(client: Any) -> dict[str, dict[str, str]]:
    return {bucket.name: dict(bucket.labels) for bucket in client.list_buckets()}


def _deleted_buckets(proxy: RecordingProxy) -> set[str]:
    """Every bucket a DELETE was sent for, of the bucket itself or of an object in it."""
    return {unquote(r.path.split("/")[4]) for r in proxy.requests("DELETE") if r.path.startswith("/storage/v1/b/")}


@pytest.fixture
def make_service(reference: ReferenceData) -> Callable[[Ledger], JobService]:
    """A JobService on a given ledger (a function: hypothesis prints it in a line, unlike the reference data)."""
    return lambda ledger: JobService(lambda: reference, ledger)


@pytest.mark.timeout(600)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_cleanup_deletes_only_what_the_app_created_and_all_of_that_once_its_job_is_over(
    world: World,
    emulator: Any,
    _emulator_and_proxy: tuple[Any, RecordingProxy],
    make_service: Callable[[Ledger], JobService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    proxy = _emulator_and_proxy[1]  # the emulator fixture points STORAGE_EMULATOR_HOST at it
    emulator.wipe()
    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials())
    before = _make_buckets(client, world)
    proxy.reset()
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder) / "jobs.sqlite3")
        _write_ledger(ledger, world)
        records_before = {record.name: record for record in ledger.buckets()}
        service = make_service(ledger)

        refused: list[str] = []
        for job in world.jobs:
            try:
                service.cleanup(job.id)
            except NotOurs as err:
                refused.append(str(err))
        for orphan in service.orphans(datetime.now(UTC) + world.orphan_check_in):
            try:
                service.cleanup(orphan.bucket.job_id)
            except NotOurs as err:
                refused.append(str(err))
        after = _listing(client)
        records_after = {record.name: record for record in ledger.buckets()}

    def made_by_app(name: str) -> bool:
        record, labels = records_before.get(name), before.get(name, {})
        return (
            name.startswith(BUCKET_PREFIX)
            and record is not None
            and labels.get("managed-by") == "carbon-gui"
            and labels.get("job") == record.job_id
        )

    touched = _deleted_buckets(proxy)
    event(f"buckets deleted: {len(set(before) - set(after))}, refused: {len(refused)}")
    assert {name for name in touched if not made_by_app(name)} == set(), "a bucket the app did not create was touched"
    assert set(before) - set(after) <= touched
    assert world.jobs[0].bucket not in after, "the control: the app's own bucket of a job that is over"
    over = [job for job in world.jobs if job.bucket and job.bucket in before and job.state not in ACTIVE_STATES]
    assert [job.bucket for job in over if made_by_app(job.bucket or "") and job.bucket in after] == [], refused
    running = [job.bucket for job in world.jobs if job.bucket in before and job.state in ACTIVE_STATES]
    assert set(running) <= set(after), "a running job keeps its bucket"
    states = {job.id: job.state for job in world.jobs}
    for name, record in records_after.items():
        if name in after:
            expected = records_before[name].state  # still there: the ledger says what it said
        elif name in before or states[record.job_id] not in ACTIVE_STATES:
            expected = "deleted"  # deleted now, or already gone (which counts as done)
        else:
            expected = records_before[name].state  # a running job's bucket is not even looked at
        assert record.state == expected, (name, record.state, refused)

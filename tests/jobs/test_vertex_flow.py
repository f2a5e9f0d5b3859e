"""The whole Vertex AI flow through JobService: dry run, launch (bucket, package, upload, submit), monitor,
codecarbon's figures from the bucket, cancel, cleanup — against the emulator and the local Vertex server."""

import json
import threading

import pytest
from google.cloud import storage

from carbon_gui.core.errors import UserFacingError
from carbon_gui.jobs.launcher import STEP_BUCKET, STEP_PACKAGE, STEP_SUBMIT, STEP_UPLOAD, VERTEX_STEPS
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from tests.jobs.conftest import PROJECT, REGION
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.usefixtures("cloud_env")

EMISSIONS_CSV = (
    "timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,"
    "gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
    "python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,"
    "tracking_mode,on_cloud,pue\n"
    "2026-11-22T10:00:00,codecarbon,1,7200,0.19,0.00002,42.5,70.0,11.0,0.085,0.14,0.022,0.247,The Netherlands,NLD,,"
    ",,Linux,3.10,2.8.0,8,Intel Xeon,1,Tesla T4,,,30,machine,N,1.0\n"
)


def _launch(service: JobService, request: LaunchRequest, steps: list[tuple[str, str]] | None = None):
    plan = service.plan(request)
    assert plan.ready, plan.problems
    log = steps if steps is not None else []
    return plan, service.launch(plan, lambda step, status: log.append((step, status)), threading.Event())


def test_dry_run_needs_no_credentials_and_shows_spec_command_and_estimate(
    service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    plan = service.plan(vertex_request)
    assert plan.ready, plan.problems
    pool = plan.body["jobSpec"]["workerPoolSpecs"][0]
    assert pool["machineSpec"] == {"machineType": "n1-standard-8", "acceleratorType": "NVIDIA_TESLA_T4",
                                   "acceleratorCount": 1}  # fmt: skip
    assert pool["pythonPackageSpec"]["packageUris"] == [f"gs://{plan.bucket}/packages/trainer-0.1.tar.gz"]
    assert {"name": "CARBON_GUI_COUNTRY_ISO", "value": "NLD"} in pool["pythonPackageSpec"]["env"]
    assert plan.gcloud.startswith("gcloud ai custom-jobs create") and f"--region={REGION}" in plan.gcloud
    assert plan.estimate is not None and plan.estimate.emissions_kg > 0
    assert fake_vertex.requests == []  # a dry run talks to nobody
    assert service.jobs() == []  # and records nothing


def test_dry_run_lists_every_problem_before_anything_is_created(service: JobService, tmp_path) -> None:
    bad = tmp_path / "broken.py"
    bad.write_text("def train(:\n    pass\n")
    plan = service.plan(
        LaunchRequest("vertex", "europe-north1", bad, "n1-standard-8", 2.0, None, None, "train", "nvidia-tesla-t4", 1)
    )
    text = " ".join(plan.problems)
    assert not plan.ready
    assert "line 1" in text  # the syntax error, with its line
    assert "project id" in text
    assert "nvidia-tesla-t4" in text  # not offered in europe-north1
    with pytest.raises(UserFacingError):
        service.launch(plan, lambda *_: None, threading.Event())
    assert service.jobs() == []


def test_launch_records_each_step_before_taking_it_and_monitors_to_the_end(
    service: JobService, vertex_request: LaunchRequest, emulator, fake_vertex: FakeVertex
) -> None:
    progress: list[tuple[str, str]] = []
    plan, record = _launch(service, vertex_request, progress)
    assert record.state == "queued" and record.vertex_name
    assert [s for s, status in progress if status == "done"] == list(VERTEX_STEPS)
    steps = service.ledger.steps(record.id)
    assert [(s.step, s.status) for s in steps] == [(step, st) for step in VERTEX_STEPS for st in ("intent", "done")]
    bucket = storage.Client(project=PROJECT).bucket(plan.bucket)
    assert bucket.blob("packages/trainer-0.1.tar.gz").exists()
    created = [r for r in fake_vertex.requests if r.method == "POST" and r.path.endswith("/customJobs")]
    assert len(created) == 1 and created[0].body["labels"]["job"] == record.id

    states = [record.state]
    while states[-1] != "succeeded":
        states.append(service.refresh(record.id).state)
        assert len(states) < 10, states
    assert list(dict.fromkeys(states)) == ["queued", "pending", "running", "succeeded"]
    assert service.job(record.id).measured is None  # task.py has not written emissions.csv in this fake run

    bucket.blob("output/model/emissions.csv").upload_from_string(EMISSIONS_CSV)
    measured = json.loads(service.refresh(record.id).measured)
    assert measured["emissions_kg"] == pytest.approx(0.19) and measured["country_iso"] == "NLD"
    assert [c.state for c in service.ledger.history(record.id)][-4:] == ["queued", "pending", "running", "succeeded"]


def test_cancel_then_cleanup_deletes_only_the_jobs_bucket(service: JobService, vertex_request, fake_vertex) -> None:
    fake_vertex.script("run")
    plan, record = _launch(service, vertex_request)
    refused = service.cleanup_preview(record.id)
    assert not refused.allowed and "still queued" in refused.reason
    assert service.cancel(record.id).state == "cancelling"
    states = [service.refresh(record.id).state for _ in range(3)]
    assert states[-1] == "cancelled" and set(states) <= {"cancelling", "cancelled"}
    preview = service.cleanup_preview(record.id)
    assert preview.allowed and preview.objects == 1 and preview.bytes > 0
    assert "Deleted" in service.cleanup(record.id)
    assert not storage.Client(project=PROJECT).bucket(plan.bucket).exists()
    assert "already gone" in service.cleanup(record.id)  # idempotent
    assert service.ledger.bucket(plan.bucket).state == "deleted"


def test_a_refused_submit_fails_the_job_with_the_servers_reason_and_offers_its_bucket(
    service: JobService, vertex_request, fake_vertex: FakeVertex
) -> None:
    fake_vertex.inject("invalid-machine-type", on="create")
    plan = service.plan(vertex_request)
    with pytest.raises(UserFacingError) as caught:
        service.launch(plan, lambda *_: None, threading.Event())
    record = service.job(plan.job_id)
    assert record.state == "failed" and record.error == str(caught.value)
    statuses = {(s.step, s.status) for s in service.ledger.steps(plan.job_id)}
    assert (STEP_SUBMIT, "failed") in statuses and (STEP_UPLOAD, "done") in statuses
    orphans = service.orphans()
    assert [o.bucket.name for o in orphans] == [plan.bucket]
    assert "before it was submitted" in orphans[0].reason


def test_cancelling_the_launch_stops_before_the_next_step(service: JobService, vertex_request, fake_vertex) -> None:
    cancel = threading.Event()
    plan = service.plan(vertex_request)

    def progress(step: str, status: str) -> None:
        if (step, status) == (STEP_PACKAGE, "done"):
            cancel.set()

    with pytest.raises(UserFacingError, match="cancelled"):
        service.launch(plan, progress, cancel)
    assert service.job(plan.job_id).state == "cancelled"
    assert [r for r in fake_vertex.requests if r.method == "POST"] == []  # never submitted
    assert {s.step for s in service.ledger.steps(plan.job_id)} == {STEP_BUCKET, STEP_PACKAGE}


def test_cleanup_refuses_a_job_that_is_still_being_launched(service: JobService, vertex_request) -> None:
    plan = service.plan(vertex_request)
    held: list[str] = []

    def progress(step: str, status: str) -> None:
        if (step, status) == (STEP_BUCKET, "done"):  # the launch is between its steps, in this live process
            held.append(service.cleanup_preview(plan.job_id).reason)
            with pytest.raises(UserFacingError, match="being launched"):
                service.cleanup(plan.job_id)

    service.launch(plan, progress, threading.Event())
    assert held and "being launched" in held[0]
    assert storage.Client(project=PROJECT).bucket(plan.bucket).exists()


def test_a_project_without_the_vertex_api_fails_before_anything_is_created(
    service: JobService, vertex_request, fake_vertex: FakeVertex
) -> None:
    fake_vertex.inject("api-disabled", on="list")
    plan = service.plan(vertex_request)
    with pytest.raises(UserFacingError, match=r"Nothing was created.*gcloud services enable aiplatform"):
        service.launch(plan, lambda *_: None, threading.Event())
    assert service.jobs() == []  # nothing to track: nothing exists
    assert not storage.Client(project=PROJECT).bucket(plan.bucket).exists()


def test_recovery_completes_a_submit_whose_done_was_not_recorded(service: JobService, vertex_request) -> None:
    """The launching process died between recording the resource name and recording the step as done."""
    from carbon_gui.cloud.ledger import Ledger

    _, record = _launch(service, vertex_request)
    ledger = service.ledger
    with ledger._write() as db:  # rewind the ledger to that moment: the last "done" and the state change lost
        db.execute("DELETE FROM steps WHERE seq = (SELECT MAX(seq) FROM steps WHERE job_id = ?)", (record.id,))
        db.execute("UPDATE jobs SET state = 'submitting', pid = NULL WHERE id = ?", (record.id,))
    assert [s.step for s in ledger.unfinished_steps()] == [STEP_SUBMIT]
    JobService(service._reference, Ledger(ledger.path)).recover()
    assert ledger.unfinished_steps() == []
    assert service.job(record.id).state == "queued"

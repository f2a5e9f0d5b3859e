"""Phase 1 on Vertex AI across machine types, through the real Google clients, the storage emulator and the local
Vertex AI server: one CustomJob per platform via the job service (ledger, monitor, cleanup), rows collected from
each job's bucket into the dataset when it ends.

The local Vertex AI server cannot run a job. The test plays Vertex AI's worker, honestly: when the app reports a
job launched, it downloads the package the app uploaded to the emulator bucket, runs `python -m trainer.task` from
it with the environment of the CustomJob the server received (AIP_MODEL_DIR pointing at a local folder), and
uploads what the run wrote there to the job's output/model/ in the bucket, as Vertex AI's /gcs/ mount does."""

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from google.cloud import storage

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.core import benchmark_grid as bg
from carbon_gui.jobs.benchmark import Benchmark, BenchmarkRequest, Hardware, PlatformProgress
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.sources.reference import ReferenceData
from tests.benchmark_runner.conftest import cli, dataset_rows
from tests.jobs.conftest import IMAGE, PROJECT, REGION
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.usefixtures("cloud_env")

PLATFORMS = (
    Hardware("vertex", REGION, "n1-standard-4"),
    Hardware("vertex", REGION, "n1-standard-8", "nvidia-tesla-t4", 1),
)


def custom_job_sent(fake_vertex: FakeVertex, job_id: str) -> dict:
    """The CustomJob body the local Vertex AI server received for the app's job."""
    created = [r.body for r in fake_vertex.requests if r.method == "POST" and r.path.endswith("/customJobs")]
    [body] = [b for b in created if b["labels"]["job"] == job_id]
    return body


def play_vertex_worker(body: dict, workdir: Path) -> None:
    """What a Vertex AI worker does with the CustomJob, on this machine (see the module's docstring)."""
    pool = body["jobSpec"]["workerPoolSpecs"][0]["pythonPackageSpec"]
    bucket_name, package_blob = pool["packageUris"][0].removeprefix("gs://").split("/", 1)
    output_prefix = body["jobSpec"]["baseOutputDirectory"]["outputUriPrefix"].removeprefix(f"gs://{bucket_name}/")
    bucket = storage.Client(project=PROJECT).bucket(bucket_name)
    with tarfile.open(fileobj=io.BytesIO(bucket.blob(package_blob).download_as_bytes()), mode="r:gz") as archive:
        archive.extractall(workdir, filter="data")
    [source] = workdir.glob("trainer-*")
    model_dir = workdir / "gcs-model"
    environment = {**os.environ, **{e["name"]: e["value"] for e in pool.get("env", [])}}
    environment.update(PYTHONPATH=str(source), AIP_MODEL_DIR=str(model_dir))
    done = subprocess.run([sys.executable, "-m", pool["pythonModule"]], cwd=workdir, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for path in model_dir.iterdir():  # the /gcs/ mount: what the run wrote is in the bucket
        bucket.blob(f"{output_prefix}/model/{path.name}").upload_from_filename(str(path))


def test_two_machine_types_each_run_the_grid_and_their_rows_are_collected(
    tmp_path: Path, reference: ReferenceData, fake_vertex: FakeVertex, solver: Path
) -> None:
    service = JobService(lambda: reference, Ledger())
    grid = bg.make_grid([bg.parse_axis("n=1,3")], 2)
    request = BenchmarkRequest(solver, grid, 2, PLATFORMS, tmp_path / "out", "anticipate", project=PROJECT,
                               image_uri=IMAGE)  # fmt: skip
    benchmark = Benchmark(service, request)
    played: set[str] = set()

    def progress(entries: list[PlatformProgress]) -> None:
        for entry in entries:
            if entry.job_id and entry.job_id not in played and not entry.ended:
                played.add(entry.job_id)
                play_vertex_worker(custom_job_sent(fake_vertex, entry.job_id), tmp_path / entry.job_id)

    followed = benchmark.run(progress, threading.Event(), poll_s=0.05)
    assert [(e.hardware, e.state, e.done, e.total, e.collected) for e in followed] == [
        ("n1-standard-4", "succeeded", 4, 4, 4),
        ("n1-standard-8+1xnvidia-tesla-t4", "succeeded", 4, 4, 4),
    ]
    machines = {custom_job_sent(fake_vertex, e.job_id)["jobSpec"]["workerPoolSpecs"][0]["machineSpec"]["machineType"]
                for e in followed}  # fmt: skip
    assert machines == {"n1-standard-4", "n1-standard-8"}
    images = {custom_job_sent(fake_vertex, e.job_id)["jobSpec"]["workerPoolSpecs"][0]["pythonPackageSpec"]
              ["executorImageUri"] for e in followed}  # fmt: skip
    assert images == {IMAGE}  # the benchmark's own image (every bundled prebuilt one has ended)

    loaded = load_benchmarks(request.out_dir)  # two hardware platforms, as HADA needs
    assert sorted(loaded.hardware) == ["n1-standard-4", "n1-standard-8+1xnvidia-tesla-t4"]
    for entry in followed:
        rows = dataset_rows(request.out_dir / f"{entry.stem}.csv")
        assert sorted(int(r["n"]) for r in rows) == [1, 1, 3, 3]
        assert all(r["run"].startswith(entry.job_id + "/") and float(r["CO2e(kg)"]) > 0 for r in rows)
    price = json.loads((request.out_dir / "anticipate_n1-standard-4.json").read_text())["HW_price"]
    listed = reference.catalog.price(REGION, reference.catalog.machine_option("n1-standard-4")).usd_per_hour
    assert listed and price == pytest.approx(listed)  # USD per hour in that region

    for entry in followed:  # ordinary jobs: codecarbon's total from the bucket, one-click cleanup
        assert entry.job_id is not None
        assert json.loads(service.job(entry.job_id).measured)["country_iso"] == "NLD"
        assert "Deleted" in service.cleanup(entry.job_id)
    assert not json.loads((request.out_dir / ".benchmark" / "jobs.json").read_text())  # nothing left to collect


def test_cancel_stops_every_platforms_job_on_vertex_ai(
    tmp_path: Path, reference: ReferenceData, fake_vertex: FakeVertex, solver: Path
) -> None:
    fake_vertex.script("run")  # the jobs would run until stopped
    service = JobService(lambda: reference, Ledger())
    request = BenchmarkRequest(
        solver,
        bg.make_grid([bg.parse_axis("n=1..4")], 1),
        1,
        PLATFORMS,
        tmp_path / "out",
        "toy",
        project=PROJECT,
        image_uri=IMAGE,
    )
    cancel = threading.Event()

    def progress(entries: list[PlatformProgress]) -> None:
        if all(e.state == "running" for e in entries):
            cancel.set()

    followed = Benchmark(service, request).run(progress, cancel, poll_s=0.05)
    assert [e.state for e in followed] == ["cancelled", "cancelled"]
    cancels = [r for r in fake_vertex.requests if r.method == "POST" and r.path.endswith(":cancel")]
    assert len(cancels) == 2
    assert not list(request.out_dir.glob("*.csv"))  # no run was recorded: no dataset rows


class AppDied(Exception):
    """Stands for the app's process ending right after it launched the jobs."""


def test_jobs_launched_by_an_app_that_died_are_collected_by_the_next_benchmark(
    tmp_path: Path, reference: ReferenceData, fake_vertex: FakeVertex, solver: Path, capsys
) -> None:
    out = tmp_path / "out"
    request = BenchmarkRequest(solver, bg.make_grid([bg.parse_axis("n=1,2")], 1), 1, PLATFORMS, out, "toy",
                               project=PROJECT, image_uri=IMAGE)  # fmt: skip
    service = JobService(lambda: reference, Ledger())

    def die_once_all_are_launched(entries: list[PlatformProgress]) -> None:
        if all(e.state == "queued" for e in entries):
            raise AppDied

    with pytest.raises(AppDied):
        Benchmark(service, request).run(die_once_all_are_launched, threading.Event(), poll_s=0.05)
    jobs = Ledger().jobs()
    assert len(jobs) == 2 and {j.state for j in jobs} == {"queued"}

    argv = ["benchmark", "--script", str(solver), "--grid", "n=1,2", "--project", PROJECT, "--name", "toy",
            "--image", IMAGE, "--out", str(out), "--region", REGION, "--machine", "n1-standard-4",
            "--machine", "n1-standard-8", "--accelerator", "nvidia-tesla-t4:1", "--json"]  # fmt: skip
    assert cli(argv) == 2  # still running: launching their runs again would run them twice
    err = capsys.readouterr().err
    assert "from an earlier run is still" in err and "`carbon-gui cancel JOB_ID`" in err, err  # the CLI's hint
    for job in jobs:
        play_vertex_worker(custom_job_sent(fake_vertex, job.id), tmp_path / job.id)
        while service.refresh(job.id).state != "succeeded":
            pass  # the local server moves the job one state per poll

    assert cli(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [(p["state"], p["job_id"]) for p in answer["platforms"]] == [("complete", None)] * 2  # nothing relaunched
    for platform in answer["platforms"]:
        rows = dataset_rows(out / f"{platform['stem']}.csv")
        assert sorted(r["n"] for r in rows) == ["1", "2"]
    assert len(Ledger().jobs()) == 2

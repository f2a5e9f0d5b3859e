"""VertexJobs drives the real google-cloud-aiplatform client (REST transport) against the local fake server."""

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud.aiplatform_v1 import AcceleratorType, JobServiceClient

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.vertex import VertexJobs
from carbon_gui.core.job_spec import JobRequest, custom_job_body

from .conftest import PROJECT, REGION
from .fake_vertex import FakeVertex, Fault

REPO_ROOT = Path(__file__).resolve().parents[2]
JOB_ID = "cg-20261122-080000-ab12"


def body(job_id: str = JOB_ID) -> dict[str, object]:
    bucket = f"gs://carbon-gui-{job_id}"
    return custom_job_body(
        JobRequest(
            job_id=job_id,
            display_name="resnet on T4",
            project=PROJECT,
            region=REGION,
            machine_type="n1-standard-8",
            executor_image_uri="europe-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest",
            package_uri=f"{bucket}/trainer-0.1.tar.gz",
            python_module="trainer.task",
            base_output_dir=f"{bucket}/output",
            accelerator_type="nvidia-tesla-t4",
            accelerator_count=1,
            args=("--epochs", "3"),
            env={"LR": "0.1"},
        )
    )


def test_submit_sends_the_spec_and_returns_the_resource_name(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    name = vertex.submit(body())
    assert name.startswith(f"projects/{PROJECT}/locations/{REGION}/customJobs/")
    [sent] = fake_vertex.requests
    assert (sent.method, sent.path) == ("POST", f"/v1/projects/{PROJECT}/locations/{REGION}/customJobs")
    assert sent.query["$alt"] == ["json;enum-encoding=int"]
    pool = sent.body["jobSpec"]["workerPoolSpecs"][0]
    assert pool["machineSpec"] == {
        "machineType": "n1-standard-8",
        "acceleratorType": int(AcceleratorType.NVIDIA_TESLA_T4),  # the REST client sends enums as numbers
        "acceleratorCount": 1,
    }
    assert pool["replicaCount"] == "1"
    assert pool["pythonPackageSpec"]["env"] == [{"name": "LR", "value": "0.1"}]
    assert sent.body["labels"] == {"managed-by": "carbon-gui", "job": JOB_ID}
    assert sent.body["jobSpec"]["baseOutputDirectory"] == {"outputUriPrefix": f"gs://carbon-gui-{JOB_ID}/output"}


def test_a_succeeding_job_goes_queued_pending_running_succeeded(vertex: VertexJobs) -> None:
    name = vertex.submit(body())
    statuses = [vertex.status(name) for _ in range(5)]
    assert [s.state for s in statuses] == ["queued", "pending", "running", "succeeded", "succeeded"]
    final = statuses[-1]
    assert final.error is None
    assert final.create_time is not None and final.start_time is not None and final.end_time is not None
    assert final.create_time <= final.start_time <= final.end_time
    job_number = name.rsplit("/", 1)[1]
    assert final.console_url == (
        f"https://console.cloud.google.com/vertex-ai/locations/{REGION}/training/{job_number}?project={PROJECT}"
    )
    assert final.logs_url.startswith("https://console.cloud.google.com/logs/query;query=")
    assert f"job_id%3D%22{job_number}%22" in final.logs_url and final.logs_url.endswith(f"?project={PROJECT}")


def test_a_failing_job_reports_vertex_error_message(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    fake_vertex.script("fail")
    name = vertex.submit(body())
    states = [vertex.status(name) for _ in range(4)]
    assert [s.state for s in states] == ["queued", "pending", "running", "failed"]
    assert states[-1].error == "The replica workerpool0-0 exited with a non-zero status of 1."
    assert states[-1].end_time is not None


def test_cancel_goes_through_cancelling_to_cancelled(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    fake_vertex.script("run")
    name = vertex.submit(body())
    assert [vertex.status(name).state for _ in range(4)] == ["queued", "pending", "running", "running"]
    vertex.cancel(name)
    assert fake_vertex.requests[-1].path.endswith(":cancel")
    assert [vertex.status(name).state for _ in range(3)] == ["cancelling", "cancelled", "cancelled"]


def test_cancelling_an_ended_job_says_so(vertex: VertexJobs) -> None:
    name = vertex.submit(body())
    while vertex.status(name).state != "succeeded":
        pass  # the fake moves one step per read: four reads at most
    with pytest.raises(CloudError, match="has already ended") as caught:
        vertex.cancel(name)
    assert caught.value.status == 400 and caught.value.step == "cancel"


def test_find_by_label_pages_through_the_list(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    job_ids = [f"cg-20261122-08000{i}-ab1{i}" for i in range(5)]
    names = [vertex.submit(body(job_id)) for job_id in job_ids]
    assert vertex.find_by_label(job_ids[3]) == names[3]
    lists = [r for r in fake_vertex.requests if r.method == "GET" and r.path.endswith("/customJobs")]
    assert lists and lists[0].query["filter"] == [f'labels.job="{job_ids[3]}"']
    assert vertex.find_by_label("cg-20261122-090000-ffff") is None


def test_find_by_label_follows_next_page_tokens(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    """Page size 2 on the server: a label shared by five jobs needs three list requests; the newest wins."""
    names = [vertex.submit(body()) for _ in range(5)]
    assert vertex.find_by_label(JOB_ID) == names[-1]
    lists = [r for r in fake_vertex.requests if r.method == "GET" and r.path.endswith("/customJobs")]
    assert len(lists) == 3
    assert [r.query.get("pageToken") for r in lists] == [None, ["2"], ["4"]]


@pytest.mark.parametrize(
    ("fault", "on", "expected", "status"),
    [
        ("invalid-machine-type", "create", 'refused the job: Machine type "n1-nonexistent-8" is not supported.', 400),
        ("quota", "create", "Not enough Vertex AI quota in europe-west4: Quota exceeded", 403),
        ("permission", "create", "Permission denied in project carbon-test", 403),
        ("api-disabled", "create", "The Vertex AI API is not enabled in project carbon-test", 403),
        ("not-found", "get", "found no such job", 404),
        ("internal", "get", "unavailable right now (HTTP 500)", 500),
        ("unavailable", "create", "unavailable right now (HTTP 503)", 503),
    ],
)
def test_errors_become_user_facing_messages(
    vertex: VertexJobs, fake_vertex: FakeVertex, fault: str, on: str, expected: str, status: int
) -> None:
    fake_vertex.inject(fault, on=on)
    with pytest.raises(CloudError) as caught:
        if on == "create":
            vertex.submit(body())
        else:
            vertex.status(f"projects/{PROJECT}/locations/{REGION}/customJobs/1")
    assert expected in caught.value.message
    assert caught.value.status == status
    assert "Traceback" not in caught.value.message
    assert fake_vertex.requests, "the fault was answered by the server, not raised on the client side"


def test_the_api_disabled_message_says_what_to_do(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    fake_vertex.inject("api-disabled", on="create")
    with pytest.raises(
        CloudError, match=re.escape("gcloud services enable aiplatform.googleapis.com --project=carbon-test")
    ):
        vertex.submit(body())


def test_a_submit_refused_by_the_server_creates_nothing(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    fake_vertex.inject("invalid-machine-type", on="create")
    with pytest.raises(CloudError):
        vertex.submit(body())
    assert vertex.find_by_label(JOB_ID) is None


def test_no_server_means_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeVertex() as stopped:
        url = stopped.url
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    vertex = VertexJobs(PROJECT, REGION, endpoint=url)
    with pytest.raises(CloudError, match="you seem to be offline") as caught:
        vertex.submit(body())
    assert caught.value.step == "submit"


def test_the_default_endpoint_is_the_regional_one() -> None:
    vertex = VertexJobs(PROJECT, "asia-south1", environ={})
    assert (vertex.endpoint, vertex.transport) == ("asia-south1-aiplatform.googleapis.com", "grpc")
    assert VertexJobs(PROJECT, REGION, transport="rest", environ={}).transport == "rest"
    local = VertexJobs(PROJECT, REGION, environ={"CARBON_GUI_VERTEX_ENDPOINT": "http://127.0.0.1:9"})
    assert (local.endpoint, local.transport) == ("http://127.0.0.1:9", "rest")


def test_the_fake_deletes_jobs_through_the_real_client(vertex: VertexJobs, fake_vertex: FakeVertex) -> None:
    name = vertex.submit(body())
    client = JobServiceClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options=ClientOptions(api_endpoint=fake_vertex.url),
    )
    client.delete_custom_job(name=name).result(timeout=30)  # type: ignore[no-untyped-call]
    with pytest.raises(CloudError, match="no such job"):
        vertex.status(name)


def test_the_fake_runs_as_a_separate_process(monkeypatch: pytest.MonkeyPatch) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.vertex.fake_vertex", "--port", "0", "--outcome", "fail"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
        vertex = VertexJobs(PROJECT, REGION, endpoint=url)
        name = vertex.submit(body())
        assert [vertex.status(name).state for _ in range(4)][-1] == "failed"
        _post(f"{url}/_fake/inject", {"fault": "quota", "on": "create"})  # the controls a subprocess test uses
        with pytest.raises(CloudError, match="quota"):
            vertex.submit(body())
        with urllib.request.urlopen(f"{url}/_fake/requests", timeout=30) as answer:
            recorded = json.load(answer)["requests"]
        assert [r["method"] for r in recorded] == ["POST", "GET", "GET", "GET", "GET", "POST"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def _post(url: str, payload: dict[str, object]) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_importing_the_module_does_not_load_the_sdk() -> None:
    """App start-up must not pay for google-cloud-aiplatform: it loads on the first call."""
    code = "import sys, carbon_gui.cloud.vertex; print(any(m.startswith('google.cloud.aiplat') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b"<html>Sign in to the network</html>", "not a Vertex AI answer (not JSON)"),
        (b'{"name": 5}', "not a Vertex AI answer (JSON of the wrong shape"),
        (b"{}", "it describes 'no job'"),  # parses as an empty CustomJob: not the job asked about
        (b'{"name": "NAME", "state": 99}', "its job state 99 is unknown to carbon-gui"),
        (b"\xff\xfe", "not a Vertex AI answer (not JSON)"),
    ],
)
def test_an_answer_that_is_not_the_job_asked_about_is_an_error_not_a_state(
    vertex: VertexJobs, fake_vertex: FakeVertex, answer: bytes, expected: str
) -> None:
    """A proxy or captive portal can answer 200 with anything: never a traceback, never a made-up 'queued'."""
    fake_vertex.script("run")
    name = vertex.submit(body())
    fake_vertex.inject(Fault(200, "OK", "", raw=answer.replace(b"NAME", name.encode())), on="get")
    with pytest.raises(CloudError) as caught:
        vertex.status(name)
    assert expected in caught.value.message and caught.value.step == "status"
    assert vertex.status(name).state == "queued"  # the next answer is a real one again


def test_an_answer_later_than_the_timeout_says_so(
    vertex: VertexJobs, fake_vertex: FakeVertex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("carbon_gui.cloud.vertex.CALL_TIMEOUT_S", 0.5)  # configuration, not a mock: the fake waits 5 s
    fake_vertex.inject("slow", on="get")
    with pytest.raises(CloudError, match=r"did not answer within 0.5 s"):
        vertex.status(f"projects/{PROJECT}/locations/{REGION}/customJobs/1")


def test_an_endpoint_that_is_no_address_names_the_setting() -> None:
    environ = {"CARBON_GUI_VERTEX_ENDPOINT": "http://[::1", "CARBON_GUI_GCP_ANONYMOUS": "1"}
    vertex = VertexJobs(PROJECT, REGION, environ=environ)
    with pytest.raises(CloudError, match="CARBON_GUI_VERTEX_ENDPOINT") as caught:
        vertex.status(f"projects/{PROJECT}/locations/{REGION}/customJobs/1")
    assert "'http://[::1' is not a usable address" in caught.value.message

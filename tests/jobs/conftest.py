"""Job-flow tests: the real Google clients against the storage emulator and the local Vertex AI server, the
real local runner, a private ledger and data dir per test. Nothing here reaches beyond 127.0.0.1."""

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # google-auth never probes a metadata server

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData, load_reference
from tests.cloud.conftest import _emulator_and_proxy, emulator, network_guard  # noqa: F401 - fixtures
from tests.local_run.conftest import wait_until
from tests.vertex.fake_vertex import FakeVertex

PROJECT = "carbon-test"
REGION = "europe-west4"
IMAGE = "europe-west4-docker.pkg.dev/carbon-test/training/trainer:1.0"  # the user's own: every bundled one has ended

TRAIN = """
import time

def train():
    total = sum(i * i for i in range(200_000))
    print(f"loss {1 / (1 + total):.3e}", flush=True)
    time.sleep(0.2)
"""


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference()


@pytest.fixture
def fake_vertex() -> Iterator[FakeVertex]:
    with FakeVertex() as fake:
        yield fake


@pytest.fixture
def cloud_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: object, fake_vertex: FakeVertex) -> None:  # noqa: F811
    """The app's own configuration, through the environment: local servers, anonymous, a private data dir."""
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", fake_vertex.url)
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def service(reference: ReferenceData) -> JobService:
    return JobService(lambda: reference, Ledger())


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "user" / "my_train.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(TRAIN), encoding="utf-8")
    return path


@pytest.fixture
def vertex_request(script: Path) -> LaunchRequest:
    return LaunchRequest(
        target="vertex",
        region=REGION,
        script=script,
        machine_type="n1-standard-8",
        hours=2.0,
        project=PROJECT,
        accelerator_type="nvidia-tesla-t4",
        accelerator_count=1,
        image_uri=IMAGE,
    )


__all__ = ["IMAGE", "PROJECT", "REGION", "wait_until"]

"""The local Vertex AI server and a VertexJobs client pointed at it with anonymous credentials."""

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # google-auth never probes a metadata server

from collections.abc import Iterator

import pytest

from carbon_gui.cloud.vertex import VertexJobs

from .fake_vertex import FakeVertex

PROJECT = "carbon-test"
REGION = "europe-west4"


@pytest.fixture
def fake_vertex() -> Iterator[FakeVertex]:
    with FakeVertex() as fake:
        yield fake


@pytest.fixture
def vertex(fake_vertex: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> VertexJobs:
    """Configured the way the app is: through the environment, not through arguments."""
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", fake_vertex.url)
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    return VertexJobs(PROJECT, REGION)

"""Jobs-tab tests: the real widgets against the storage emulator, the local Vertex AI server and real local runs
(the job-flow fixtures of tests/jobs), with short poll intervals so states progress within a test."""

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool

from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.jobs.poll_intervals import PollIntervals
from carbon_gui.ui.workers import BackgroundTasks
from tests.jobs.conftest import (  # noqa: F401 - fixtures
    _emulator_and_proxy,
    cloud_env,
    emulator,
    fake_vertex,
    local_env,
    network_guard,
    script,
    service,
    vertex_request,
)
from tests.vertex.fake_vertex import FakeVertex

FAST = PollIntervals(local_s=0.1, vertex_s=0.1, longest_s=0.4)
WAIT_MS = 60_000


@pytest.fixture
def tasks(qtbot) -> Iterator[BackgroundTasks]:
    background = BackgroundTasks()
    yield background
    background.shutdown()
    QThreadPool.globalInstance().waitForDone(30_000)  # no worker outlives the emulator or the ledger


@pytest.fixture
def view(qtbot, service: JobService, tasks: BackgroundTasks) -> Iterator[JobsView]:  # noqa: F811
    jobs_view = JobsView(lambda: service, tasks, FAST)
    qtbot.addWidget(jobs_view)
    jobs_view.resize(1200, 800)
    jobs_view.show()
    yield jobs_view
    jobs_view.stop()


def launch(jobs: JobService, request: LaunchRequest, fake: FakeVertex | None = None, outcome: str = "succeed"):
    """Launch through JobService (not through the UI); `outcome` is how the local Vertex AI server plays it."""
    if fake is not None:
        fake.script(outcome)
    plan = jobs.plan(request)
    assert plan.ready, plan.problems
    return jobs.launch(plan, lambda *_: None, threading.Event())


def row_state(view: JobsView, job_id: str) -> str | None:
    snapshot = view.model.find(job_id)
    return snapshot.record.state if snapshot else None

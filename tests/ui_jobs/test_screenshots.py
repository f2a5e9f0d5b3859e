"""Renders the Jobs tab (a succeeded job with codecarbon's figures, a running one, a failed one) and the cleanup
dialog to /tmp/ui_shots/jobs_*.png, to be looked at; the test checks the images are not blank."""

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.dialogs.cleanup_dialog import COUNTING
from carbon_gui.ui.jobs.jobs_view import JobsView
from tests.jobs.conftest import PROJECT
from tests.jobs.test_vertex_flow import EMISSIONS_CSV
from tests.ui_jobs.conftest import WAIT_MS, launch, row_state
from tests.vertex.fake_vertex import FakeVertex

SHOTS = Path("/tmp/ui_shots")
pytestmark = [pytest.mark.usefixtures("cloud_env"), pytest.mark.timeout(120)]


def save(widget: QWidget, name: str) -> QImage:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"jobs_{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5, f"{path} looks blank"
    return image


def test_render_the_jobs_tab_and_the_cleanup_dialog(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    failed = launch(service, vertex_request, fake_vertex, "fail")
    succeeded = launch(service, vertex_request, fake_vertex, "succeed")
    storage.Client(project=PROJECT, credentials=AnonymousCredentials()).bucket(succeeded.bucket).blob(
        "output/model/emissions.csv"
    ).upload_from_string(EMISSIONS_CSV)
    running = launch(service, vertex_request, fake_vertex, "run")
    view.start()
    qtbot.waitUntil(lambda: row_state(view, failed.id) == "failed", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: row_state(view, running.id) == "running", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.model.find(succeeded.id).record.measured is not None, timeout=WAIT_MS)

    view.select(succeeded.id)
    save(view, "succeeded")
    view.select(running.id)
    save(view, "running")
    view.select(failed.id)
    save(view, "failed")
    view.select(succeeded.id)
    view.open_cleanup()
    dialog = view.cleanup_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.contents.text() != COUNTING, timeout=WAIT_MS)
    save(dialog, "cleanup")
    dialog.reject()

"""The Jobs tab driven like a user would, against the storage emulator, the local Vertex AI server and a real
local run. Jobs are launched through JobService (the launch wizard is not part of this tab)."""

import threading
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from carbon_gui.core.errors import UserFacingError
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.dialogs.cleanup_dialog import COUNTING, CleanupDialog, size_text
from carbon_gui.ui.jobs.jobs_view import JobsView
from tests.jobs.conftest import PROJECT, REGION
from tests.ui_jobs.conftest import WAIT_MS, launch, row_state
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.timeout(120)
LEFT = Qt.MouseButton.LeftButton

STEPS = """
import time

def train():
    for step in range(50):
        print(f"step {step}", flush=True)
        time.sleep(0.1)
"""


def gcs() -> storage.Client:
    return storage.Client(project=PROJECT, credentials=AnonymousCredentials())


def open_cleanup(qtbot, view: JobsView, job_id: str) -> CleanupDialog:
    view.select(job_id)
    qtbot.waitUntil(view.delete_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(view.delete_button, LEFT)
    dialog = view.cleanup_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.contents.text() == COUNTING  # counted in the background
    qtbot.waitUntil(lambda: dialog.contents.text() != COUNTING and dialog.reason.text() != "", timeout=WAIT_MS)
    return dialog


@pytest.mark.usefixtures("cloud_env")
def test_the_details_show_the_timeline_steps_links_and_both_figures(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "run")
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "running", timeout=WAIT_MS)
    view.select(record.id)
    details = view.details
    steps = [details.steps.topLevelItem(i) for i in range(details.steps.topLevelItemCount())]
    assert [(s.text(1), s.text(2)) for s in steps][-2:] == [("submit job", "intent"), ("submit job", "done")]
    job_number = record.vertex_name.rsplit("/", 1)[-1]
    links = details.links.text()
    assert "Open in console" in links and f"training/{job_number}?project={PROJECT}" in links and "Logs" in links
    assert details.links.openExternalLinks()
    assert details.estimate.text().endswith("so far (estimate)")
    assert "not a measurement" in details.estimate_source.text()
    assert details.measured.text() == "after the run"
    assert not details.tabs.isTabEnabled(2)  # no live output for a Vertex AI job here: the Logs link has it


@pytest.mark.usefixtures("cloud_env")
def test_cancel_asks_first_then_the_job_is_cancelled(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "run")
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "running", timeout=WAIT_MS)
    view.select(record.id)
    assert view.cancel_button.isEnabled() and not view.delete_button.isEnabled()

    qtbot.mouseClick(view.cancel_button, LEFT)
    assert view.confirmation is not None and record.id in view.confirmation.text()
    view.confirmation.button(QMessageBox.StandardButton.No).click()  # keep it running
    qtbot.mouseClick(view.cancel_button, LEFT)
    view.confirmation.button(QMessageBox.StandardButton.Yes).click()

    qtbot.waitUntil(lambda: row_state(view, record.id) == "cancelled", timeout=WAIT_MS)
    assert len([r for r in fake_vertex.requests if r.path.endswith(":cancel")]) == 1  # once: after the Yes
    qtbot.waitUntil(view.delete_button.isEnabled, timeout=WAIT_MS)  # ended: cleanup is offered
    assert not view.cancel_button.isEnabled()


@pytest.mark.usefixtures("cloud_env")
def test_cleanup_shows_the_object_count_and_size_then_deletes_the_bucket(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "succeed")
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "succeeded", timeout=WAIT_MS)
    package = gcs().bucket(record.bucket).get_blob("packages/trainer-0.1.tar.gz")
    bucket_line = f"Staging bucket: gs://{record.bucket}"
    dialog = open_cleanup(qtbot, view, record.id)
    assert bucket_line in view.details.links.text() and "(deleted)" not in view.details.links.text()
    assert dialog.what.text() == f"gs://{record.bucket}"
    assert dialog.contents.text() == f"1 object, {size_text(package.size)}"
    assert dialog.reason.text() == f"Created by carbon-gui for job {record.id}."
    assert dialog.delete_button.isEnabled()

    qtbot.mouseClick(dialog.delete_button, LEFT)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Deleted"), timeout=WAIT_MS)
    assert dialog.status.text() == f"Deleted gs://{record.bucket} and every object in it."
    assert not gcs().bucket(record.bucket).exists()
    assert not dialog.delete_button.isEnabled()
    qtbot.waitUntil(lambda: not view.delete_button.isEnabled(), timeout=WAIT_MS)  # nothing left to delete
    assert f"{bucket_line} (deleted)" in view.details.links.text()  # the ledger recorded the deletion
    assert "already gone" in service.cleanup(record.id)  # and deleting again counts as done


@pytest.mark.usefixtures("cloud_env")
def test_a_bucket_whose_labels_are_not_the_apps_is_refused_with_the_reason(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "succeed")
    bucket = gcs().get_bucket(record.bucket)
    bucket.labels = {"managed-by": "someone-else", "job": record.id}  # relabelled behind the app's back
    bucket.patch()
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "succeeded", timeout=WAIT_MS)
    dialog = open_cleanup(qtbot, view, record.id)
    assert dialog.reason.text() == "<b>Not allowed:</b> its labels do not say managed-by=carbon-gui."
    assert not dialog.delete_button.isEnabled()
    dialog.reject()
    assert gcs().bucket(record.bucket).exists()


@pytest.mark.usefixtures("cloud_env")
def test_the_bucket_of_a_job_whose_submit_failed_is_offered_as_an_orphan_and_deleted(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    fake_vertex.inject("invalid-machine-type", on="create")
    plan = service.plan(vertex_request)
    with pytest.raises(UserFacingError):
        service.launch(plan, lambda *_: None, threading.Event())
    assert gcs().bucket(plan.bucket).exists()
    view.start()
    qtbot.waitUntil(view.orphans_bar.isVisible, timeout=WAIT_MS)
    orphans = view.orphans_bar.label.text()
    assert orphans == "1 staging bucket of jobs that never started or ended long ago — delete them?"

    qtbot.mouseClick(view.orphans_bar.review, LEFT)
    dialog = view.cleanup_dialog
    assert dialog is not None and dialog.items.isVisible()
    item = dialog.items.item(0)
    qtbot.waitUntil(lambda: item.checkState() == Qt.CheckState.Checked, timeout=WAIT_MS)  # checked by default
    assert item.text().startswith(f"gs://{plan.bucket} — 1 object, ")
    assert "before it was submitted" in item.text()
    qtbot.mouseClick(dialog.delete_button, LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "1 deleted.", timeout=WAIT_MS)
    assert not gcs().bucket(plan.bucket).exists()
    qtbot.waitUntil(lambda: not view.orphans_bar.isVisible(), timeout=WAIT_MS)


@pytest.mark.usefixtures("local_env")
def test_a_local_runs_output_appears_as_it_runs_and_codecarbons_figures_after(
    qtbot, view: JobsView, service: JobService, tmp_path: Path
) -> None:
    script = tmp_path / "steps.py"
    script.write_text(STEPS)
    record = launch(service, LaunchRequest("local", REGION, script, "n1-standard-8", 1.0))
    view.start()
    qtbot.waitUntil(lambda: view.model.find(record.id) is not None, timeout=WAIT_MS)
    view.select(record.id)
    assert view.delete_button.text() == "&Delete staging directory…"
    output = view.details.output
    qtbot.waitUntil(lambda: "step 5" in output.toPlainText(), timeout=WAIT_MS)
    assert row_state(view, record.id) == "running"  # live, not after the end
    qtbot.waitUntil(lambda: row_state(view, record.id) == "succeeded", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "step 49" in output.toPlainText(), timeout=WAIT_MS)
    lines = output.toPlainText().splitlines()
    assert [line for line in lines if line.startswith("step ")] == [f"step {i}" for i in range(50)]  # each once
    qtbot.waitUntil(lambda: "CO₂e (" in view.details.measured.text(), timeout=WAIT_MS)
    assert "codecarbon" in view.details.measured_source.text()
    assert view.details.estimate.text().endswith("(estimate)")  # this machine's CPU, beside codecarbon's figure

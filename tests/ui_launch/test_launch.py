"""The launch page: a real launch through the wizard — Vertex AI against the storage emulator and the local
Vertex AI server, a real tiny script on this machine — and Cancel, which stops before the next step."""

import threading
from pathlib import Path

import pytest
from google.cloud import storage
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.jobs.launcher import STEP_BUCKET, STEP_PACKAGE, STEP_START, STEP_SUBMIT, VERTEX_STEPS, Progress
from carbon_gui.jobs.request import LaunchPlan
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from tests.jobs.conftest import PROJECT, REGION
from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button, current_images, go_to_review
from tests.ui_launch.test_screenshots import SHOTS
from tests.vertex.fake_vertex import FakeVertex

COMMIT = QWizard.WizardButton.CommitButton


def _created_jobs(fake: FakeVertex) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/customJobs")]


@pytest.mark.usefixtures("cloud_env")
def test_vertex_launch_creates_the_bucket_submits_the_job_and_says_so(
    qtbot, make_wizard: MakeWizard, script: Path, fake_vertex: FakeVertex, service: JobService
) -> None:
    wizard = make_wizard()
    go_to_review(qtbot, wizard, str(script))
    plan = wizard.plan
    with qtbot.waitSignal(wizard.job_launched, timeout=WAIT_MS) as launched:
        click_button(qtbot, wizard, COMMIT)
    page = wizard.launch_page
    assert launched.args == [plan.job_id]
    assert [page.step_status(step) for step in VERTEX_STEPS] == ["done"] * len(VERTEX_STEPS)
    assert page.progress.value() == len(VERTEX_STEPS)
    assert f"Job {plan.job_id} submitted to Vertex AI" in page.message.text()
    assert page.show_button.isVisible() and wizard.button(QWizard.WizardButton.FinishButton).isEnabled()

    assert storage.Client(project=PROJECT).bucket(plan.bucket).exists()
    created = _created_jobs(fake_vertex)
    assert len(created) == 1 and created[0].body["labels"]["job"] == plan.job_id
    assert service.job(plan.job_id).state == "queued"

    with qtbot.waitSignal(wizard.show_job, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    assert shown.args == [plan.job_id] and not wizard.isVisible()


@pytest.mark.usefixtures("local_env")
def test_local_launch_runs_the_script_on_this_machine(
    qtbot, make_wizard: MakeWizard, script: Path, service: JobService
) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.hardware_page.local.setFocus()
    qtbot.keyClick(wizard.hardware_page.local, Qt.Key.Key_Space)
    assert wizard.hardware_page.display_name.placeholderText() == "default: <script> (this machine, grid: <region>)"
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(lambda: wizard.button(COMMIT).isEnabled(), timeout=WAIT_MS)
    with qtbot.waitSignal(wizard.job_launched, timeout=WAIT_MS) as launched:
        click_button(qtbot, wizard, COMMIT)
    job_id = launched.args[0]
    # the Jobs tab lists it by this name: the machine type the wizard greys out for a local run is not in it
    assert service.job(job_id).display_name == f"{script.stem} (this machine, grid: {REGION})"
    assert wizard.launch_page.step_status(STEP_START) == "done"
    assert "started on this machine" in wizard.launch_page.message.text()
    # the real script runs to its end (the test polls the service as the Jobs tab would)
    qtbot.waitUntil(lambda: service.refresh(job_id).state == "succeeded", timeout=WAIT_MS)
    assert any(line.startswith("loss ") for line in service.output(job_id))


class GatedService(JobService):
    """A real JobService whose launch holds still after the bucket step's report until the test lets it go,
    so Cancel lands between two steps every time (no race with the worker thread)."""

    def __init__(self, reference: ReferenceData, ledger: Ledger) -> None:
        super().__init__(lambda: reference, ledger, images=current_images())
        self.bucket_reported = threading.Event()
        self.go_on = threading.Event()

    def launch(self, plan: LaunchPlan, progress: Progress, cancel: threading.Event, on_line=None):
        def gated(step: str, status: str) -> None:
            progress(step, status)
            if (step, status) == (STEP_BUCKET, "done"):
                self.bucket_reported.set()
                assert self.go_on.wait(WAIT_MS / 1000), "the test never released the launch"

        return super().launch(plan, gated, cancel, on_line)


@pytest.mark.usefixtures("cloud_env")
def test_cancel_during_launch_stops_before_the_next_step(
    qtbot, make_wizard: MakeWizard, script: Path, fake_vertex: FakeVertex, service: JobService, reference
) -> None:
    gated = GatedService(reference, service.ledger)
    wizard = make_wizard(jobs=gated)
    go_to_review(qtbot, wizard, str(script))
    plan = wizard.plan
    click_button(qtbot, wizard, COMMIT)
    page = wizard.launch_page
    qtbot.waitUntil(lambda: page.step_status(STEP_BUCKET) == "done", timeout=WAIT_MS)
    assert page.running and page.cancel_button.isEnabled()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)  # Escape while launching cancels the launch, the wizard stays
    assert wizard.isVisible() and not page.cancel_button.isEnabled() and "Cancelling" in page.message.text()
    gated.go_on.set()
    qtbot.waitUntil(lambda: page.finished, timeout=WAIT_MS)

    message = page.message.text()
    assert f"cancelled before '{STEP_PACKAGE}'" in message and "nothing more was created" in message
    assert f"gs://{plan.bucket} was created: the Jobs tab offers to delete it" in message
    assert page.step_status(STEP_PACKAGE) == "waiting" and page.step_status(STEP_SUBMIT) == "waiting"
    assert _created_jobs(fake_vertex) == []
    assert service.job(plan.job_id).state == "cancelled"
    assert not page.show_button.isVisible()
    click_button(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.isVisible()


@pytest.mark.usefixtures("cloud_env")
def test_a_refused_submit_says_why_and_that_the_bucket_is_offered_for_cleanup(
    qtbot, make_wizard: MakeWizard, script: Path, fake_vertex: FakeVertex, service: JobService
) -> None:
    fake_vertex.inject("quota", on="create")
    wizard = make_wizard()
    go_to_review(qtbot, wizard, str(script))
    plan = wizard.plan
    click_button(qtbot, wizard, COMMIT)
    page = wizard.launch_page
    qtbot.waitUntil(lambda: page.finished, timeout=WAIT_MS)
    assert page.step_status(STEP_BUCKET) == "done" and page.step_status(STEP_SUBMIT).startswith("failed: ")
    message = page.message.text()
    assert "Quota" in message or "quota" in message
    assert "Traceback" not in message
    assert f"gs://{plan.bucket} was created: the Jobs tab offers to delete it" in message
    assert service.job(plan.job_id).state == "failed" and not page.show_button.isVisible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert wizard.grab().save(str(SHOTS / "wizard_4_launch_failed.png"))

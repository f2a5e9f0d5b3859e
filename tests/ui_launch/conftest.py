"""Launch-wizard tests: the real wizard driven with pytest-qt, over the job-flow fixtures of tests/jobs (the
storage emulator, the local Vertex AI server, real local runs, a private ledger and data dir)."""

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton, QWizard

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.core.training_images import TrainingImage
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.training_images import load_training_images
from carbon_gui.ui.launch import LaunchWizard
from carbon_gui.ui.launch.hardware_page import HardwarePage
from carbon_gui.ui.workers import BackgroundTasks
from tests.jobs.conftest import (  # noqa: F401 - fixtures
    PROJECT,
    REGION,
    _emulator_and_proxy,
    cloud_env,
    emulator,
    fake_vertex,
    local_env,
    network_guard,
    reference,
    script,
    vertex_request,
)
from tests.ui_jobs.conftest import tasks  # noqa: F401 - fixture: background work that ends before the servers

WAIT_MS = 60_000
MakeWizard = Callable[..., LaunchWizard]


def current_images() -> tuple[TrainingImage, ...]:
    """The bundled image list as it stood while its images were available (every bundled one has since ended):
    the wizard's default pick, the nearest registry and the CPU/GPU lists are tested on it."""
    later = date.today() + timedelta(days=365)
    return tuple(dataclasses.replace(image, end_of_availability=later) for image in load_training_images())


@pytest.fixture
def service(reference: ReferenceData) -> JobService:  # noqa: F811
    """The job service of tests/jobs, offering current prebuilt images."""
    return JobService(lambda: reference, Ledger(), images=current_images())


@pytest.fixture
def make_wizard(qtbot, service: JobService, tasks: BackgroundTasks) -> MakeWizard:  # noqa: F811
    """A shown wizard for a region the planner chose; its machine lists have arrived from the pool."""

    def make(
        region: str = REGION,
        jobs: JobService | None = None,
        machine_type: str = "n1-standard-8",
        accelerator: str | None = "nvidia-tesla-t4",
        accelerator_count: int = 1,
        hours: float = 2.0,
        project: str | None = PROJECT,
    ) -> LaunchWizard:
        wizard = LaunchWizard(
            jobs or service, tasks, region, machine_type, accelerator, accelerator_count, hours, project
        )
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.hardware_page.machine.count() > 1, timeout=WAIT_MS)
        return wizard

    return make


@pytest.fixture
def hardware_page(qtbot, make_wizard: MakeWizard, script: Path) -> HardwarePage:  # noqa: F811
    """The hardware page of a wizard without a project, reached by typing the tests/jobs script on page 1 and Next;
    its machine and image lists have arrived."""
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.hardware_page
    qtbot.waitUntil(lambda: page.machine.count() > 1 and page.image.count() > 0, timeout=WAIT_MS)
    return page


def pick_target(qtbot, target: QRadioButton) -> None:
    """Chooses Vertex AI or this machine on the hardware page with the keyboard, as a user does."""
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Space)


def click_button(qtbot, wizard: LaunchWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not clickable"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_for_review(qtbot, wizard: LaunchWizard) -> None:
    """The dry run for the current inputs is on the review page."""
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.dry_run.pending, timeout=WAIT_MS)


def go_to_review(qtbot, wizard: LaunchWizard, script_path: str) -> None:
    """Types the script's path on page 1, then Next, Next (the hardware page keeps what the planner chose)."""
    qtbot.keyClicks(wizard.script_page.script_edit, script_path)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.review_page
    wait_for_review(qtbot, wizard)

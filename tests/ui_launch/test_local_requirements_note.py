"""A local run installs no requirements file (it uses this machine's Python and its libraries): the wizard says so
where the file is named and where the run is placed on this machine, and does not pass the file; back on Vertex AI
the picker and the chosen file return."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from tests.ui_launch.conftest import MakeWizard, click_button, pick_target, wait_for_review

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(120)]
NEXT, BACK = QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton
LIBRARIES = "A local run uses this machine's Python and its installed libraries"


def test_a_local_run_sets_the_requirements_file_aside_and_says_so(
    qtbot, make_wizard: MakeWizard, script: Path, tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy>=1.26\n", encoding="utf-8")
    wizard = make_wizard(project=None)
    page = wizard.script_page
    qtbot.keyClicks(page.script_edit, str(script))
    qtbot.keyClicks(page.requirements_edit, str(requirements))
    assert not page.requirements_note.isVisible(), "nothing to say while the run goes to Vertex AI"
    click_button(qtbot, wizard, NEXT)
    hardware = wizard.hardware_page
    assert not hardware.requirements_note.isVisible()

    pick_target(qtbot, hardware.local)
    assert hardware.requirements_note.isVisible() and LIBRARIES in hardware.requirements_note.text()
    click_button(qtbot, wizard, NEXT)
    wait_for_review(qtbot, wizard)
    assert wizard.plan is not None and wizard.plan.request.requirements is None, "a local run does not get the file"

    click_button(qtbot, wizard, BACK)
    click_button(qtbot, wizard, BACK)
    assert wizard.currentPage() is page
    assert not page.requirements_edit.isEnabled() and not page.choose_requirements.isEnabled()
    assert page.requirements_note.isVisible() and LIBRARIES in page.requirements_note.text()
    assert "a requirements file applies to Vertex AI runs" in page.requirements_note.text()
    assert page.requirements_edit.text() == str(requirements), "the chosen file is kept for Vertex AI"

    click_button(qtbot, wizard, NEXT)
    pick_target(qtbot, hardware.vertex)
    assert not hardware.requirements_note.isVisible()
    request = wizard.request()
    assert request is not None and request.requirements == requirements
    click_button(qtbot, wizard, BACK)
    assert page.requirements_edit.isEnabled() and page.choose_requirements.isEnabled()
    assert not page.requirements_note.isVisible()


def test_a_local_run_without_a_requirements_file_says_nothing_on_the_hardware_page(
    qtbot, make_wizard: MakeWizard, script: Path
) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, NEXT)
    pick_target(qtbot, wizard.hardware_page.local)
    assert not wizard.hardware_page.requirements_note.isVisible(), "no file named: nothing set aside"
    click_button(qtbot, wizard, BACK)
    assert wizard.script_page.requirements_note.isVisible(), "the picker is disabled: the page says why"

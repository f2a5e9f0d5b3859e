"""Issue 11 item 12: a local run does not use a container image, so the hardware page says nothing about images."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button


def test_a_local_run_shows_no_image_note(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.hardware_page
    qtbot.waitUntil(lambda: page.image.count() > 0, timeout=WAIT_MS)
    assert page.image_note.text(), "on Vertex the chosen image is described"
    page.local.setFocus()
    qtbot.keyClick(page.local, Qt.Key.Key_Space)
    assert page.image_note.text() == ""
    page.vertex.setFocus()
    qtbot.keyClick(page.vertex, Qt.Key.Key_Space)
    assert page.image_note.text(), "back on Vertex the note returns"

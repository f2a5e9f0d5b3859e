"""Issue 11 item 13: a run on this machine uses this machine, not a Compute Engine machine type; the wizard left the
machine type editable for a local run, as if it mattered (the Jobs tab shows 'this machine' for such runs)."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button


def test_a_local_run_has_no_machine_type_to_choose(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.hardware_page
    qtbot.waitUntil(lambda: page.machine.count() > 1, timeout=WAIT_MS)
    assert page.machine.isEnabled(), "on Vertex AI the machine type is chosen"
    page.local.setFocus()
    qtbot.keyClick(page.local, Qt.Key.Key_Space)
    assert not page.machine.isEnabled()
    page.vertex.setFocus()
    qtbot.keyClick(page.vertex, Qt.Key.Key_Space)
    assert page.machine.isEnabled()

"""The script page refuses a named pipe, a device, a directory or a huge file at once, from a stat alone: the GUI
thread never opens such a file, and Next stays disabled with the reason under the field."""

import os
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from carbon_gui.cloud.packaging import MAX_SCRIPT_BYTES
from tests.ui_launch.conftest import MakeWizard

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(120)]
NEXT = QWizard.WizardButton.NextButton


def test_a_fifo_as_script_is_refused_on_the_page_without_blocking(qtbot, make_wizard: MakeWizard, tmp_path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    wizard = make_wizard()
    page = wizard.script_page
    started = time.monotonic()
    page.script_edit.setText(str(fifo))
    qtbot.wait(50)  # events run: the GUI thread is free
    assert time.monotonic() - started < 5
    assert not wizard.button(NEXT).isEnabled(), "a dry run would read the FIFO"
    assert "is a named pipe (FIFO), not a regular file" in page.file_note.text() and page.file_note.isVisible()


def test_an_oversize_requirements_file_is_refused_and_a_good_one_accepted(
    qtbot, make_wizard: MakeWizard, tmp_path: Path, script: Path
) -> None:
    huge = tmp_path / "requirements.txt"
    with huge.open("wb") as file:
        file.truncate(MAX_SCRIPT_BYTES)
    wizard = make_wizard()
    page = wizard.script_page
    page.script_edit.setText(str(script))
    assert page.file_note.isHidden() and wizard.button(NEXT).isEnabled()
    page.requirements_edit.setText(str(huge))
    assert not wizard.button(NEXT).isEnabled() and "over the 1 MB limit" in page.file_note.text()
    huge.write_text("numpy>=1.26\n", encoding="utf-8")
    page.requirements_edit.clear()
    page.requirements_edit.setText(str(huge))  # edited again: checked again
    assert page.file_note.isHidden() and wizard.button(NEXT).isEnabled()

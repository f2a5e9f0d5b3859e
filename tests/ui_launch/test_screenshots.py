"""Each page rendered to /tmp/ui_shots/wizard_*.png for a person to look at; the test checks the layout fits."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button, go_to_review

SHOTS = Path("/tmp/ui_shots")


def _shoot(wizard: QWizard, name: str) -> Path:
    page = wizard.currentPage()
    assert page.minimumSizeHint().width() <= page.width(), f"{name}: the page is squeezed below its minimum width"
    assert page.minimumSizeHint().height() <= page.height(), f"{name}: the page is squeezed below its minimum height"
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"wizard_{name}.png"
    image = wizard.grab().toImage()
    assert not image.isNull() and image.save(str(path))
    return path


@pytest.mark.usefixtures("cloud_env")
def test_render_every_page(qtbot, make_wizard: MakeWizard, script: Path, tmp_path: Path) -> None:
    wizard = make_wizard()
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    _shoot(wizard, "1_script")
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.hardware_page.env.add_row("BATCH_SIZE", "64")
    _shoot(wizard, "2_hardware")
    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    go_to_review(qtbot, wizard, "")
    _shoot(wizard, "3_review")
    click_button(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.launch_page.finished, timeout=WAIT_MS)
    _shoot(wizard, "4_launch")


def test_render_review_with_problems(qtbot, make_wizard: MakeWizard, tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def train(:\n    pass\n", encoding="utf-8")
    wizard = make_wizard(region="europe-north1", project=None)
    go_to_review(qtbot, wizard, str(broken))
    assert len(wizard.review_page.problems_shown) == 3
    _shoot(wizard, "3_review_problems")

"""The review page: the dry run's spec, gcloud command and estimate, Copy, and the problems that keep Launch
disabled — recomputed (debounced, newest only) whenever an input changes. No credentials, no network."""

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard

from tests.jobs.conftest import PROJECT, REGION
from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button, go_to_review, wait_for_review

COMMIT = QWizard.WizardButton.CommitButton


def test_review_shows_spec_command_and_estimate_and_copies_them(qtbot, make_wizard: MakeWizard, script) -> None:
    wizard = make_wizard()
    go_to_review(qtbot, wizard, str(script))
    review = wizard.review_page
    assert review.problems_shown == []
    assert wizard.button(COMMIT).isEnabled() and wizard.button(COMMIT).text() == "&Launch"

    spec = json.loads(review.spec.text_view.toPlainText())
    pool = spec["jobSpec"]["workerPoolSpecs"][0]
    assert pool["machineSpec"] == {"machineType": "n1-standard-8", "acceleratorType": "NVIDIA_TESLA_T4",
                                   "acceleratorCount": 1}  # fmt: skip
    assert pool["pythonPackageSpec"]["executorImageUri"].startswith("europe-docker.pkg.dev/")  # nearest registry
    command = review.command.text_view.toPlainText()
    assert command.startswith("gcloud ai custom-jobs create") and f"--region={REGION}" in command
    assert f"--project={PROJECT}" in command or PROJECT in command
    assert "workerPoolSpecs" in review.config.text_view.toPlainText()
    assert "gCO₂e/kWh" in review.estimate.text() and "(estimate)" in review.estimate.text()

    qtbot.mouseClick(review.spec.copy_button, Qt.MouseButton.LeftButton)
    assert json.loads(QGuiApplication.clipboard().text()) == spec
    review.tabs.setCurrentWidget(review.command)
    qtbot.mouseClick(review.command.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == command
    review.tabs.setCurrentWidget(review.config)
    qtbot.mouseClick(review.config.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == wizard.plan.gcloud_config


def _script_with_syntax_error(folder: Path) -> Path:
    path = folder / "broken.py"
    path.write_text("import numpy\n\ndef train(:\n    pass\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("syntax error", "broken.py, line 3"),
        ("accelerator not offered", "nvidia-tesla-t4 is not offered in europe-north1"),
        ("missing project", "No Google Cloud project id"),
    ],
)
def test_problems_are_listed_and_launch_stays_disabled(
    qtbot, make_wizard: MakeWizard, script: Path, tmp_path: Path, case: str, expected: str
) -> None:
    region = "europe-north1" if case == "accelerator not offered" else REGION
    wizard = make_wizard(region=region, project=None if case == "missing project" else PROJECT)
    path = _script_with_syntax_error(tmp_path) if case == "syntax error" else script
    go_to_review(qtbot, wizard, str(path))
    review = wizard.review_page
    shown = [review.problems.item(n).text() for n in range(review.problems.count())]
    assert len(shown) == 1 and expected in shown[0], shown
    assert review.problems.isVisible()
    assert not wizard.button(COMMIT).isEnabled()
    assert "1 problem to fix" in review.status.text()


def test_the_accelerator_not_offered_is_marked_on_the_hardware_page(qtbot, make_wizard: MakeWizard) -> None:
    wizard = make_wizard(region="europe-north1")
    hardware = wizard.hardware_page
    assert hardware.accelerator.currentText() == "nvidia-tesla-t4 (not offered here)"
    offered = [hardware.accelerator.itemData(n) for n in range(hardware.accelerator.count())]
    assert offered[0] is None and "nvidia-tesla-t4" in offered


def test_a_changed_input_recomputes_the_dry_run_and_only_the_newest_counts(
    qtbot, make_wizard: MakeWizard, script: Path
) -> None:
    wizard = make_wizard()
    go_to_review(qtbot, wizard, str(script))
    first = wizard.plan
    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    hardware = wizard.hardware_page
    for machine in ("n1-standard-4", "n1-standard-16", "n1-highmem-8"):  # each edit supersedes the one before
        hardware.machine.setCurrentText(machine)
    assert wizard.plan is None  # the plan on the review page is out of date until the new one arrives
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert not wizard.button(COMMIT).isEnabled()  # still checking
    wait_for_review(qtbot, wizard)
    plan = wizard.plan
    assert plan.job_id != first.job_id and plan.request.machine_type == "n1-highmem-8"
    assert '"machineType": "n1-highmem-8"' in wizard.review_page.spec.text_view.toPlainText()
    assert wizard.button(COMMIT).isEnabled()


def test_machine_without_attachable_gpu_resets_the_accelerator(qtbot, make_wizard: MakeWizard, script) -> None:
    wizard = make_wizard()
    hardware = wizard.hardware_page
    hardware.machine.setCurrentText("e2-standard-8")
    assert hardware.accelerator.currentData() is None and hardware.accelerator.count() == 1
    assert "No GPU can be attached" in hardware.gpu_note.text()
    assert "(CPU" in hardware.image.currentText()  # CPU images for CPU hardware
    hardware.machine.setCurrentText("a2-highgpu-1g")
    assert hardware.accelerator.currentData() == "nvidia-tesla-a100" and not hardware.count.isEnabled()
    assert "(GPU" in hardware.image.currentText()


def test_arguments_env_vars_and_display_name_reach_the_spec(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard()
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    hardware = wizard.hardware_page
    qtbot.keyClicks(hardware.args, '--epochs 3 --note "two words"')
    qtbot.mouseClick(hardware.env.add_button, Qt.MouseButton.LeftButton)
    hardware.env.table.item(0, 0).setText("BATCH_SIZE")
    hardware.env.table.item(0, 1).setText("64")
    qtbot.keyClicks(hardware.display_name, "my first run")
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    spec = json.loads(wizard.review_page.spec.text_view.toPlainText())
    package = spec["jobSpec"]["workerPoolSpecs"][0]["pythonPackageSpec"]
    assert package["args"] == ["--epochs", "3", "--note", "two words"]
    assert {"name": "BATCH_SIZE", "value": "64"} in package["env"]
    assert spec["displayName"] == "my first run"


def test_an_unclosed_quote_in_the_arguments_is_a_problem(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard()
    qtbot.keyClicks(wizard.hardware_page.args, '--note "unclosed')
    go_to_review(qtbot, wizard, str(script))
    assert any("close the quote" in problem for problem in wizard.review_page.problems_shown)
    assert not wizard.button(COMMIT).isEnabled()


def test_this_machine_needs_no_project_and_has_no_spec(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.hardware_page.local.setFocus()
    qtbot.keyClick(wizard.hardware_page.local, Qt.Key.Key_Space)
    assert not wizard.hardware_page.project.isEnabled()
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    review = wizard.review_page
    assert review.problems_shown == [] and wizard.button(COMMIT).isEnabled()
    assert "this machine" in review.spec.text_view.toPlainText() and not review.spec.copy_button.isEnabled()
    assert "codecarbon tracks a run on this machine" in review.estimate.text()


def test_starter_script_is_written_and_chosen(qtbot, make_wizard: MakeWizard, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "newcomer" / "train.py"
    target.parent.mkdir()
    monkeypatch.setattr(
        "carbon_gui.ui.launch.script_page.QFileDialog.getSaveFileName", lambda *args: (str(target), "Python (*.py)")
    )
    wizard = make_wizard()
    qtbot.mouseClick(wizard.script_page.create_starter, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.script_page.script_edit.text() == str(target), timeout=WAIT_MS)
    assert "def train():" in target.read_text(encoding="utf-8")
    compile(target.read_text(encoding="utf-8"), str(target), "exec")
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    assert wizard.review_page.problems_shown == []  # the template passes the checks


def test_unchecking_the_wrapper_runs_the_script_as_it_is(qtbot, make_wizard: MakeWizard, tmp_path: Path) -> None:
    plain = tmp_path / "plain.py"
    plain.write_text("print('no train function here')\n", encoding="utf-8")
    wizard = make_wizard()
    go_to_review(qtbot, wizard, str(plain))
    assert any("defines no function train()" in p for p in wizard.review_page.problems_shown)
    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    wizard.script_page.wrap.click()
    assert not wizard.script_page.function_edit.isEnabled()
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    assert wizard.review_page.problems_shown == [] and wizard.plan.request.function is None


def test_keyboard_only_mnemonics_and_enter(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(project=None)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(wizard, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Training &script
    assert wizard.script_page.script_edit.hasFocus()
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    qtbot.keyClick(wizard.script_page.script_edit, Qt.Key.Key_Return)  # Enter: Next
    assert wizard.currentPage() is wizard.hardware_page
    qtbot.keyClick(wizard, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # &This machine (an animated click)
    qtbot.waitUntil(wizard.hardware_page.local.isChecked, timeout=WAIT_MS)
    qtbot.keyClick(wizard, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # &Display name
    qtbot.keyClicks(wizard.hardware_page.display_name, "keyboard run")
    qtbot.keyClick(wizard.hardware_page.display_name, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.review_page
    wait_for_review(qtbot, wizard)
    assert wizard.plan.display_name == "keyboard run" and wizard.plan.request.target == "local"
    assert wizard.button(COMMIT).isEnabled()


def test_a_machine_with_built_in_gpus_gets_them_named(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(machine_type="a2-highgpu-2g", accelerator=None, accelerator_count=0)
    hardware = wizard.hardware_page
    assert hardware.accelerator.currentData() == "nvidia-tesla-a100" and hardware.count.currentData() == 2
    assert "comes with 2× nvidia-tesla-a100 built in" in hardware.gpu_note.text()
    go_to_review(qtbot, wizard, str(script))
    machine = json.loads(wizard.review_page.spec.text_view.toPlainText())["jobSpec"]["workerPoolSpecs"][0]
    assert machine["machineSpec"] == {"machineType": "a2-highgpu-2g", "acceleratorType": "NVIDIA_TESLA_A100",
                                      "acceleratorCount": 2}  # fmt: skip
    assert wizard.review_page.problems_shown == []

"""Issue 11 item 12: the container image of a Vertex AI job. An image past Google's end of availability is a problem
(Launch stays disabled, `launch --dry-run` exits 2), a typed URI must have a registry image's shape, the default is
the first listed image still available (none: the user must pick or type one), and a local run says nothing about
images. Through the CLI (carbon_gui.cli.main) and the real wizard (pytest-qt), with the bundled list or a list whose
dates the test sets."""

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import Ledger
from carbon_gui.core.training_images import PREBUILT_LIST_URL, TrainingImage
from carbon_gui.jobs import service as service_module
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.training_images import load_training_images
from tests.jobs.conftest import PROJECT, REGION
from tests.ui_launch.conftest import MakeWizard, click_button, current_images, go_to_review, wait_for_review

COMMIT = QWizard.WizardButton.CommitButton
CUSTOM = "europe-west4-docker.pkg.dev/carbon-test/training/trainer:1.0"


def _expired_images() -> tuple[TrainingImage, ...]:
    """The bundled list with every image past its end of availability (as the bundled list is after mid-2026)."""
    ended = date.today() - timedelta(days=1)
    return tuple(dataclasses.replace(i, end_of_availability=ended) for i in load_training_images())


def _dry_run(capsys: pytest.CaptureFixture[str], script: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["launch", "--dry-run", "--script", str(script), "--region", "us-central1", "--machine",
                 "n1-standard-8", *extra])  # fmt: skip
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.usefixtures("local_env")
def test_cli_an_expired_listed_image_is_a_problem_on_vertex(capsys, script: Path) -> None:
    expired = [i for i in load_training_images() if not i.available_on(date.today())]
    assert expired, "the bundled list has an expired image to try (it lists every version it ever had)"
    uri = expired[0].uri("us-central1")
    code, out, _ = _dry_run(capsys, script, "--project", PROJECT, "--image", uri)
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert code == 2
    assert len(problems) == 1 and "end of availability" in problems[0] and uri in problems[0], out


@pytest.mark.usefixtures("local_env")
@pytest.mark.parametrize(
    "uri",
    ["https://europe-docker.pkg.dev/p/r/i:1", "pytorch:latest", "docker.io/library/python:3.11", "gcr.io/p/ i:1"],
)
def test_cli_a_typed_uri_that_is_not_a_registry_image_is_one_clear_problem(capsys, script: Path, uri: str) -> None:
    code, out, _ = _dry_run(capsys, script, "--project", PROJECT, "--image", uri)
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert code == 2
    assert len(problems) == 1 and "is not a training image URI" in problems[0] and "docker.pkg.dev" in problems[0]


@pytest.mark.usefixtures("local_env")
@pytest.mark.parametrize("uri", [CUSTOM, "gcr.io/carbon-test/trainer@sha256:" + "a" * 64, "eu.gcr.io/p/team/img"])
def test_cli_a_custom_registry_image_is_accepted(capsys, script: Path, uri: str) -> None:
    code, out, err = _dry_run(capsys, script, "--project", PROJECT, "--image", uri)
    assert code == 0, out + err
    assert "problem:" not in out and f'"executorImageUri": "{uri}"' in out


@pytest.mark.usefixtures("local_env")
def test_cli_a_local_run_says_nothing_about_images(capsys, script: Path) -> None:
    code, out, err = _dry_run(capsys, script, "--local")
    assert code == 0
    assert "image" not in (out + err).lower()


@pytest.mark.usefixtures("local_env")
def test_cli_without_a_current_image_names_its_image_option(capsys, monkeypatch, script: Path) -> None:
    """The CLI's wording of the problem the wizard shows without the option: --image is what to give here."""
    monkeypatch.setattr(service_module, "load_training_images", _expired_images)  # data: the bundled list, ended
    code, out, _ = _dry_run(capsys, script, "--project", PROJECT)
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert code == 2
    assert len(problems) == 1 and problems[0].startswith("problem: No container image"), out
    assert "--image" in problems[0] and "in the CLI" not in problems[0] and PREBUILT_LIST_URL in problems[0], out

    launch = ["launch", "--script", str(script), "--region", "us-central1", "--machine", "n1-standard-8"]
    assert main([*launch, "--project", PROJECT]) == 2
    err = capsys.readouterr().err
    assert "Nothing was created" in err and "--image" in err and "in the CLI" not in err, err


@pytest.mark.usefixtures("local_env")
def test_service_default_is_the_first_current_image_else_a_problem(reference: ReferenceData, vertex_request) -> None:
    vertex_request = dataclasses.replace(vertex_request, image_uri=None)  # the default, not the fixture's own image
    current = JobService(lambda: reference, Ledger(), images=current_images()).plan(vertex_request)
    assert current.ready, current.problems
    first_gpu = next(i for i in current_images() if i.accelerator == "gpu")
    assert current.image_uri == first_gpu.uri(REGION)

    expired = JobService(lambda: reference, Ledger(), images=_expired_images()).plan(vertex_request)
    assert not expired.ready
    [problem] = expired.problems
    assert problem.startswith("No container image") and "still available" in problem


@pytest.mark.usefixtures("local_env")
def test_wizard_with_only_expired_images_asks_for_one_and_accepts_a_typed_uri(
    qtbot, make_wizard: MakeWizard, script: Path, reference: ReferenceData
) -> None:
    wizard = make_wizard(jobs=JobService(lambda: reference, Ledger(), images=_expired_images()))
    hardware = wizard.hardware_page
    qtbot.waitUntil(lambda: hardware.image.count() > 0)
    assert hardware.image.currentIndex() == -1 and hardware.image.currentText() == ""  # no expired default
    assert "choose" in hardware.image.lineEdit().placeholderText()
    assert "None of the listed prebuilt images is still available" in hardware.image_note.text()
    go_to_review(qtbot, wizard, str(script))
    [no_image] = [p for p in wizard.review_page.problems_shown if p.startswith("No container image")]
    # the window has no --image option: the problem names what to do here, the CLI's option is the CLI's to add
    assert "--image" not in no_image and "CLI" not in no_image, no_image
    assert "choose a current one" in no_image and PREBUILT_LIST_URL in no_image, no_image
    assert not wizard.button(COMMIT).isEnabled()

    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    hardware.image.setCurrentIndex(0)  # the user picks a listed one: it has ended
    assert "⚠" in hardware.image_note.text()
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    assert any("end of availability" in p for p in wizard.review_page.problems_shown)
    assert not wizard.button(COMMIT).isEnabled()

    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    hardware.image.setCurrentText("not an image")
    assert "is not a training image URI" in hardware.image_note.text()
    hardware.image.setCurrentText(CUSTOM)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)
    assert wizard.review_page.problems_shown == [] and wizard.button(COMMIT).isEnabled()
    assert wizard.plan.image_uri == CUSTOM


def test_wizard_defaults_to_the_first_current_image(qtbot, make_wizard: MakeWizard) -> None:
    wizard = make_wizard()  # the fixture's service lists current images
    hardware = wizard.hardware_page
    qtbot.waitUntil(lambda: hardware.image.count() > 0)
    first_gpu = next(i for i in current_images() if i.accelerator == "gpu")
    assert hardware.choice().image_uri == first_gpu.uri(REGION)
    assert "⚠" not in hardware.image.currentText()

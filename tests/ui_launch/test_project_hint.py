"""A Vertex AI job without a project id, as each front end says it: the planner's problem says what is missing, the
wizard's review page where the window takes it (its Project id field, Settings → Google Cloud), the CLI its option
(--project). Both said 'Settings → Google Cloud, or --project': the window has no --project, the CLI no Settings."""

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from carbon_gui.cli import main
from tests.jobs.conftest import REGION
from tests.ui_launch.conftest import MakeWizard, go_to_review

pytestmark = pytest.mark.usefixtures("local_env")
IMAGE = "europe-west4-docker.pkg.dev/carbon-test/training/trainer:1.0"  # the project is the only problem


def test_the_review_page_says_where_the_window_takes_the_project(qtbot, make_wizard: MakeWizard, script) -> None:
    wizard = make_wizard(project=None)
    go_to_review(qtbot, wizard, str(script))
    [shown] = wizard.review_page.problems_shown
    assert shown.startswith("No Google Cloud project id"), shown
    assert "--project" not in shown and "CLI" not in shown, shown
    assert "Project id" in shown and "Settings → Google Cloud" in shown, shown
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


@pytest.fixture
def no_project_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARBON_GUI_GCP_PROJECT", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_project_env")
def test_the_cli_names_its_project_option(capsys, script: Path) -> None:
    launch = ["launch", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8", "--image", IMAGE]
    assert main([*launch, "--dry-run"]) == 2
    [problem] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("problem:")]
    assert problem.startswith("problem: No Google Cloud project id") and "--project" in problem, problem
    assert "Settings" not in problem, problem

    assert main([*launch, "--dry-run", "--json"]) == 2
    [problem] = json.loads(capsys.readouterr().out)["problems"]
    assert "--project" in problem and "Settings" not in problem, problem

    assert main(launch) == 2
    err = capsys.readouterr().err
    assert "Nothing was created" in err and "--project" in err and "Settings" not in err, err

"""`carbon-gui benchmark` words its platforms' problems as `launch` does: the planner says what is missing, the CLI
adds its option. The benchmark built its own 'Nothing was launched' message from the planner's words, so a Vertex AI
platform without a current image (or a project) never heard of --image (or --project). Through the real CLI; nothing
is launched."""

import dataclasses
from datetime import date, timedelta

import pytest

from carbon_gui.core.training_images import TrainingImage
from carbon_gui.jobs import service as service_module
from carbon_gui.sources.training_images import load_training_images
from tests.benchmark_runner.conftest import cli, write_script

VERTEX = ["--machine", "n1-standard-4", "--region", "europe-west4"]
IMAGE = "europe-west4-docker.pkg.dev/my-project/training/trainer:1.0"


def _expired_images() -> tuple[TrainingImage, ...]:
    """The bundled list with every image past its end of availability (as the bundled list is after mid-2026)."""
    ended = date.today() - timedelta(days=1)
    return tuple(dataclasses.replace(i, end_of_availability=ended) for i in load_training_images())


@pytest.fixture(autouse=True)
def no_project_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARBON_GUI_GCP_PROJECT", raising=False)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.setattr(service_module, "load_training_images", _expired_images)  # data: the bundled list, ended


@pytest.mark.parametrize("extra", [[], ["--dry-run"]], ids=["run", "dry-run"])
@pytest.mark.parametrize(
    ("given", "problem", "hint"),
    [
        (["--project", "my-project"], "No container image", "Give its URI with --image."),
        (["--image", IMAGE], "No Google Cloud project id", "Give it with --project"),
    ],
    ids=["no-image", "no-project"],
)
def test_a_platforms_problem_names_the_option_that_fixes_it(
    tmp_path, capsys, given: list[str], problem: str, hint: str, extra: list[str]
) -> None:
    script = write_script(tmp_path, "def train(n):\n    return {'q': n}\n")
    out_dir = tmp_path / "o"
    code = cli(
        ["benchmark", "--script", str(script), "--grid", "n=1,2", *VERTEX, *given, "--out", str(out_dir), *extra]
    )
    err = capsys.readouterr().err
    assert code == 2 and "Nothing was launched" in err, err
    [line] = [line for line in err.splitlines() if problem in line]
    assert line.strip().startswith(f"n1-standard-4: {problem}") and hint in line, err
    assert "Settings" not in err, err
    assert not list((out_dir).glob("*.csv")), "nothing ran"

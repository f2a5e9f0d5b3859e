"""`carbon-gui launch --local`: a run on this machine uses this machine's Python and libraries, not a Compute Engine
machine type nor a container image. Its default name says 'this machine' (it named the machine type --machine asks
for, as if the run used it), and --image, which it used to drop without a word, is refused before anything is made.
Through carbon_gui.cli.main, with a real local run of the tests/jobs script and a private data dir."""

import json
from pathlib import Path

import pytest

from carbon_gui.cli import main
from tests.jobs.conftest import REGION

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(120)]
LOCAL = ["launch", "--local", "--region", REGION, "--machine", "n1-standard-8"]
IMAGE = "europe-west4-docker.pkg.dev/carbon-test/training/trainer:1.0"


def _jobs(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["jobs", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_local_runs_default_name_says_this_machine(capsys, script: Path) -> None:
    assert main([*LOCAL, "--script", str(script), "--wait", "--json"]) == 0
    [job] = json.loads(capsys.readouterr().out)
    assert job["display_name"] == f"{script.stem} (this machine, grid: {REGION})"
    assert "n1-standard-8" not in job["display_name"]
    assert [j["display_name"] for j in _jobs(capsys)] == [job["display_name"]]


def test_a_local_run_keeps_the_name_it_is_given(capsys, script: Path) -> None:
    assert main([*LOCAL, "--script", str(script), "--display-name", "my run", "--wait", "--json"]) == 0
    [job] = json.loads(capsys.readouterr().out)
    assert job["display_name"] == "my run"


@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--at", "best"]])
def test_a_local_run_refuses_an_image(capsys, script: Path, extra: list[str]) -> None:
    code = main([*LOCAL, "--script", str(script), "--image", IMAGE, *extra])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("carbon-gui: --image applies to Vertex AI runs"), err
    assert "this machine's Python" in err and "Drop --image" in err and "remove --local" in err, err
    assert _jobs(capsys) == [], "nothing was launched or scheduled"


VERTEX_ONLY = [
    pytest.param(["--project", "my-project"], ["--project"], id="project"),
    pytest.param(["--accelerator", "nvidia-tesla-t4:1"], ["--accelerator"], id="accelerator"),
    pytest.param(["--requirements", "REQUIREMENTS"], ["--requirements"], id="requirements"),
    pytest.param(
        ["--project", "my-project", "--accelerator", "nvidia-tesla-t4:1", "--image", IMAGE],
        ["--image", "--project", "--accelerator"],
        id="three",
    ),
]


@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--at", "best"]], ids=["launch", "dry-run", "at-best"])
@pytest.mark.parametrize(("given", "named"), VERTEX_ONLY)
def test_a_local_run_refuses_the_options_it_would_ignore(
    capsys, script: Path, tmp_path: Path, given: list[str], named: list[str], extra: list[str]
) -> None:
    """A local run creates nothing in Google Cloud, uses this machine's hardware and the libraries installed here:
    --project, --accelerator and --requirements were dropped without a word (launched, dry-ran or scheduled)."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy\n", encoding="utf-8")
    given = [str(requirements) if arg == "REQUIREMENTS" else arg for arg in given]
    code = main([*LOCAL, "--script", str(script), *given, *extra])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", out
    first_line = err.splitlines()[0] if err else ""
    verb = "applies" if len(named) == 1 else "apply"
    assert first_line.startswith("carbon-gui: --") and f"{verb} to Vertex AI runs" in first_line, err
    assert all(option in first_line.split(verb)[0] for option in named), err
    assert f"Drop {named[0]}" in err and "remove --local" in err, err
    assert _jobs(capsys) == [], "nothing was launched or scheduled"


def test_a_project_from_the_environment_does_not_stop_a_local_run(capsys, monkeypatch, script: Path) -> None:
    """Only what the command line asks for is refused: a project set for every command is a default, not a request."""
    monkeypatch.setenv("CARBON_GUI_GCP_PROJECT", "my-project")
    assert main([*LOCAL, "--script", str(script), "--dry-run"]) == 0, capsys.readouterr()

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

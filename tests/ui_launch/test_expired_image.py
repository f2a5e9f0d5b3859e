"""Issue 11 item 12: a prebuilt image past Google's end of availability is a problem on Vertex (CLI dry run)."""

from datetime import date
from pathlib import Path

from carbon_gui.cli import main
from carbon_gui.sources.training_images import load_training_images


def _problems(capsys, *extra: str, script: Path) -> list[str]:
    main(["launch", "--dry-run", "--script", str(script), "--region", "us-central1", "--machine", "n1-standard-8",
          "--project", "carbon-test", *extra])  # fmt: skip
    out, err = capsys.readouterr()
    return [line for line in (out + err).splitlines() if line.startswith("problem:")]


def test_an_expired_prebuilt_image_is_a_problem_in_the_cli_dry_run(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "train.py"
    script.write_text("def train():\n    print('hi')\n")
    expired = [i for i in load_training_images() if not i.available_on(date.today())]
    assert expired, "the bundled list has no expired image to test with"
    image = expired[0].uri("us-central1")
    problems = _problems(capsys, "--image", image, script=script)
    assert any(image in p and expired[0].end_of_availability.isoformat() in p for p in problems), problems

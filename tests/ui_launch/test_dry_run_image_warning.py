"""Issue 11 item 12: `launch --dry-run` says when the Vertex image is past its end of availability; a local run,
which uses no image, says nothing about images."""

from pathlib import Path

import pytest

from carbon_gui.cli import main


@pytest.fixture
def script(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "train.py"
    path.write_text("def train():\n    print('hi')\n")
    return path


def _dry_run(capsys, script: Path, *extra: str) -> str:
    main(["launch", "--dry-run", "--script", str(script), "--region", "us-central1", "--machine", "n1-standard-8",
          *extra])  # fmt: skip
    out, err = capsys.readouterr()
    return out + err


def test_vertex_dry_run_warns_about_an_expired_default_image(capsys, script: Path) -> None:
    text = _dry_run(capsys, script, "--project", "carbon-test")
    assert any(line.startswith("warning:") and "end of availability" in line for line in text.splitlines()), text


def test_local_dry_run_says_nothing_about_images(capsys, script: Path) -> None:
    text = _dry_run(capsys, script, "--local")
    assert "end of availability" not in text

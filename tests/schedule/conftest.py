"""Scheduling tests: the real CLI against a real ledger file in tmp, the real local runner, the bundled data."""

import textwrap
from pathlib import Path

import pytest

TRAIN = """
def train():
    print("loss 0.5", flush=True)
"""


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "user" / "my_train.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(TRAIN), encoding="utf-8")
    return path

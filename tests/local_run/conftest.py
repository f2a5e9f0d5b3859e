"""Local-run tests: real subprocesses, real codecarbon (offline), a private data dir per test."""

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from carbon_gui.cloud.local import local_jobs_root

WAIT_S = 90.0  # generous: two shared cores, codecarbon's import and hardware probe included


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes to the developer's real data dir."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def jobs_root(data_dir: Path) -> Path:
    return local_jobs_root()


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "my_train.py") -> Path:
        path = tmp_path / "user" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)

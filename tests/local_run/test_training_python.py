"""Which Python a local run starts. A packaged (PyInstaller) app's sys.executable is the app itself, so a local
run there must use a python3 from PATH. `sys.frozen` is set by the test: no frozen interpreter exists in a test
run (the PyInstaller build's own tests cover the packaged app as a whole)."""

import os
import sys
from pathlib import Path

import pytest

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.local import training_python


def test_a_source_install_runs_the_script_with_its_own_interpreter():
    assert training_python() == sys.executable


def test_a_packaged_app_runs_the_script_with_python3_from_path(monkeypatch, tmp_path: Path):
    python3 = tmp_path / "python3"
    python3.write_text("#!/bin/sh\n")
    python3.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert training_python() == str(python3)


def test_a_packaged_app_without_python_says_what_to_install(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no python anywhere
    with pytest.raises(CloudError, match="needs Python 3"):
        training_python()
    assert os.environ["PATH"] == str(tmp_path)

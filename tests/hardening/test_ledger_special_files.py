"""A job ledger path that names a FIFO or a device is described as what it is, through `carbon-gui jobs`."""

import os
from pathlib import Path

import pytest

from carbon_gui.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    return folder


def _jobs(capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["jobs"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    return err


def test_a_fifo_as_the_ledger_is_called_a_fifo_not_an_empty_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(data_dir / "jobs.sqlite3")
    err = _jobs(capsys)
    assert "named pipe (FIFO), not a regular file" in err and "empty" not in err


def test_dev_zero_as_the_ledger_is_called_a_device_not_an_empty_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_dir / "jobs.sqlite3").symlink_to("/dev/zero")
    err = _jobs(capsys)
    assert "a device, not a regular file" in err and "empty" not in err
    assert Path("/dev/zero").exists()  # what was set aside is the link, not the device

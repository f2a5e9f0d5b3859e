"""The generated task.py's last line in the job log spells CO₂e, as the app does everywhere ('kg CO2e' before). Its
output must not break where the stream cannot encode '₂' (a container whose Python writes ASCII): there it says
'CO2e' and the run still succeeds. The template runs as Vertex AI runs it, `python -m trainer.task` from the built
package, with real codecarbon (offline)."""

import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from carbon_gui.cloud.packaging import PYTHON_MODULE, build_package

TRAIN = "def train():\n    print('trained', sum(i * i for i in range(10_000)))\n"


def _run_task(write_script: Callable[..., Path], tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    package = build_package(write_script(TRAIN), tmp_path / "staging")
    with tarfile.open(package.path) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    [source] = (tmp_path / "unpacked").iterdir()
    kept = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "TMPDIR")}
    task = {"PYTHONPATH": str(source), "AIP_MODEL_DIR": str(tmp_path / "output"), "CARBON_GUI_COUNTRY_ISO": "SWE"}
    return subprocess.run(
        [sys.executable, "-m", PYTHON_MODULE],
        cwd=tmp_path,
        env={**kept, **task, **environment},
        capture_output=True,
        timeout=110,
        check=False,
    )


def _emissions_line(ran: subprocess.CompletedProcess, encoding: str) -> str:
    out = ran.stdout.decode(encoding)
    assert ran.returncode == 0, out + ran.stderr.decode(encoding, errors="replace")
    assert "trained" in out
    [line] = [line for line in out.splitlines() if line.startswith("[carbon-gui] emissions: ")]
    return line


@pytest.mark.parametrize("environment", [{"PYTHONIOENCODING": "utf-8"}, {"LC_ALL": "C"}])
def test_the_emissions_line_spells_co2e(write_script, tmp_path: Path, environment: dict[str, str]) -> None:
    """UTF-8 output, and the C locale of a bare container (Python 3.7+ writes UTF-8 there: PEP 538, PEP 540)."""
    line = _emissions_line(_run_task(write_script, tmp_path, **environment), "utf-8")
    assert line.endswith(" kg CO₂e (codecarbon, see emissions.csv)"), line


def test_an_ascii_stream_gets_co2_and_the_run_succeeds(write_script, tmp_path: Path) -> None:
    ran = _run_task(write_script, tmp_path, PYTHONIOENCODING="ascii")
    line = _emissions_line(ran, "ascii")
    assert line.endswith(" kg CO2e (codecarbon, see emissions.csv)"), line
    assert b"UnicodeEncodeError" not in ran.stderr

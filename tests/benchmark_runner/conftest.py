"""Benchmark-runner tests: the real CLI and job service, real subprocesses and codecarbon (offline), a private data
dir (ledger, local staging directories) per test; the Vertex AI tests add the storage emulator and the local
Vertex AI server (tests/jobs/conftest.py). Nothing here reaches beyond 127.0.0.1."""

import csv
import textwrap
from pathlib import Path

import pytest

from tests.cloud.conftest import _emulator_and_proxy, emulator, network_guard  # noqa: F401 - fixtures
from tests.jobs.conftest import cloud_env, fake_vertex  # noqa: F401 - fixtures

# A tiny "algorithm": its time grows with n; it returns a quality metric and says where it ran.
SOLVER = """
    import time

    def train(n, scale=1):
        total = sum(i * i for i in range(n * 5000))
        time.sleep(0.02 * n)
        return {"sol(keuro)": n * scale + total % 3, "iterations": n * 10}
"""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes to the developer's real ledger or staging directories."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def solver(tmp_path: Path) -> Path:
    return write_script(tmp_path, SOLVER)


def cli(argv: list[str]) -> int:
    """`carbon-gui ARGV` as the user runs it: argparse's own errors exit through SystemExit."""
    from carbon_gui.cli import main

    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def write_script(tmp_path: Path, text: str, name: str = "solver.py") -> Path:
    path = tmp_path / "user" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def dataset_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))

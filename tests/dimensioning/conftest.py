"""Fixtures for the dimensioning tests: the shared HADA data (read from ../shared, never shipped) and a small
synthetic benchmark folder the tests write themselves."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.dimensioning.fitting import Surrogates, fit_surrogates
from carbon_gui.sources.benchmarks import load_benchmarks

HADA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "hada"


@pytest.fixture(scope="session")
def hada_dir() -> Path:
    if not (HADA_DIR / "anticipate_mbp19.csv").is_file():
        pytest.skip(f"the shared HADA data is absent ({HADA_DIR}); it is not shipped with the app")
    return HADA_DIR


@pytest.fixture(scope="session")
def hada(hada_dir: Path) -> BenchmarkSet:
    return load_benchmarks(hada_dir)


@pytest.fixture(scope="session")
def hada_depth10(hada: BenchmarkSet) -> Surrogates:
    return fit_surrogates(hada, depth=10)


@pytest.fixture(scope="session")
def hada_cv(hada: BenchmarkSet) -> Surrogates:
    """Depth chosen by cross-validation, as the CLI fits by default."""
    return fit_surrogates(hada, ["CO2e(kg)", "time(sec)", "sol(keuro)", "memAvg(MB)", "totEnergy(kW)"])


def spec(hardware: str, price: float | None = None, **overrides: Any) -> dict[str, Any]:
    """A HADA JSON description: hyperparameters `layers` (int 1..8) and `lr` (float); targets time, acc, energy."""
    base: dict[str, Any] = {
        "name": "toy",
        "HW_ID": hardware,
        "HW_price": price,
        "hyperparams": [
            {"ID": "layers", "description": None, "type": "int", "LB": 1, "UB": 8},
            {"ID": "lr", "description": None, "type": "float", "LB": None, "UB": None},
        ],
        "targets": [{"ID": "time(sec)"}, {"ID": "acc"}, {"ID": "totEnergy(kW)"}],
    }
    base.update(overrides)
    return base


def toy_rows(speed: float, seed: int) -> list[list[float]]:
    """Runs of a made-up training: more layers take longer and reach a higher accuracy; 2 repetitions each."""
    rng = np.random.default_rng(seed)
    rows = []
    for layers in range(1, 9):
        for lr in (0.01, 0.1, 0.3):
            for _ in range(2):
                time_s = layers * 20 / speed * (1 + 0.05 * rng.standard_normal())
                acc = 0.5 + 0.05 * layers - abs(lr - 0.1) + 0.01 * rng.standard_normal()
                rows.append([layers, lr, time_s, acc, time_s * 0.0001 * speed])
    return rows


def write_pair(folder: Path, hardware: str, rows: list[list[Any]] | None = None, **overrides: Any) -> Path:
    """`toy_<hardware>.csv` + `.json` in `folder`; returns the CSV's path."""
    folder.mkdir(parents=True, exist_ok=True)
    description = spec(hardware, **overrides)
    (folder / f"toy_{hardware}.json").write_text(json.dumps(description))
    header = [h["ID"] for h in description["hyperparams"]] + [t["ID"] for t in description["targets"]]
    rows = toy_rows(2.0 if hardware.endswith("fast") else 1.0, len(hardware)) if rows is None else rows
    csv_path = folder / f"toy_{hardware}.csv"
    csv_path.write_text(",".join(header) + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return csv_path


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    """Two hardware platforms, 48 runs each: 'gpu-fast' runs twice as fast and uses twice the power."""
    folder = tmp_path / "bench"
    write_pair(folder, "cpu-slow", price=1.0)
    write_pair(folder, "gpu-fast", price=3.0)
    return folder

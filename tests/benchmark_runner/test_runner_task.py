"""The generated runner on its own, as a worker runs it when Vertex AI restarts a task: the output directory (the
bucket, through /gcs/) already holds rows, the last one cut short by the kill. A real subprocess and codecarbon."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from carbon_gui.core import benchmark_grid as bg
from carbon_gui.jobs.benchmark import PROGRESS_FILE, ROWS_FILE, runner_script
from tests.benchmark_runner.conftest import SOLVER, dataset_rows


def test_a_restarted_runner_keeps_its_rows_drops_a_torn_line_and_runs_only_the_rest(tmp_path: Path) -> None:
    config = {
        "script_name": "solver.py",
        "function": "train",
        "source": textwrap.dedent(SOLVER),
        "names": ["n"],
        "work": [[[1], 2], [[2], 1]],
        "measures": bg.MEASURE_COLUMNS,
        "metrics": None,
        "rows_file": ROWS_FILE,
        "progress_file": PROGRESS_FILE,
    }
    (tmp_path / "runner.py").write_text(runner_script(config), encoding="utf-8")
    out = tmp_path / "gcs-model"
    out.mkdir()
    header = ["n", *bg.MEASURE_COLUMNS.values(), "sol(keuro)", "iterations"]
    kept = ["1", *["0.5"] * len(bg.MEASURE_COLUMNS), "1.0", "10.0"]
    (out / ROWS_FILE).write_text(",".join(header) + "\n" + ",".join(kept) + "\n2,0.1,1", encoding="utf-8")

    environment = {**os.environ, "AIP_MODEL_DIR": str(out), "CARBON_GUI_COUNTRY_ISO": "FRA"}
    done = subprocess.run([sys.executable, "-c", "import runner; runner.train()"], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 runs to do of 3 (1 already in benchmark.csv)" in done.stdout

    rows = dataset_rows(out / ROWS_FILE)
    assert [r["n"] for r in rows] == ["1", "1", "2"]  # the torn "2,0.1,1" is gone; n=1 once more, n=2 once
    assert rows[0]["time(sec)"] == "0.5"  # the kept row, untouched
    assert all(float(r["totEnergy(kWh)"]) > 0 for r in rows[1:])
    assert (out / PROGRESS_FILE).read_text().startswith('{"done": 3, "total": 3, "failed": 0')

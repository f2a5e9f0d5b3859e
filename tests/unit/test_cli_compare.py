"""`carbon-gui compare-hardware` as a user runs it: JSON in a real subprocess, bad input through cli.main."""

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carbon_gui.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
T4_REFERENCE = ["compare-hardware", "--machine", "n1-standard-8", "--accelerator", "nvidia-tesla-t4:1", "--hours", "10"]
OPTION_KEYS = {"machine", "accelerator", "region", "hours", "energy_kwh", "cost_usd", "emissions_kgco2e", "pareto"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carbon_gui", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def answer() -> dict[str, Any]:
    result = run_cli(*T4_REFERENCE, "--speedup", "nvidia-tesla-v100=2", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_is_labelled_an_estimate_with_the_advice_to_benchmark(answer: dict[str, Any]) -> None:
    assert "ROUGH ESTIMATE" in answer["estimate"]
    assert "Benchmark" in answer["advice"]
    assert answer["reference"] == {"machine": "n1-standard-8", "accelerator": "nvidia-tesla-t4", "gpu_count": 1,
                                   "hours": 10.0}  # fmt: skip
    assert answer["metric"]["name"] == "fp16"
    assert answer["speedups"] == {"nvidia-tesla-v100": 2.0}
    assert answer["assumptions"]
    assert answer["total_options"] == len(answer["options"]) > 20


def test_json_options(answer: dict[str, Any], data_dir: Path) -> None:
    options = answer["options"]
    for option in options:
        assert set(option) >= OPTION_KEYS
        assert option["assumptions"], "each option says how its run length was found"
    emissions = [o["emissions_kgco2e"] for o in options]
    assert emissions == sorted(emissions)
    assert any(o["pareto"] is True for o in options)
    with (data_dir / "gpu_throughput.csv").open(newline="", encoding="utf-8") as handle:
        fp16 = {row["gce_accelerator_type"]: row["tflops_fp16_tensor"] for row in csv.DictReader(handle)}
    l4 = next(o for o in options if o["machine"] == "g2-standard-8")
    assert l4["hours"] == pytest.approx(10 * float(fp16["nvidia-tesla-t4"]) / float(fp16["nvidia-l4"]))
    v100 = next(o for o in options if o["accelerator"] == "nvidia-tesla-v100")
    assert v100["hours"] == pytest.approx(5.0), "--speedup nvidia-tesla-v100=2 halves the run length"
    assert v100["cost_usd"] is None and v100["pareto"] is None, "no list price for GPUs attached to N1"


def test_top_limits_the_options_not_the_pareto_marking(answer: dict[str, Any]) -> None:
    result = run_cli(*T4_REFERENCE, "--speedup", "nvidia-tesla-v100=2", "--json", "--top", "3")
    assert result.returncode == 0, result.stderr
    top = json.loads(result.stdout)
    assert top["options"] == answer["options"][:3]
    assert top["total_options"] == answer["total_options"]


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*T4_REFERENCE, "--region", "europe-west4", "--region", "us-east2", "--metric", "fp32"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ROUGH ESTIMATE")
    assert "europe-west4" in out and "us-central1" not in out
    assert "CO₂e" in out and "Benchmark" in out
    assert "kWh" in out or "Wh" in out, "a unit on every number"
    assert "Not offered:" in out, "us-east2 offers none of the options: the table says how many pairs are missing"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--machine", "n9-imaginary-8"], "Unknown machine type 'n9-imaginary-8'"),
        (["--accelerator", "nvidia-made-up:1"], "nvidia-made-up cannot be attached to n1-standard-8"),
        (["--hours", "0"], "Run length"),
        (["--hours", "-1"], "Run length"),
        (["--hours", "nan"], "Run length"),
        (["--hours", "inf"], "Run length"),
        (["--speedup", "nvidia-l4=0"], "above 0"),
        (["--speedup", "nvidia-l4=-2"], "above 0"),
        (["--speedup", "nvidia-l4=nan"], "above 0"),
        (["--speedup", "nvidia-l4=inf"], "above 0"),
        (["--speedup", "nvidia-l4=fast"], "not a number"),
        (["--speedup", "nvidia-l4"], "not GPU=X"),
        (["--speedup", "=2"], "not GPU=X"),
        (["--speedup", "nvidia-made-up=2"], "Unknown GPU type 'nvidia-made-up'"),
        (["--speedup", "nvidia-tesla-t4=3"], "reference GPU"),
        (["--speedup", "nvidia-l4=2", "--speedup", "nvidia-l4=3"], "Two different speed-ups"),
        (["--region", "mars-north1"], "Unknown region 'mars-north1'"),
        (["--metric", "int8"], "invalid choice"),
        (["--year", "1999"], "No carbon figures for 1999"),
        (["--top", "0"], "1 or more"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    try:
        code: object = main([*T4_REFERENCE, *extra])
    except SystemExit as exit_:  # argparse's own errors (a bad value of a typed option)
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err

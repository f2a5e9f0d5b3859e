"""`carbon-gui dimension` through carbon_gui.cli.main: the JSON contract of issue 9, exit codes, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from carbon_gui.cli import main

CONTRACT = {"feasible", "hardware", "configuration", "predicted", "margins", "binding", "raw_check", "conflicts",
            "solver", "solve_ms"}  # fmt: skip
ISSUE = ["--minimize", "CO2e(kg)", "--constraint", "time(sec)<=300", "--constraint", "sol(keuro)<=350",
         "--constraint", "memAvg(MB)<=350"]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout, stderr; argparse's own errors exit through SystemExit, as from the shell."""
    try:
        code = main(["dimension", *args])
    except SystemExit as exit_info:
        code = exit_info.code if isinstance(exit_info.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def answer(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    parsed = json.loads(out)
    assert isinstance(parsed, dict) and parsed.keys() >= CONTRACT
    return parsed


def test_the_issues_request_answers_with_every_key(hada_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = answer(capsys, "--data", str(hada_dir), *ISSUE, "--margin", "0.5")
    assert out["feasible"] is True and out["hardware"] in ("mbp19", "leonardo")
    assert out["solver"] == "highs" and isinstance(out["solve_ms"], float) and out["solve_ms"] > 0
    configuration, predicted, margins = out["configuration"], out["predicted"], out["margins"]
    assert isinstance(configuration, dict) and isinstance(configuration["nScenarios"], int)
    assert isinstance(predicted, dict) and isinstance(margins, dict)
    for target, limit in (("time(sec)", 300), ("sol(keuro)", 350), ("memAvg(MB)", 350)):
        assert predicted[target] + margins[target] <= limit  # the margin tightened each limit
        assert margins[target] > 0
    assert out["conflicts"] == [] and set(out["raw_check"]) == {"time(sec)", "sol(keuro)", "memAvg(MB)"}  # type: ignore[arg-type]


def test_the_enumeration_solver_gives_the_same_answer(hada_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exact = answer(capsys, "--data", str(hada_dir), *ISSUE, "--depth", "6")
    enumerated = answer(capsys, "--data", str(hada_dir), *ISSUE, "--depth", "6", "--solver", "enumeration")
    assert enumerated["solver"] == "enumeration"
    assert exact["objective"] == enumerated["objective"] and exact["predicted"] == enumerated["predicted"]


def test_an_infeasible_request_exits_0_with_its_conflicts(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = answer(capsys, "--data", str(toy_dir), "--maximize", "acc", "--constraint", "time(sec)<=1",
                 "--constraint", "acc>=0")  # fmt: skip
    assert out["feasible"] is False and out["hardware"] is None and out["configuration"] == {}
    assert out["conflicts"] == ["time(sec)"]
    distance = out["conflict_distance"]["time(sec)<=1"]  # type: ignore[index]
    assert distance > 5  # the quickest run takes 10 s on the fast GPU


def test_regions_make_the_region_a_decision(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = answer(capsys, "--data", str(toy_dir), "--minimize", "CO2e(kg)", "--constraint", "acc>=0.7",
                 "--region", "europe-north1", "--region", "asia-south1")  # fmt: skip
    assert out["region"] in ("europe-north1", "asia-south1") and out["feasible"] is True
    assert any("not a machine type" in note for note in out["notes"])  # type: ignore[union-attr]


def test_a_hardware_budget_leaves_out_what_costs_more(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = answer(capsys, "--data", str(toy_dir), "--minimize", "time(sec)", "--budget", "2")
    assert out["hardware"] == "cpu-slow"
    assert any("gpu-fast left out" in note for note in out["notes"])  # type: ignore[union-attr]


def test_the_text_output(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--data", str(toy_dir), "--minimize", "time(sec)", "--constraint", "acc>=0.6")
    assert code == 0, err
    assert out.startswith("gpu-fast with layers=") and "acc" in out and "raw runs meeting the limit" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--minimize", "speed"], "Unknown target 'speed'. The benchmark data has: time(sec), acc, totEnergy(kW)"),
        (["--minimize", "acc", "--constraint", "acc=3"], "has no <= or >="),
        (["--minimize", "acc", "--constraint", "acc<=fast"], "'fast' is not a number"),
        (["--minimize", "acc", "--constraint", "<=3"], "names no target"),
        (["--minimize", "acc", "--constraint", "acc<=nan"], "finite number"),
        (["--minimize", "acc", "--margin", "1.5"], "between 0 and 1"),
        (["--minimize", "acc", "--margin", "nan"], "between 0 and 1"),
        (["--minimize", "acc", "--depth", "0"], "from 1 to 30"),
        (["--minimize", "acc", "--depth", "two"], "not a whole number"),
        (["--minimize", "acc", "--budget", "-1"], "0 or more"),
        (["--minimize", "acc", "--region", "mars-1"], "Unknown region 'mars-1'"),
        (["--minimize", "acc", "--year", "2024"], "--year chooses the carbon figures of --region"),
        (["--minimize", "acc", "--region", "europe-west1", "--year", "1990"], "No carbon figures for 1990"),
        (["--minimize", "cost(USD)"], "is computed per region from the run time and the machine type's price"),
        (["--minimize", "acc", "--maximize", "acc"], "not allowed with argument"),
        ([], "one of the arguments --minimize --maximize is required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    toy_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, out, err = run(capsys, "--data", str(toy_dir), *args, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err


def test_dimension_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "dimension" in capsys.readouterr().out


def test_stdout_holds_only_the_json_in_a_real_process(toy_dir: Path) -> None:
    """HiGHS prints a banner on file descriptor 1 (not sys.stdout) at its first use: only a real process shows it."""
    command = [sys.executable, "-m", "carbon_gui", "dimension", "--data", str(toy_dir), "--minimize", "time(sec)",
               "--constraint", "acc>=0.6", "--json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["solver"] == "highs"


def test_regions_need_an_energy_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.dimensioning.conftest import toy_rows, write_pair

    rows = [row[:4] for row in toy_rows(1.0, 1)]  # no totEnergy(kW)
    write_pair(tmp_path, "cpu", rows, targets=[{"ID": "time(sec)"}, {"ID": "acc"}])
    code, out, err = run(capsys, "--data", str(tmp_path), "--minimize", "CO2e(kg)", "--region", "europe-west1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "Carbon by region needs an energy column (one of totEnergy(kW)" in err


@pytest.mark.parametrize("solver", ["highs", "cp-sat", "enumeration"])
def test_an_objective_the_region_does_not_change_picks_the_cleanest_region(
    hada_dir: Path, capsys: pytest.CaptureFixture[str], solver: str
) -> None:
    """Minimising time, every region is as good: the first --region (asia-south1, ~680 gCO₂e/kWh) used to win; the
    one with the least CO₂e (europe-north1, ~39) must, and the notes say why."""
    regions = ["--region", "asia-south1", "--region", "africa-south1", "--region", "us-central1",
               "--region", "europe-north1"]  # fmt: skip
    out = answer(capsys, "--data", str(hada_dir), "--minimize", "time(sec)", *regions, "--solver", solver)
    assert out["feasible"] is True and out["region"] == "europe-north1"
    assert any("least CO₂e" in note and "europe-north1" in note for note in out["notes"])  # type: ignore[union-attr]
    code, text, err = run(capsys, "--data", str(hada_dir), "--minimize", "time(sec)", *regions, "--solver", solver)
    assert code == 0, err
    assert " in europe-north1 with nScenarios=" in text.splitlines()[0]
    assert "note: europe-north1 chosen: this answer's time(sec) is the same in" in text

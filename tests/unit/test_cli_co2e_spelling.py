"""Issue 11 item 14 (both CO2e and CO₂e), for the CLI: texts from core (a Not-ranked reason, a run estimate) said
"CO₂e" while the CLI's own headers and lines said "CO2e", in the output of one command. Every human-readable text
says CO₂e; machine keys keep ASCII (JSON keys, benchmark column names such as "CO2e(kg)" that the user types).
When stdout cannot encode "₂" the CLI still prints, with "CO2e" in its place, instead of a UnicodeEncodeError."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import JobRecord, Ledger
from tests.report.test_report_cli import MEASURED

pytestmark = pytest.mark.timeout(300)
# ASCII spellings, except the benchmark column names, which are machine keys the user types (--minimize 'CO2e(kg)')
WRONG = re.compile(r"CO2e(?!\(kg\)|Rate\(kg/s\))|CO2eq", re.IGNORECASE)
RANK = ["rank", "--machine", "n1-standard-8", "--hours", "2", "--from", "48.85, 2.35"]
JOB = "cg-20261205-090000-aaaa"


def run(capsys: pytest.CaptureFixture[str], *argv: str, codes: tuple[int, ...] = (0,)) -> str:
    """Stdout and stderr of one command (help exits through SystemExit, as from the shell)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_info:
        code = exit_info.code if isinstance(exit_info.code, int) else 1
    out, err = capsys.readouterr()
    assert code in codes, f"{argv}: {out}{err}"
    return out + err


def toy_benchmarks(folder: Path) -> Path:
    """A made-up HADA benchmark of one hardware: layers -> run time and energy."""
    folder.mkdir()
    description = {"name": "toy", "HW_ID": "gpu", "HW_price": None,
                   "hyperparams": [{"ID": "layers", "description": None, "type": "int", "LB": 1, "UB": 8}],
                   "targets": [{"ID": "time(sec)"}, {"ID": "totEnergy(kW)"}]}  # fmt: skip
    (folder / "toy_gpu.json").write_text(json.dumps(description))
    rows = "".join(f"{layers},{layers * 20 + repeat},{layers * 0.002 + repeat * 0.0001}\n"
                   for layers in range(1, 9) for repeat in range(2))  # fmt: skip
    (folder / "toy_gpu.csv").write_text("layers,time(sec),totEnergy(kW)\n" + rows)
    return folder


@pytest.fixture
def finished_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A succeeded job with an estimate and codecarbon's figures, in a real ledger file in tmp."""
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    ledger = Ledger()
    ledger.add_job(JobRecord(id=JOB, target="vertex", project="p", region="europe-west3", display_name="train",
                             machine_type="n1-standard-8", script_path="/home/me/train.py", state="queued",
                             estimate_kwh=0.3, estimate_kg=0.1, estimate_usd=1.0))  # fmt: skip
    ledger.set_state(JOB, "running")
    ledger.set_state(JOB, "succeeded")
    ledger.set_measured(JOB, json.dumps(MEASURED))
    return JOB


def test_every_command_spells_co2e_one_way(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           finished_job: str) -> None:  # fmt: skip
    script = tmp_path / "train.py"
    script.write_text("print('training')\n")
    benchmarks = str(toy_benchmarks(tmp_path / "bench"))
    commands = {
        "rank": [*RANK, "--max-emissions", "0.0001"],  # every region over the limit: core's reasons are shown
        "cleanest": ["cleanest"],
        "plan": ["plan", "--machine", "n1-standard-8", "--hours", "2", "--deadline", "12h", "--region",
                 "europe-west3", "--region", "europe-north1", "--embodied"],
        "compare-hardware": ["compare-hardware", "--machine", "n1-standard-8", "--accelerator", "nvidia-tesla-t4:1",
                             "--hours", "10", "--region", "europe-west3"],
        "dimension": ["dimension", "--data", benchmarks, "--minimize", "CO2e(kg)", "--constraint", "time(sec)<=300",
                      "--region", "europe-west3"],
        "jobs": ["jobs"],
        "report": ["report", finished_job],
        "launch": ["launch", "--dry-run", "--script", str(script), "--project", "my-proj", "--region",
                   "europe-west1", "--machine", "n1-standard-8", "--hours", "1"],
    }  # fmt: skip
    outputs = {
        what: run(capsys, *argv, codes=(0, 2) if what == "launch" else (0,))  # launch: no Google Cloud credentials
        for what, argv in commands.items()  # here, so the dry run lists that problem and exits 2
    }
    for command in commands:
        outputs[f"{command} --help"] = run(capsys, command, "--help")
    outputs["--help"] = run(capsys, "--help")
    for what, text in outputs.items():
        assert "CO₂e" in text or what.endswith("--help") or what == "dimension", f"{what} names no unit:\n{text}"
        wrong = [line for line in text.splitlines() if WRONG.search(line)]
        assert not wrong, f"{what} prints ASCII CO2e:\n" + "\n".join(wrong)


@pytest.mark.parametrize("command", [RANK, ["rank", *RANK[1:], "--json"], ["compare-hardware", "--help"]])
def test_a_terminal_that_cannot_encode_the_subscript_gets_co2e(command: list[str], tmp_path: Path) -> None:
    """A user's shell with PYTHONIOENCODING=ascii (or an old Python under LANG=C): the CLI prints "CO2e" and escapes
    what else the encoding lacks, rather than ending in a UnicodeEncodeError halfway through its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_GUI_")}
    env.update(PYTHONIOENCODING="ascii", CARBON_GUI_CONFIG_DIR=str(tmp_path / "config"),
               CARBON_GUI_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "carbon_gui", *command], env=env, capture_output=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    out = result.stdout.decode("ascii")  # raises if a byte the terminal cannot show got through
    assert "CO2e" in out
    if "--json" in command:
        assert json.loads(out)["ranked"], out[:500]  # what the encoding lacks is a JSON escape, still valid JSON

"""Phase 1 on this machine, for real: the CLI launches the generated runner through the job service (the same
local runner as `launch --local`), each run is a child process under real codecarbon (offline), and the rows land
in a dataset the HADA loader reads. Resume after a kill, cancel, failing runs."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.cloud.local import OUTPUT_DIR, local_jobs_root
from carbon_gui.core import benchmark_grid as bg
from carbon_gui.jobs.benchmark import PROGRESS_FILE, Benchmark, BenchmarkRequest, Hardware, PlatformProgress
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.sources.reference import ReferenceData
from tests.benchmark_runner.conftest import cli, dataset_rows, write_script
from tests.local_run.conftest import wait_until

REGION = "europe-west4"  # its grid is the Netherlands' (codecarbon: NLD)


def local_args(script: Path, out: Path, *extra: str) -> list[str]:
    return ["benchmark", "--script", str(script), "--grid", "n=1..3", "--local", "--region", REGION,
            "--out", str(out), *extra]  # fmt: skip


def only_csv(out: Path) -> Path:
    [path] = out.glob("*.csv")
    return path


def test_a_local_benchmark_measures_every_run_into_a_dataset_the_loader_reads(solver: Path, tmp_path, capsys) -> None:
    out = tmp_path / "dataset"
    assert cli([*local_args(solver, out, "--repeat", "2", "--name", "toy_solver"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    [platform] = result["platforms"]
    assert platform["state"] == "succeeded" and platform["collected"] == 6 and platform["failed"] == 0

    path = only_csv(out)
    assert path.name == f"toy-solver_{platform['hardware']}.csv"  # '_' only between algorithm and hardware
    rows = dataset_rows(path)
    assert sorted(int(r["n"]) for r in rows) == [1, 1, 2, 2, 3, 3]
    assert list(rows[0]) == bg.dataset_columns(["n"], ["sol(keuro)", "iterations"])
    for row in rows:
        assert float(row["time(sec)"]) >= 0.02 * int(row["n"])  # train() sleeps that long
        assert 0 < float(row["memAvg(MB)"]) <= float(row["memPeak(MB)"]) < 500
        assert float(row["totEnergy(kWh)"]) > 0 and float(row["CO2e(kg)"]) > 0
        assert float(row["iterations"]) == 10 * int(row["n"])
        assert row["run"].startswith(platform["job_id"] + "/")
    assert len({r["run"] for r in rows}) == 6

    loaded = load_benchmarks(out)  # the engine's own loader: the format it expects
    assert loaded.algorithm == "toy-solver" and loaded.hardware == [platform["hardware"]]
    assert {"time(sec)", "CO2e(kg)", "totEnergy(kWh)", "sol(keuro)"} <= set(loaded.target_names)
    spec = json.loads(path.with_suffix(".json").read_text())
    assert spec["hyperparams"] == [{"ID": "n", "description": None, "type": "int", "LB": 1, "UB": 3}]
    capsys.readouterr()
    assert cli(["dimension", "--data", str(out), "--minimize", "CO2e(kg)", "--constraint", "sol(keuro)>=2",
                "--depth", "2", "--json"]) == 0  # fmt: skip
    answer = json.loads(capsys.readouterr().out)  # phase 3 answers from what phase 1 measured
    assert answer["feasible"] and answer["hardware"] == platform["hardware"] and answer["configuration"]["n"] >= 2

    ledger_jobs = Ledger().jobs()  # an ordinary job: the Jobs tab, cancel and cleanup know it
    assert [(j.id, j.state, j.target) for j in ledger_jobs] == [(platform["job_id"], "succeeded", "local")]
    assert cli(["cleanup", platform["job_id"], "--yes"]) == 0
    assert not (local_jobs_root() / platform["job_id"]).exists()


def test_a_second_benchmark_runs_only_what_the_dataset_lacks(solver: Path, tmp_path, capsys) -> None:
    out = tmp_path / "dataset"
    assert cli([*local_args(solver, out), "--json"]) == 0
    first = dataset_rows(only_csv(out))
    capsys.readouterr()

    assert cli([*local_args(solver, out), "--json"]) == 0  # everything recorded: nothing is launched
    [again] = json.loads(capsys.readouterr().out)["platforms"]
    assert again["state"] == "complete" and again["job_id"] is None and len(Ledger().jobs()) == 1

    assert cli([*local_args(solver, out, "--repeat", "2"), "--dry-run", "--json"]) == 0
    [planned] = json.loads(capsys.readouterr().out)["platforms"]
    assert planned["runs"] == 3 and planned["already_recorded"] == 3
    assert cli([*local_args(solver, out, "--repeat", "2"), "--json"]) == 0
    [second] = json.loads(capsys.readouterr().out)["platforms"]
    assert second["total"] == 3 and second["collected"] == 3
    rows = dataset_rows(only_csv(out))
    assert rows[:3] == first  # kept as they were
    assert sorted(int(r["n"]) for r in rows) == [1, 1, 2, 2, 3, 3]


def test_resume_after_the_app_and_the_run_were_killed_keeps_the_completed_runs(solver: Path, tmp_path) -> None:
    out = tmp_path / "dataset"
    slow = write_script(tmp_path, "import time\n\ndef train(n):\n    time.sleep(0.5)\n    return {'q': n}\n", "slow.py")
    args = [*local_args(slow, out, "--repeat", "3")]
    app = subprocess.Popen([sys.executable, "-m", "carbon_gui", *args], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=os.environ.copy())  # fmt: skip
    try:
        wait_until(lambda: len(Ledger().jobs()) == 1 and _progress(Ledger().jobs()[0].id).get("done", 0) >= 2,
                   "two runs recorded")  # fmt: skip
        [job] = Ledger().jobs()
        app.kill()  # the app dies without a word ...
        app.wait()
        os.killpg(job.pid, signal.SIGKILL)  # ... and so does the run (it leads its own process group)
    finally:
        if app.poll() is None:
            app.kill()
    recorded = dataset_rows(local_jobs_root() / job.id / OUTPUT_DIR / "benchmark.csv")
    assert 2 <= len(recorded) < 9

    assert cli(args) == 0  # collects the killed job's rows, then runs only the rest
    rows = dataset_rows(only_csv(out))
    assert sorted(int(r["n"]) for r in rows) == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    from_killed = [r for r in rows if r["run"].startswith(job.id + "/")]
    assert [r["time(sec)"] for r in from_killed] == [r["time(sec)"] for r in recorded]  # kept, not run again
    states = {j.id: j.state for j in Ledger().jobs()}
    assert states.pop(job.id) == "failed" and list(states.values()) == ["succeeded"]


def _progress(job_id: str) -> dict:
    try:
        return json.loads((local_jobs_root() / job_id / OUTPUT_DIR / PROGRESS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def test_cancel_stops_the_job_and_keeps_the_runs_done_so_far(tmp_path, reference: ReferenceData) -> None:
    slow = write_script(tmp_path, "import time\n\ndef train(n):\n    time.sleep(0.4)\n", "slow.py")
    request = BenchmarkRequest(
        slow, bg.make_grid([bg.parse_axis("n=1..5")], 2), 2, (Hardware("local", REGION),), tmp_path / "out", "slow"
    )
    benchmark = Benchmark(JobService(lambda: reference, Ledger()), request)
    cancel = threading.Event()
    seen: list[tuple[str, int, int]] = []

    def progress(entries: list[PlatformProgress]) -> None:  # what a Qt worker would emit to the progress bar
        seen.append((entries[0].state, entries[0].done, entries[0].total))
        if entries[0].done >= 2:
            cancel.set()

    started = time.monotonic()
    [entry] = benchmark.run(progress, cancel, poll_s=0.2)
    assert time.monotonic() - started < 60
    assert entry.state == "cancelled" and entry.ended and 2 <= entry.collected < 10
    assert seen[0][2] == 10 and any(done >= 2 for _, done, _ in seen)
    assert len(dataset_rows(only_csv(tmp_path / "out"))) == entry.collected
    assert Ledger().job(entry.job_id).state == "cancelled"

    [rest] = benchmark.run(lambda entries: None, threading.Event(), poll_s=0.2)  # resume
    assert rest.total == 10 - entry.collected and rest.state == "succeeded"
    assert sorted(int(r["n"]) for r in dataset_rows(only_csv(tmp_path / "out"))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_a_failing_run_is_said_and_not_recorded_while_the_others_are(tmp_path, capsys) -> None:
    flaky = write_script(tmp_path, """
def train(n):
    if n == 2:
        raise MemoryError("too big for this machine")
    if n == 3:
        return {"acc": "high"}
    return {"acc": 0.5 + n / 10}
""", "flaky.py")  # fmt: skip
    out = tmp_path / "dataset"
    assert cli([*local_args(flaky, out), "--json"]) == 0
    [platform] = json.loads(capsys.readouterr().out)["platforms"]
    assert platform["state"] == "succeeded" and platform["failed"] == 2 and platform["collected"] == 1
    assert [(r["n"], r["acc"]) for r in dataset_rows(only_csv(out))] == [("1", "0.6")]
    log = (local_jobs_root() / platform["job_id"] / "run.log").read_text()
    assert "MemoryError: too big for this machine" in log and "run {'n': 2} failed" in log
    assert "metric 'acc' is 'high', not a finite number: ignored" in log
    assert "run [3]: train() returned no acc" in log  # every run returns the same metrics, or is not recorded


@pytest.mark.parametrize("text", ["def train(n):\n    raise SystemExit(3)\n", "def train(n):\n    return 42\n"])
def test_a_benchmark_where_every_run_fails_fails_its_job(text: str, tmp_path, capsys) -> None:
    broken = write_script(tmp_path, text, "broken.py")
    assert cli([*local_args(broken, tmp_path / "dataset"), "--json"]) == 1
    [platform] = json.loads(capsys.readouterr().out)["platforms"]
    assert platform["state"] == "failed" and platform["collected"] == 0 and platform["failed"] == 3
    assert not list((tmp_path / "dataset").glob("*.csv"))


@pytest.mark.timeout(90)  # before the fix the follow loop retried the collection for ever
def test_rows_that_cannot_be_collected_end_the_benchmark_with_the_reason(solver: Path, tmp_path, reference) -> None:
    request = BenchmarkRequest(
        solver, bg.make_grid([bg.parse_axis("n=1,2")], 1), 1, (Hardware("local", REGION),), tmp_path / "out", "toy"
    )
    benchmark = Benchmark(JobService(lambda: reference, Ledger()), request)
    [plan] = benchmark.plan()
    other = tmp_path / "out" / f"{plan.stem}.csv"

    def progress(entries: list[PlatformProgress]) -> None:
        if not other.exists():  # meanwhile, another tool wrote a dataset with other metrics in its place
            other.write_text(",".join(bg.dataset_columns(["n"], ["accuracy"])) + "\n", encoding="utf-8")

    [entry] = benchmark.run(progress, threading.Event(), poll_s=0.1)
    assert entry.ended and entry.state == "succeeded" and entry.collected == 0
    assert entry.note is not None and "collect into another folder" in entry.note
    assert entry.job_id in json.loads((tmp_path / "out" / ".benchmark" / "jobs.json").read_text())  # kept for later


def test_ctrl_c_cancels_the_benchmark_and_keeps_its_completed_runs(tmp_path) -> None:
    out = tmp_path / "dataset"
    slow = write_script(tmp_path, "import time\n\ndef train(n):\n    time.sleep(0.5)\n", "slow.py")
    # A test run started in the background (nohup, a CI runner) may inherit SIGINT ignored, and Python keeps it
    # ignored; a user's terminal does not, so the app under test gets the default disposition back.
    app = subprocess.Popen([sys.executable, "-m", "carbon_gui", *local_args(slow, out, "--repeat", "5")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    try:
        wait_until(lambda: len(Ledger().jobs()) == 1 and _progress(Ledger().jobs()[0].id).get("done", 0) >= 1,
                   "a run recorded")  # fmt: skip
        app.send_signal(signal.SIGINT)  # what Ctrl+C sends the app (the run leads its own process group)
        stdout, stderr = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 1 and "cancelling: the runs completed so far are kept" in stderr
    assert "Traceback" not in stderr
    [job] = Ledger().jobs()
    assert job.state == "cancelled"
    rows = dataset_rows(only_csv(out))
    assert 1 <= len(rows) < 15 and f"cancelled, {len(rows)} rows added" in stdout

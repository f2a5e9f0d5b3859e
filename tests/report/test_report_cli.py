"""`carbon-gui report ID` through carbon_gui.cli.main, on jobs written to a real ledger file in tmp with the ledger's
own API. The figures are checked against time_planning.account_window for the same inputs, not against numbers."""

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.core.accounting import Utilisation
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.jobs.local_power import detect_local_cpu, local_power
from carbon_gui.planning import PlanRequest
from carbon_gui.sources.places import default_location
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import load_hourly_history
from carbon_gui.time_planning import HourlyIntensity, account_window, plan_when

pytestmark = pytest.mark.timeout(300)
JOB = "cg-20261205-090000-aaaa"
LOCAL_JOB = "cg-20261205-090000-cccc"
REGION = "europe-west3"  # Germany: the bundled hourly data covers it, so the hours differ
MEASURED = {
    "duration_s": 10800.0, "energy_kwh": 0.2, "emissions_kg": 0.07, "country_iso": "DEU", "country_name": "Germany",
    "cpu_power_w": 40.0, "gpu_power_w": 0.0, "ram_power_w": 10.0, "cpu_model": "Xeon", "gpu_count": 0,
    "gpu_model": "", "codecarbon_version": "2.8.0", "cpu_mode": "cpu_load",
}  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    return Ledger()


def _finished(ledger: Ledger, job_id: str, target: str = "vertex", ran_h: float = 3.0, waited_h: float = 2.0) -> None:
    """A job launched `waited_h + ran_h` hours ago that started after `waited_h` and has just succeeded."""
    now = datetime.now(UTC)
    started = now - timedelta(hours=ran_h)
    ledger.add_job(JobRecord(
        id=job_id, target=target, project="p" if target == "vertex" else None, region=REGION, display_name="train",  # type: ignore[arg-type]
        machine_type="n1-standard-8", script_path="/home/me/train.py", state="queued",
        created_at=started - timedelta(hours=waited_h), updated_at=started - timedelta(hours=waited_h),
    ))  # fmt: skip
    ledger.set_state(job_id, "running")
    with __import__("sqlite3").connect(ledger.path) as db:  # the run began `ran_h` ago, not just now
        db.execute("UPDATE job_states SET at = ? WHERE job_id = ? AND state = 'running'", (started.isoformat(), job_id))
    ledger.set_state(job_id, "succeeded")
    ledger.set_measured(job_id, json.dumps(MEASURED))


def _report(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _expected(reference: ReferenceData, job: JobRecord, run_start: datetime, hours: float):  # type: ignore[no-untyped-def]
    """The same inputs the report uses: the plan at the job's launch over a day, its region and the top yearly one,
    with the job's region's hours taken straight from the bundled data (the run has ended)."""
    history = load_hourly_history()
    request = PlanRequest("n1-standard-8", hours, default_location())
    plan = plan_when(reference, request, job.created_at + timedelta(hours=24), parse_weights("carbon=1"),
                     Constraints(), job.created_at, (REGION, "northamerica-northeast1"), None, history)  # fmt: skip
    [where] = [w for w in plan.regions if w.facts.region.name == REGION]
    first = history.hour_of(plan.grid_start.replace(year=2024))  # the replay: same date and hour of 2024
    recorded = history.series(where.facts.region.grid_zone)[first : first + len(where.series.expected)]
    where = dataclasses.replace(where, series=HourlyIntensity(recorded, recorded, recorded, "recorded"))
    start_h = int((run_start - plan.grid_start).total_seconds() // 3600)
    assert where.now is not None
    window = dataclasses.replace(where.now, start_h=start_h)  # account_window reads only the start hour
    return plan, where, account_window(plan, where, window)


def test_json_report_matches_account_window_and_has_alternatives_and_measurement(
    ledger: Ledger, reference: ReferenceData, capsys: pytest.CaptureFixture[str]
) -> None:
    _finished(ledger, JOB)
    code, out, err = _report(capsys, JOB, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    job = ledger.job(JOB)
    assert job is not None
    run_start = ledger.history(JOB)[1].at
    assert report["hours"] == pytest.approx(3.0, abs=1 / 60)
    plan, where, expected = _expected(reference, job, run_start, report["hours"])
    assert report["emissions_kgco2e"] == pytest.approx(expected.operational_kg, rel=1e-9)
    assert report["low"] == pytest.approx(expected.operational_low_kg, rel=1e-9)
    assert [h["intensity_gco2_kwh"] for h in report["hourly"]] == pytest.approx([r.intensity for r in expected.rows])
    assert len({round(h["intensity_gco2_kwh"], 3) for h in report["hourly"]}) > 1  # hourly data, not a flat figure
    assert "observed, not forecast" in report["intensity_source"]
    whats = {a["what"]: a for a in report["alternatives"]}
    # ", its best start there" is added when the best start was at once (then not listed a second time)
    [now_same] = [a for what, a in whats.items() if what.startswith("starting at the decision time in the same region")]
    assert now_same["emissions_kgco2e"] == pytest.approx(account_window(plan, where, where.now).operational_kg)
    top = whats["starting at the decision time in the region ranked first on yearly data"]
    assert top["region"] == plan.top_yearly.facts.region.name  # type: ignore[union-attr]
    assert report["measured"]["emissions_kg"] == MEASURED["emissions_kg"]
    methods = report["methods"]
    for part in (REGION, "kWh", "kg CO₂e", "codecarbon 2.8.0 measured", "Had it started", "observed"):
        assert part in methods


def test_csv_is_the_hourly_accounting_and_text_ends_with_the_methods(
    ledger: Ledger, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _finished(ledger, JOB)
    report = json.loads(_report(capsys, JOB, "--format", "json")[1])
    code, out, _ = _report(capsys, JOB, "--format", "csv", "--output", str(tmp_path / "hours.csv"))
    assert code == 0 and out.strip() == str(tmp_path / "hours.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "hours.csv").read_text())))
    assert len(rows) == len(report["hourly"]) == 3
    assert sum(float(r["emissions_kgco2e"]) for r in rows) == pytest.approx(report["emissions_kgco2e"])
    code, out, _ = _report(capsys, JOB)
    assert code == 0 and out.strip().endswith(report["methods"])


def test_png_is_a_real_image_of_the_run(
    ledger: Ledger, capsys: pytest.CaptureFixture[str], tmp_path: Path, artifacts_dir: Path
) -> None:
    from PySide6.QtGui import QImage

    _finished(ledger, JOB)
    path = tmp_path / "report.png"
    code, _, err = _report(capsys, JOB, "--format", "png", "--output", str(path))
    assert code == 0, err
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == (1200, 640)
    colours = {image.pixel(x, y) for x in range(0, 1200, 7) for y in range(0, 640, 7)}
    assert len(colours) > 20  # curves, band, shaded run, text: not a blank page
    image.save(str(artifacts_dir / "job_report.png"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cg-20991231-000000-ffff"], "No job cg-20991231-000000-ffff in the ledger"),
        (["not-a-job"], "is not a carbon-gui job id"),
        ([JOB, "--format", "png", "--output", "/nonexistent-folder/r.png"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    ledger: Ledger, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _finished(ledger, JOB)
    try:
        code = main(["report", *argv])
    except SystemExit as exit_info:  # argparse's checks exit; the command's return 2
        code = exit_info.code  # type: ignore[assignment]
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


def test_a_local_run_is_estimated_from_this_machines_cpu(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    _finished(ledger, LOCAL_JOB, target="local", ran_h=1.0, waited_h=0.5)
    code, out, err = _report(capsys, LOCAL_JOB, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    cpu = detect_local_cpu()
    assert cpu is not None
    power = local_power(cpu, Utilisation())
    assert report["power_watts"]["expected"] == pytest.approx(power.watts)
    assert report["local_cpu"]["model"] == cpu.model
    # no data-centre PUE on this machine: energy is power x time
    assert report["energy_kwh"] == pytest.approx(power.watts * report["hours"] / 1000, rel=1e-6)
    assert "this machine's CPU" in report["methods"] and report["measured"]["energy_kwh"] == MEASURED["energy_kwh"]


def test_a_scheduled_job_is_reported_on_the_forecast_at_its_start(
    ledger: Ledger, reference: ReferenceData, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n", encoding="utf-8")
    start = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    launch = ["launch", "--local", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8",
              "--hours", "2", "--at", start.isoformat()]  # fmt: skip
    assert main(launch) == 0
    capsys.readouterr()
    [job] = ledger.jobs()
    code, out, err = _report(capsys, job.id, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["hours"] == 2.0 and "has not run" in report["hours_basis"]
    assert "own forecast" in report["intensity_source"]  # the hours are ahead: what the plan expects
    request = PlanRequest("n1-standard-8", 2.0, default_location())
    plan = plan_when(reference, request, job.created_at + timedelta(hours=24), parse_weights("carbon=1"),
                     Constraints(), job.created_at, (REGION, "northamerica-northeast1"), None,
                     load_hourly_history())  # fmt: skip
    [where] = [w for w in plan.regions if w.facts.region.name == REGION]
    cpu = detect_local_cpu()
    assert where.now is not None and cpu is not None
    here = dataclasses.replace(where, facts=dataclasses.replace(where.facts, region=dataclasses.replace(
        where.facts.region, pue=1.0)))  # a local run: this machine's power, no data-centre PUE  # fmt: skip
    window = dataclasses.replace(where.now, start_h=int((start - plan.grid_start).total_seconds() // 3600))
    expected = account_window(dataclasses.replace(plan, power=local_power(cpu, Utilisation())), here, window)
    assert report["emissions_kgco2e"] == pytest.approx(expected.operational_kg, rel=1e-9)
    assert report["high"] == pytest.approx(expected.operational_high_kg, rel=1e-9)


def test_a_running_local_run_is_reported_as_it_ran_so_far_not_on_a_made_up_length(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """An immediate local run records no planned length: the report used to say it would run 1 h 'given at launch'."""
    _finished(ledger, LOCAL_JOB, target="local", ran_h=2.5, waited_h=0.0)
    with __import__("sqlite3").connect(ledger.path) as db:  # still running: undo the end _finished recorded
        db.execute("DELETE FROM job_states WHERE job_id = ? AND state = 'succeeded'", (LOCAL_JOB,))
        db.execute("UPDATE jobs SET state = 'running', ended_at = NULL, measured = NULL WHERE id = ?", (LOCAL_JOB,))
    code, out, err = _report(capsys, LOCAL_JOB, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["hours"] == pytest.approx(2.5, abs=2 / 60)
    assert "so far" in report["hours_basis"] and "given at launch" not in report["hours_basis"]

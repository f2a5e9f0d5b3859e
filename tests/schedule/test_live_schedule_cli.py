"""`carbon-gui launch --at best --live` and `carbon-gui report ID --live` through carbon_gui.cli.main, against the
local fake Electricity Maps server on 127.0.0.1 (the one `plan --live` is tested with) and a real ledger in tmp."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.jobs.schedule import Schedule
from carbon_gui.sources.reference import load_reference
from tests.integration.fake_providers import FakeElectricityMaps

pytestmark = [pytest.mark.usefixtures("data_dir"), pytest.mark.timeout(180)]
REGION = "europe-west1"


@pytest.fixture
def em(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeElectricityMaps]:
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    for name in ("CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARBON_GUI_ELECTRICITYMAPS_URL", server.api_url)
    monkeypatch.setenv("CARBON_GUI_ELECTRICITYMAPS_TOKEN", server.token)
    monkeypatch.setenv("CARBON_GUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CARBON_GUI_CONFIG_DIR", str(tmp_path / "config"))
    yield server
    server.stop()


def _launch(script: Path, *extra: str, region: str = REGION) -> list[str]:
    return ["launch", "--local", "--script", str(script), "--region", region, "--machine", "n1-standard-8", *extra]


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_info:  # argparse's own checks exit; the command's return 2
        return int(exit_info.code or 0)


def test_at_best_live_plans_on_the_provider_forecast_and_says_so(
    script: Path, em: FakeElectricityMaps, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(_launch(script, "--hours", "3", "--at", "best", "--deadline", "20h", "--live"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert em.count("carbon-intensity/forecast") > 0
    [job] = Ledger().jobs()
    assert job.state == "scheduled" and job.launch_json is not None
    how = Schedule.from_json(job.launch_json)
    assert how.at_best and how.source.startswith("provider forecast (Electricity Maps)"), how.source
    assert "provider forecast (Electricity Maps)" in out  # the user sees what the start was chosen on
    assert em.token not in out + err


def test_at_best_without_live_says_it_planned_on_the_bundled_data(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(_launch(script, "--hours", "2", "--at", "best", "--deadline", "20h", region="europe-west3"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "the best start planned on own forecast" in out and "bundled Electricity Maps data" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--at", "best", "--live"), "CARBON_GUI_ELECTRICITYMAPS_TOKEN"),  # no key in the environment
        (("--live",), "--live goes with --at best"),
    ],
)
def test_live_without_a_key_or_without_at_best_exits_2_with_one_line(
    script: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...],
    message: str,
) -> None:  # fmt: skip
    for name in ("CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    code = _exit_code(_launch(script, "--hours", "2", *extra))
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert Ledger().jobs() == []


def _ended_job(ran_h: float) -> str:
    """A Vertex AI job that ran `ran_h` hours and ended a few minutes ago (inside the live history's day)."""
    ledger = Ledger()
    job_id = "cg-20261205-090000-eeee"
    end = datetime.now(UTC) - timedelta(minutes=5)
    started = end - timedelta(hours=ran_h)
    ledger.add_job(JobRecord(
        id=job_id, target="vertex", project="p", region=REGION, display_name="train", machine_type="n1-standard-8",
        script_path="/home/me/train.py", state="queued", created_at=started, updated_at=started,
    ))  # fmt: skip
    ledger.set_state(job_id, "running")
    with __import__("sqlite3").connect(ledger.path) as db:  # the run began `ran_h` ago, not just now
        db.execute("UPDATE job_states SET at = ? WHERE job_id = ? AND state = 'running'", (started.isoformat(), job_id))
    ledger.set_state(job_id, "succeeded")
    return job_id


def test_report_live_accounts_an_ended_run_on_the_live_history_of_its_hours(
    em: FakeElectricityMaps, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = _ended_job(3.0)
    assert main(["report", job_id, "--format", "json", "--live"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert em.count("carbon-intensity/history") > 0
    assert "Electricity Maps history" in report["intensity_source"], report["intensity_source"]
    assert "observed" in report["intensity_source"]
    assert "Electricity Maps history" in report["methods"]
    # the hours are the live history's values for those hours, not the bundled 2024 ones
    offline = main(["report", job_id, "--format", "json"])
    assert offline == 0
    bundled = json.loads(capsys.readouterr().out)
    assert [h["intensity_gco2_kwh"] for h in report["hourly"]] != [h["intensity_gco2_kwh"] for h in bundled["hourly"]]

    assert main(["report", job_id, "--live"]) == 0
    text = capsys.readouterr().out
    assert "Hourly data: " in text and "Electricity Maps history" in text


def test_report_live_without_a_key_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    job_id = _ended_job(2.0)
    code = _exit_code(["report", job_id, "--live"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "report" in err and "Traceback" not in err


def _missed_job(script: Path) -> str:
    """A job scheduled in REGION whose start passed two hours ago (as if nothing had run since)."""
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    assert main(_launch(script, "--hours", "2", "--at", soon)) == 0
    ledger = Ledger()
    [job] = ledger.jobs()
    assert job.launch_json is not None
    assert ledger.reschedule(job.id, datetime.now(UTC) - timedelta(hours=2), job.launch_json)
    return job.id


def test_replanning_a_missed_start_live_plans_on_the_provider_forecast_and_says_so(
    script: Path, em: FakeElectricityMaps, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = _missed_job(script)
    capsys.readouterr()
    code = _exit_code(["launch-scheduled", "--missed", "replan", "--live"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert em.count("carbon-intensity/forecast") > 0
    job = Ledger().job(job_id)
    assert job is not None and job.state == "scheduled" and job.launch_json is not None
    source = Schedule.from_json(job.launch_json).source
    assert source.startswith("provider forecast (Electricity Maps)"), source
    assert "provider forecast (Electricity Maps)" in out, out
    assert em.token not in out + err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--missed", "replan", "--live"), "CARBON_GUI_ELECTRICITYMAPS_TOKEN"),  # no key in the environment
        (("--live",), "--live goes with --missed replan"),
        (("--missed", "launch", "--live"), "--live goes with --missed replan"),
        (("--missed", "replan", "--provider", "electricitymaps"), "--provider goes with --live"),
    ],
)
def test_launch_scheduled_live_misuse_exits_2_with_one_line_and_changes_nothing(
    script: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...],
    message: str,
) -> None:  # fmt: skip
    for name in ("CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    job_id = _missed_job(script)
    before = Ledger().job(job_id)
    capsys.readouterr()
    code = _exit_code(["launch-scheduled", *extra])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert Ledger().job(job_id) == before  # neither launched, re-planned nor dropped


def test_report_live_fetches_the_alternatives_regions_and_labels_each_alternatives_data(
    em: FakeElectricityMaps, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job_id = _ended_job(3.0)
    assert main(["report", job_id, "--format", "json", "--live"]) == 0
    report = json.loads(capsys.readouterr().out)
    others = [a for a in report["alternatives"] if a["region"] != REGION]
    assert others, report["alternatives"]  # the region first on yearly data is compared
    reference = load_reference()
    asked = {r.query["zone"][0] for r in em.requests_to("carbon-intensity/history") if "zone" in r.query}
    for alternative in others:  # its hours are the provider's too, not the bundled data's
        assert reference.catalog.region(alternative["region"]).grid_zone in asked, asked
    for alternative in report["alternatives"]:
        assert "Electricity Maps history" in alternative["source"], alternative
        assert "bundled" not in alternative["source"], alternative

    assert main(["report", job_id, "--live"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for alternative in report["alternatives"]:  # each alternative's line says where its hours come from
        [line] = [x for x in lines if x.startswith(f"  {alternative['what']} ({alternative['region']}")]
        assert f"hourly data: {alternative['source']}" in line, line
        assert "kg CO₂e" in line


def test_report_offline_labels_each_alternatives_data_as_bundled_or_yearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job_id = _ended_job(3.0)
    assert main(["report", job_id, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["alternatives"]
    for alternative in report["alternatives"]:
        assert "bundled" in alternative["source"] or "Google yearly" in alternative["source"], alternative
    assert main(["report", job_id, "--format", "csv", "--output", str(tmp_path / "hours.csv")]) == 0
    header, *rows = (tmp_path / "hours.csv").read_text(encoding="utf-8").splitlines()
    assert header.isascii() and "intensity_source" in header.split(",")  # machine keys stay ASCII
    assert rows and all(report["intensity_source"] in row for row in rows)

"""A local run in the Jobs tab (issue 10 item 3, issue 11 item 13): the Machine column says "this machine", the
estimate comes from this machine's CPU (codecarbon's power table, worked out once off the GUI thread) beside
codecarbon's measurement, and after cleanup the staging directory is marked deleted. A real local run, the real
ledger and the real view."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from carbon_gui.core.accounting import Utilisation
from carbon_gui.core.quantities import energy_text, mass_text
from carbon_gui.jobs.local_power import detect_local_cpu, local_power
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.models.jobs_table_model import COLUMNS
from tests.jobs.conftest import REGION
from tests.ui_jobs.conftest import WAIT_MS, launch, row_state

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("local_env")]

QUICK = """
def train():
    print("done", flush=True)
"""


def _cell(view: JobsView, job_id: str, header: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str:
    row = view.model.row_of(job_id)
    column = next(i for i, c in enumerate(COLUMNS) if c.header.startswith(header))
    assert row is not None
    return str(view.model.data(view.model.index(row, column), role))


def _ended_local_run(qtbot, view: JobsView, service: JobService, tmp_path: Path) -> str:
    script = tmp_path / "quick.py"
    script.write_text(QUICK)
    record = launch(service, LaunchRequest("local", REGION, script, "n1-standard-8", 1.0))
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "succeeded", timeout=WAIT_MS)
    view.select(record.id)
    return record.id


def test_a_local_run_shows_this_machine_and_its_estimate_beside_codecarbons_measurement(
    qtbot, view: JobsView, service: JobService, reference: ReferenceData, tmp_path: Path
) -> None:
    job_id = _ended_local_run(qtbot, view, service, tmp_path)
    cpu = detect_local_cpu()
    assert cpu is not None  # codecarbon knows every x86 CPU at least by its default per-thread power
    assert _cell(view, job_id, "Machine") == "this machine"  # not the cloud machine type named at launch
    qtbot.waitUntil(lambda: "(estimate)" in _cell(view, job_id, "Energy"), timeout=WAIT_MS)  # the CPU arrived
    assert cpu.model in _cell(view, job_id, "Machine", Qt.ItemDataRole.ToolTipRole)

    snapshot = view.model.find(job_id)
    assert snapshot is not None
    elapsed = snapshot.elapsed_seconds(datetime.now(UTC))
    assert elapsed is not None
    yearly = reference.catalog.carbon(REGION, reference.catalog.latest_carbon_year)
    assert yearly is not None and yearly.intensity_gco2_kwh is not None
    kwh = local_power(cpu, Utilisation()).watts * elapsed / 3600 / 1000  # this machine: no data-centre PUE
    kg = kwh * yearly.intensity_gco2_kwh / 1000
    assert _cell(view, job_id, "Energy") == f"≈ {energy_text(kwh)}, {mass_text(kg)} CO₂e (estimate)"

    details = view.details
    qtbot.waitUntil(lambda: "CO₂e (" in details.measured.text(), timeout=WAIT_MS)  # codecarbon's, read after the run
    assert details.estimate.text() == _cell(view, job_id, "Energy")
    assert cpu.model in details.estimate_source.text() and "codecarbon's" in details.estimate_source.text()
    assert "Estimate" in details.estimate_header.text() and "Measured" in details.measured_header.text()
    where_and_what = details.title.text().split("<br>")[1]  # the first line is the job's name
    assert f"this machine ({cpu.model})" in where_and_what and "n1-standard-8" not in where_and_what
    SHOTS.mkdir(exist_ok=True)
    assert view.grab().save(str(SHOTS / "jobs_local_run.png"))  # to be looked at


def test_after_cleanup_the_staging_directory_is_marked_deleted(
    qtbot, view: JobsView, service: JobService, tmp_path: Path
) -> None:
    job_id = _ended_local_run(qtbot, view, service, tmp_path)
    record = service.job(job_id)
    assert record.staging_dir is not None and Path(record.staging_dir).is_dir()
    links = view.details.links
    qtbot.waitUntil(lambda: record.staging_dir in links.text(), timeout=WAIT_MS)
    assert "(deleted)" not in links.text()

    qtbot.waitUntil(view.delete_button.isEnabled, timeout=WAIT_MS)
    view.open_cleanup()
    dialog = view.cleanup_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.delete_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "(deleted)" in links.text(), timeout=WAIT_MS)
    assert record.staging_dir in links.text() and not Path(record.staging_dir).exists()


def test_report_of_a_local_run_puts_this_machines_estimate_beside_codecarbons_measurement(
    qtbot, view: JobsView, service: JobService, tmp_path: Path
) -> None:
    job_id = _ended_local_run(qtbot, view, service, tmp_path)
    qtbot.waitUntil(lambda: "CO₂e (" in view.details.measured.text(), timeout=WAIT_MS)  # codecarbon's figures read
    path = tmp_path / "report.json"
    view.export_report(job_id, path)  # what Report… does with the path the file dialog gives
    qtbot.waitUntil(lambda: view.message.text().startswith("Wrote the report"), timeout=WAIT_MS)
    report = json.loads(path.read_text(encoding="utf-8"))
    cpu = detect_local_cpu()
    assert cpu is not None and report["local_cpu"]["model"] == cpu.model
    power = local_power(cpu, Utilisation())
    assert report["energy_kwh"] == pytest.approx(power.watts * report["hours"] / 1000, rel=1e-6)  # no PUE here
    assert report["measured"] is not None and "codecarbon" in report["methods"]

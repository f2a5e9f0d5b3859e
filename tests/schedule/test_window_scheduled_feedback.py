"""Scheduling in the real main window (pytest-qt): a job scheduled from the launch wizard is said in the status bar
and is in the Jobs tab at once; with live data from the local fake Electricity Maps server (real HTTP on 127.0.0.1)
the wizard's best start and the window's hourly re-plan use the provider's forecast, and say so."""

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.schedule import Schedule
from carbon_gui.jobs.service import JobService
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import ReferenceData
from tests.integration.fake_providers import FakeElectricityMaps
from tests.ui.conftest import make_services, open_window

pytestmark = [pytest.mark.usefixtures("data_dir"), pytest.mark.timeout(240)]
WAIT_MS = 90_000


def _click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not clickable"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _window(qtbot, service: JobService, live: LiveService | None = None):
    services = dataclasses.replace(make_services(), jobs=lambda: service, live=live)
    window = open_window(qtbot, UserSettings(), services)
    qtbot.waitUntil(lambda: window.jobs_controller.view is not None and window.ranking is not None, timeout=WAIT_MS)
    return window


def _schedule_from_the_wizard(qtbot, window, script: Path, region: str):
    """Launch… on `region`, a local run, "Launch at best time…" and "Schedule it": returns the best-time box."""
    window.select_region(region)
    window.jobs_controller.launch_action.trigger()
    wizard = window.jobs_controller.wizard
    qtbot.waitUntil(lambda: wizard.hardware_page.machine.count() > 1, timeout=WAIT_MS)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    wizard.hardware_page.local.click()
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.dry_run.pending, timeout=WAIT_MS)
    box = wizard.review_page.best_time
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(lambda: box.best is not None, timeout=WAIT_MS)
    return box


def test_a_job_scheduled_in_the_wizard_is_said_and_shown_in_the_jobs_tab_at_once(
    qtbot, reference: ReferenceData, script: Path
) -> None:
    service = JobService(lambda: reference, Ledger())
    window = _window(qtbot, service)
    view = window.jobs_controller.view
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    box = _schedule_from_the_wizard(qtbot, window, script, "europe-west4")
    view.monitor.stop()  # no poll from here on: the row must come from the wizard's signal itself
    _click(qtbot, box.confirm_button)
    qtbot.waitUntil(lambda: box.job_id is not None, timeout=WAIT_MS)
    job = service.job(box.job_id)
    assert job.scheduled_for is not None
    wanted = f"Job {job.id} scheduled for {job.scheduled_for:%H:%M} UTC in europe-west4"
    assert any(wanted in text for text in said), said
    assert view.model.find(job.id) is not None and view.model.find(job.id).is_scheduled
    window.close()


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


def test_with_live_data_the_wizard_and_the_hourly_replan_plan_on_the_provider_forecast(
    qtbot, reference: ReferenceData, script: Path, em: FakeElectricityMaps, tmp_path: Path
) -> None:
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(lambda: Credentials(Secret(em.token), None, None), environ=environ,
                       cache_path=tmp_path / "http.sqlite")  # fmt: skip
    service = JobService(lambda: reference, Ledger())
    window = _window(qtbot, service, live)
    qtbot.waitUntil(lambda: window.live is not None and window.live.provider != "replay" and bool(window.live.signals)
                    and not window.live.busy, timeout=30_000)  # fmt: skip

    box = _schedule_from_the_wizard(qtbot, window, script, "europe-west4")
    assert box.best is not None and box.best.source.startswith("provider forecast (Electricity Maps)"), box.best.source
    assert "provider forecast (Electricity Maps)" in box.result.text()
    box.window().reject()

    # a job whose best start was chosen 20 h ahead on older data: the hourly re-plan uses the live forecast
    request = LaunchRequest("local", "europe-west4", script, "n1-standard-8", 1.0)
    plan = service.plan(request)
    now = datetime.now(UTC)
    how = Schedule(request, True, now + timedelta(hours=24), 1.0, "an older plan")
    job = service.schedule(plan, now + timedelta(hours=20), how, now)
    window.jobs_controller.check_schedule()  # what the timer calls every minute
    qtbot.waitUntil(lambda: Schedule.from_json(service.job(job.id).launch_json or "").source != "an older plan",
                    timeout=WAIT_MS)  # fmt: skip
    source = Schedule.from_json(service.job(job.id).launch_json or "").source
    assert source.startswith("provider forecast (Electricity Maps)"), source
    window.close()


def test_with_live_data_report_accounts_an_ended_run_on_the_live_history(
    qtbot, reference: ReferenceData, em: FakeElectricityMaps, tmp_path: Path
) -> None:
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(lambda: Credentials(Secret(em.token), None, None), environ=environ,
                       cache_path=tmp_path / "http.sqlite")  # fmt: skip
    service = JobService(lambda: reference, Ledger())
    window = _window(qtbot, service, live)
    qtbot.waitUntil(lambda: window.live is not None and window.live.provider != "replay" and bool(window.live.signals)
                    and not window.live.busy, timeout=30_000)  # fmt: skip
    ledger = service.ledger
    end = datetime.now(UTC) - timedelta(minutes=5)
    started = end - timedelta(hours=2)
    job_id = "cg-20261205-090000-ffff"
    ledger.add_job(JobRecord(id=job_id, target="vertex", project="p", region="europe-west4", display_name="train",
                             machine_type="n1-standard-8", script_path="/home/me/train.py", state="queued",
                             created_at=started, updated_at=started))  # fmt: skip
    ledger.set_state(job_id, "running")
    with sqlite3.connect(ledger.path) as db:  # the run began two hours ago, not just now
        db.execute("UPDATE job_states SET at = ? WHERE job_id = ? AND state = 'running'", (started.isoformat(), job_id))
    ledger.set_state(job_id, "succeeded")
    path = tmp_path / "report.json"
    window.jobs_controller.view.export_report(job_id, path)  # what Report… does with the path the dialog gives
    qtbot.waitUntil(path.exists, timeout=WAIT_MS)
    source = json.loads(path.read_text(encoding="utf-8"))["intensity_source"]
    assert "Electricity Maps history" in source and "observed" in source, source
    window.close()

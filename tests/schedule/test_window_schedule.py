"""Scheduled jobs in the real main window (pytest-qt): a start that passed while the app was closed is put to the
user (launch now / re-plan / drop), the timer launches a due job and reports a re-plan that moved the start, and
the Jobs tab shows a scheduled job's start, drops it and exports a report. Real ledger in tmp, real local runs."""

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.schedule import Schedule
from carbon_gui.jobs.service import JobService
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.dialogs.missed_start_dialog import DROP, LAUNCH, REPLAN, MissedStartDialog
from tests.conftest import ARTIFACTS
from tests.ui.conftest import make_services, open_window

pytestmark = [pytest.mark.usefixtures("data_dir"), pytest.mark.timeout(240)]
WAIT_MS = 90_000
REGION = "europe-west4"


@pytest.fixture
def service(reference: ReferenceData, data_dir: Path) -> JobService:
    return JobService(lambda: reference, Ledger())


def _schedule(service: JobService, script: Path, start: datetime, at_best: bool = False, planned_kg: float = 1.0):
    """Record a local job as scheduled for `start` (which may be past: as if the app had been closed since)."""
    request = LaunchRequest("local", REGION, script, "n1-standard-8", 1.0)
    plan = service.plan(request)
    assert plan.ready, plan.problems
    deadline = start + timedelta(hours=24) if at_best else None
    return service.schedule(plan, start, Schedule(request, at_best, deadline, planned_kg), now=start)


def _window(qtbot, service: JobService):
    services = dataclasses.replace(make_services(), jobs=lambda: service)
    window = open_window(qtbot, UserSettings(), services)
    qtbot.waitUntil(lambda: window.jobs_controller.view is not None, timeout=WAIT_MS)
    return window


def _state(service: JobService, job_id: str) -> str:
    return service.job(job_id).state


@pytest.mark.parametrize("choice", [LAUNCH, REPLAN, DROP])
def test_a_start_that_passed_while_closed_is_put_to_the_user(qtbot, service, script, choice) -> None:
    job = _schedule(service, script, datetime.now(UTC) - timedelta(hours=3))
    window = _window(qtbot, service)
    said: list[str] = []  # every status message: the job monitor's own may replace ours before we look
    window.statusBar().messageChanged.connect(said.append)
    controller = window.jobs_controller
    qtbot.waitUntil(lambda: controller.missed_dialog is not None and controller.missed_dialog.isVisible(),
                    timeout=WAIT_MS)  # fmt: skip
    dialog = controller.missed_dialog
    assert isinstance(dialog, MissedStartDialog) and job.id in dialog.text()
    dialog.grab().save(str(ARTIFACTS / "missed_start_dialog.png"))
    dialog.buttons_by_choice[choice].click()
    if choice == LAUNCH:
        qtbot.waitUntil(lambda: _state(service, job.id) in ("running", "succeeded"), timeout=WAIT_MS)
    elif choice == DROP:
        qtbot.waitUntil(lambda: _state(service, job.id) == "cancelled", timeout=WAIT_MS)
    else:
        qtbot.waitUntil(lambda: (service.job(job.id).scheduled_for or job.created_at) > datetime.now(UTC)
                        - timedelta(minutes=2), timeout=WAIT_MS)  # fmt: skip
        assert _state(service, job.id) == "scheduled"
        qtbot.waitUntil(lambda: any("now starts" in text for text in said), timeout=WAIT_MS)
    assert controller.missed_dialog is None or not controller.missed_dialog.isVisible()
    window.close()


def test_the_timer_launches_a_due_job_and_says_when_a_replan_moved_a_start(qtbot, service, script) -> None:
    due = _schedule(service, script, datetime.now(UTC))
    # chosen as "best" 20 h ahead, on a grid with a flat yearly figure: a re-plan moves it to the earliest hour
    later = _schedule(service, script, datetime.now(UTC) + timedelta(hours=20), at_best=True, planned_kg=1.0)
    window = _window(qtbot, service)
    said: list[str] = []  # every status message: the job monitor's own may replace ours before we look
    window.statusBar().messageChanged.connect(said.append)
    window.jobs_controller.check_schedule()  # what the timer calls every minute
    qtbot.waitUntil(lambda: _state(service, due.id) in ("running", "succeeded"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any("moved the best start" in text for text in said), timeout=WAIT_MS)
    moved = service.job(later.id)
    assert moved.state == "scheduled" and moved.scheduled_for < later.scheduled_for - timedelta(hours=1)  # type: ignore[operator]
    window.close()


def test_the_jobs_tab_shows_a_scheduled_start_drops_it_and_exports_a_report(
    qtbot, service, script, tmp_path, artifacts_dir
) -> None:
    job = _schedule(service, script, datetime.now(UTC) + timedelta(hours=5))
    window = _window(qtbot, service)
    view = window.jobs_controller.view
    qtbot.waitUntil(lambda: view.model.find(job.id) is not None, timeout=WAIT_MS)
    view.select(job.id)
    row = view.model.row_of(job.id)
    cells = " | ".join(str(view.model.index(row, c).data()) for c in range(view.model.columnCount()))
    assert f"scheduled for {job.scheduled_for:%d %b %H:%M} UTC" in cells, cells
    assert view.cancel_button.isEnabled() and "Drop" in view.cancel_button.text()
    view.grab().save(str(artifacts_dir / "jobs_tab_scheduled.png"))

    png = tmp_path / "scheduled-report.png"
    view.export_report(job.id, png)  # what Report… does with the path the file dialog gives
    qtbot.waitUntil(lambda: png.exists(), timeout=WAIT_MS)
    image = QImage(str(png))
    assert not image.isNull() and image.width() == 1200

    view.confirm_cancel()
    box = view.confirmation
    assert box is not None and "Drop" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: _state(service, job.id) == "cancelled", timeout=WAIT_MS)
    window.close()

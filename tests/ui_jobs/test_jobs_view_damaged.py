"""The Jobs tab on a damaged ledger: damaged rows are listed as such over the table while the other jobs show
as usual, and a ledger file that was set aside is said so, with where it went. Real ledger file, real view."""

import sqlite3
from collections.abc import Iterator

import pytest

from carbon_gui.cloud.ledger import Ledger, default_path
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.jobs.jobs_view import NO_JOBS, JobsView
from carbon_gui.ui.workers import BackgroundTasks
from tests.jobs.test_cli_damaged_ledger import BAD, GOOD, _record
from tests.ui_jobs.conftest import FAST, WAIT_MS

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("local_env")]


@pytest.fixture
def open_view(qtbot, reference: ReferenceData, tasks: BackgroundTasks) -> Iterator:
    views: list[JobsView] = []

    def make() -> JobsView:
        service = JobService(lambda: reference)  # opens the ledger on first use, on the pool, as the window does
        view = JobsView(lambda: service, tasks, FAST)
        qtbot.addWidget(view)
        view.resize(1200, 700)
        view.show()
        view.start()
        views.append(view)
        return view

    yield make
    for view in views:
        view.stop()


def test_a_damaged_row_is_listed_as_damaged_and_the_other_jobs_show_as_usual(qtbot, open_view) -> None:
    ledger = Ledger()
    for record in (_record(GOOD), _record(BAD)):
        ledger.add_job(record)
    with sqlite3.connect(ledger.path) as db:
        db.execute("UPDATE jobs SET created_at = 'yesterday' WHERE id = ?", (BAD,))
    db.close()

    view = open_view()
    qtbot.waitUntil(view.damaged_bar.isVisible, timeout=WAIT_MS)
    text = view.damaged_bar.label.text()
    assert f"damaged: {BAD}: created_at 'yesterday' is not a time with a time zone" in text
    assert "left alone" in text
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
    assert view.model.snapshot(0).id == GOOD and view.model.find(BAD) is None
    view.select(GOOD)
    assert view.details.job_id == GOOD


def test_a_ledger_file_set_aside_is_said_with_where_it_went(qtbot, open_view) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")  # a 0-byte ledger: not "No jobs yet"
    view = open_view()
    qtbot.waitUntil(lambda: ".bad-" in view.message.text(), timeout=WAIT_MS)
    [aside] = path.parent.glob("jobs.sqlite3.bad-*")
    assert str(aside) in view.message.text() and "the file is empty" in view.message.text()
    qtbot.wait(300)  # a few polls later the notice is still there, not replaced by "No jobs yet"
    assert view.message.text() != NO_JOBS and str(aside) in view.message.text()

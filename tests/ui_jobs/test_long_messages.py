"""A job whose error message is megabytes long (a server's answer stored in the ledger) and an error box fed such a
message: the window shows them shortened, so a label or tooltip never has to lay out megabytes of text. Real ledger
file, real Jobs view, real message box."""

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.dialogs.messages import show_error
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.workers import BackgroundTasks
from tests.jobs.test_cli_damaged_ledger import GOOD, _record
from tests.ui_jobs.conftest import FAST, WAIT_MS

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("local_env")]
HUGE = 5_000_000
SHOWN_AT_MOST = 10_000  # characters


@pytest.fixture
def view(qtbot, reference: ReferenceData, tasks: BackgroundTasks) -> Iterator[JobsView]:
    service = JobService(lambda: reference)
    jobs_view = JobsView(lambda: service, tasks, FAST)
    qtbot.addWidget(jobs_view)
    jobs_view.resize(1200, 700)
    jobs_view.show()
    jobs_view.start()
    yield jobs_view
    jobs_view.stop()


def test_a_huge_job_error_is_shown_shortened_in_the_details_and_the_tooltip(qtbot, view: JobsView) -> None:
    Ledger().add_job(_record(GOOD, state="failed", error="The replica failed: " + "x" * HUGE))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
    view.select(GOOD)
    error = view.details.error.text()
    assert error.startswith("Error: The replica failed: xxx") and "more characters" in error
    assert len(error) < SHOWN_AT_MOST
    tooltips = [view.model.data(view.model.index(0, column), Qt.ItemDataRole.ToolTipRole)
                for column in range(view.model.columnCount())]  # fmt: skip
    assert any("The replica failed" in (tip or "") for tip in tooltips)
    assert all(len(tip or "") < SHOWN_AT_MOST for tip in tooltips)


def test_an_error_box_shows_a_huge_message_shortened(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_error(parent, "Vertex AI", "Vertex AI refused the request: " + "y" * HUGE)
    assert box.text().startswith("Vertex AI refused the request: yyy") and "more characters" in box.text()
    assert len(box.text()) < SHOWN_AT_MOST
    box.close()

"""The Jobs table's columns stay put while the clock ticks. Every second (the tick) and every poll the table fitted
its columns to their contents again, so a running job's elapsed time going from '59 min 59 s' to '1 h 00 min'
narrowed its column and moved every column right of it under the user's mouse. Columns now re-fit when rows come or
go, when the view's width changes, or when a cell's text no longer fits its column; a shorter text leaves them as
they are. A real running job on the local Vertex AI server, the view's clock set by the test."""

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.models.jobs_table_model import COLUMNS
from carbon_gui.ui.workers import BackgroundTasks
from tests.ui_jobs.conftest import FAST, WAIT_MS, launch, row_state
from tests.vertex.fake_vertex import FakeVertex

ELAPSED = next(i for i, column in enumerate(COLUMNS) if column.header == "Elapsed")


def _widths(view: JobsView) -> list[int]:
    header = view.table.horizontalHeader()
    return [header.sectionSize(column) for column in range(header.count())]


@pytest.mark.usefixtures("cloud_env")
@pytest.mark.timeout(120)
def test_columns_stay_put_as_the_clock_ticks(
    qtbot, service: JobService, tasks: BackgroundTasks, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    now = [datetime.now(UTC)]
    view = JobsView(lambda: service, tasks, FAST, clock=lambda: now[0])
    qtbot.addWidget(view)
    view.resize(1000, 600)  # the Jobs tab of a 1024 x 640 window
    view.show()
    record = launch(service, vertex_request, fake_vertex, "run")
    view.start()
    try:
        qtbot.waitUntil(lambda: row_state(view, record.id) == "running", timeout=WAIT_MS)
        snapshot = view.model.find(record.id)
        assert snapshot is not None and snapshot.started_at() is not None
        started = snapshot.started_at()
        row = view.model.row_of(record.id)
        elapsed = view.model.index(row, ELAPSED)

        def shown_after(offset: timedelta, text: str) -> list[int]:
            now[0] = started + offset
            qtbot.waitUntil(lambda: elapsed.data() == text, timeout=5000)  # the next tick
            qtbot.wait(1500)  # more ticks and polls, with the clock still
            QApplication.processEvents()
            return _widths(view)

        before = shown_after(timedelta(minutes=59, seconds=59), "59 min 59 s")
        assert view.table.columnWidth(ELAPSED) >= view.table.sizeHintForIndex(elapsed).width()
        assert shown_after(timedelta(minutes=59, seconds=59), "59 min 59 s") == before  # ticks with nothing new
        after = shown_after(timedelta(hours=1), "1 h 00 min")  # a shorter text
        assert after == before, [(c.header, b, a) for c, b, a in zip(COLUMNS, before, after, strict=True) if b != a]

        later = shown_after(timedelta(hours=1, minutes=10), "1 h 10 min")
        assert later[ELAPSED] >= view.table.sizeHintForIndex(elapsed).width()  # a text that still fits its column
        view.resize(1200, 600)  # a new width: the columns fit it again
        qtbot.waitUntil(lambda: sum(_widths(view)) >= view.table.viewport().width(), timeout=5000)
        assert view.table.horizontalHeader().sectionSize(ELAPSED) >= view.table.sizeHintForIndex(elapsed).width()
        assert elapsed.data(Qt.ItemDataRole.DisplayRole) == "1 h 10 min"
    finally:
        view.stop()

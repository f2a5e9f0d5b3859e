"""Issue 11, the Jobs tab at 1024 × 640 with a job service and a few jobs (a finished Vertex AI job with codecarbon's
figures, a local run, a cancelled job): the table showed one row with its columns cut, the energy panel scrolled in a
strip, and the "Why this score" panel took a third of the height. The Jobs tab now has the window's width and height
(the plan and the score panel are the Ranking's), its columns fit with a tooltip giving the whole text of any cell
cut short, and the table, the job's details and energy figures and the buttons are all whole on screen, for each
job. The real window, a real ledger, the storage emulator, the local Vertex AI server and a real local run."""

import dataclasses
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QToolButton, QToolTip, QWidget

from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.settings import UserSettings
from carbon_gui.ui.jobs.fitting_table import fitted_widths
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.main_window import MainWindow
from tests.jobs.conftest import PROJECT, REGION
from tests.jobs.test_vertex_flow import EMISSIONS_CSV
from tests.ui.conftest import make_services, open_window
from tests.ui_jobs.conftest import WAIT_MS, launch, row_state
from tests.vertex.fake_vertex import FakeVertex

pytestmark = [pytest.mark.usefixtures("cloud_env"), pytest.mark.timeout(180)]


def _window_with_jobs(qtbot, service: JobService, vertex_request: LaunchRequest, fake: FakeVertex, script: Path):
    cancelled = launch(service, vertex_request, fake, "run")
    service.cancel(cancelled.id)
    local = launch(service, LaunchRequest("local", REGION, script, "n1-standard-8", 1.0))
    finished = launch(service, vertex_request, fake, "succeed")
    storage.Client(project=PROJECT, credentials=AnonymousCredentials()).bucket(finished.bucket).blob(
        "output/model/emissions.csv"
    ).upload_from_string(EMISSIONS_CSV)
    services = dataclasses.replace(make_services(), jobs=lambda: service)
    window = open_window(qtbot, UserSettings(gcp_project=PROJECT), services)
    qtbot.waitUntil(lambda: window.ranking is not None and window.jobs_controller.view is not None, timeout=WAIT_MS)
    view = window.jobs_controller.view
    qtbot.waitUntil(lambda: row_state(view, local.id) == "succeeded", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: row_state(view, cancelled.id) == "cancelled", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.model.find(finished.id).record.measured is not None, timeout=WAIT_MS)
    return window, {"vertex": finished.id, "local": local.id, "cancelled": cancelled.id}


def _launch_button(window: MainWindow) -> QToolButton:
    """The Jobs tab's own Launch button: the score panel's is hidden with it on this tab."""
    view = window.jobs_controller.view
    (button,) = [b for b in view.findChildren(QToolButton) if b.defaultAction() is window.jobs_controller.launch_action]
    assert button.isEnabled()
    return button


def _wholly_shown(widget: QWidget) -> bool:
    """Shown, not clipped by a scroll area or the window, and not narrower or lower than its text needs."""
    if not widget.isVisible() or widget.visibleRegion().boundingRect() != widget.rect():
        return False
    if isinstance(widget, QLabel) and widget.wordWrap():
        return widget.height() >= widget.heightForWidth(widget.width())
    if isinstance(widget, (QLabel, QAbstractButton)):
        return widget.width() >= widget.sizeHint().width()
    return True


def _check_table(view: JobsView) -> None:
    table, header = view.table, view.table.horizontalHeader()
    assert table.horizontalScrollBar().maximum() == 0, "a column is cut at the right"
    for column in range(header.count()):
        assert header.sectionSize(column) >= header.sectionSizeHint(column), view.model.headerData(
            column, Qt.Orientation.Horizontal
        )
    last = view.model.rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height(), "a job is hidden"
    for row in range(view.model.rowCount()):
        for column in range(header.count()):
            index = view.model.index(row, column)
            if table.is_elided(index):
                assert index.data() in table.cell_tooltip(index), (index.data(), table.cell_tooltip(index))


def _tooltip_at(qtbot, view: JobsView, row: int, column: int) -> str:
    """The tooltip Qt shows when the mouse rests on a cell (the event Qt sends then)."""
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=5000)
    viewport = view.table.viewport()
    point = view.table.visualRect(view.model.index(row, column)).center()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    return QToolTip.text() if QToolTip.isVisible() else ""


@pytest.mark.qt_log_ignore("This plugin does not support raise", extend=True)  # a tooltip shown offscreen
@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_the_jobs_tab_shows_its_table_details_and_buttons_whole(
    qtbot, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex, script: Path,
    artifacts_dir: Path, size: tuple[int, int],
) -> None:  # fmt: skip
    window, jobs = _window_with_jobs(qtbot, service, vertex_request, fake_vertex, script)
    window.resize(*size)
    window.views.setCurrentWidget(window.jobs_controller.tab)
    view = window.jobs_controller.view
    assert window.below.isHidden() and window._plan_panel.isHidden()  # the room goes to the jobs
    details = view.details
    buttons = [view.refresh_button, view.cancel_button, view.delete_button, view.report_button]
    buttons.append(_launch_button(window))
    for name, job_id in jobs.items():
        view.select(job_id)
        qtbot.wait(100)  # the layout settles
        _check_table(view)
        labels = [details.title, details.estimate_header, details.estimate, details.estimate_source,
                  details.measured_header, details.measured, details.measured_source]  # fmt: skip
        for widget in (*labels, *buttons, details.tabs, view.table):
            assert _wholly_shown(widget), (name, widget.objectName() or type(widget).__name__, widget.geometry())
        assert details.estimate.text() and details.measured.text()
        assert window.grab().save(str(artifacts_dir / f"jobs_tab_{name}_{size[0]}x{size[1]}.png"))

    if size == (1024, 640):  # narrow: a long cell is cut short, and resting the mouse on it shows all of it
        row = view.model.row_of(jobs["vertex"])
        elided = [c for c in range(view.model.columnCount()) if view.table.is_elided(view.model.index(row, c))]
        assert elided
        text = view.model.index(row, elided[0]).data()
        assert text in _tooltip_at(qtbot, view, row, elided[0])

    window.views.setCurrentWidget(window.table)
    assert window.below.isVisible() and window._plan_panel.isVisible()  # the Ranking keeps its plan and score panel
    window.close()


def test_the_widest_columns_give_way_first_never_below_their_headers() -> None:
    assert fitted_widths([100, 50, 300], [40, 40, 60], 1000) == [100, 50, 300]  # room for all: as they are
    assert fitted_widths([100, 50, 300], [40, 40, 60], 300) == [100, 50, 150]  # the widest gives way alone
    assert fitted_widths([100, 50, 300], [40, 40, 60], 200) == [75, 50, 75]  # then the next widest with it
    assert fitted_widths([100, 50, 300], [90, 40, 60], 150) == [90, 40, 60]  # headers kept: the table scrolls

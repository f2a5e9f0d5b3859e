"""The When tab's intensity plot shows the region of the table's selected row. With no row selected it showed the
row that was current last (the last one, after a user had looked at it and cleared the selection), while the table
highlighted nothing: now the table always has a row selected (the top one, the best, when the selection is cleared)
and the plot shows that row. The real window, planned on the bundled data."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from carbon_gui.ui.main_window import MainWindow
from carbon_gui.ui.when.when_view import WhenView
from tests.ui_when.test_when_view import _planned


def _selected_rows(view: WhenView) -> list[int]:
    return [index.row() for index in view.table.selectionModel().selectedRows()]


def _check_plot_shows(view: WhenView, row: int) -> None:
    plan = view.plan
    assert plan is not None
    where = plan.regions[row]
    assert _selected_rows(view) == [row]
    assert view.table.item(row, 0).text() == where.facts.region.name
    assert view.window_plot.getPlotItem().titleLabel.text == where.facts.region.name
    np.testing.assert_array_equal(view.window_plot.expected.yData, where.series.expected)


@pytest.mark.timeout(180)
def test_the_plot_shows_the_selected_row_and_the_top_one_when_none_is(window: MainWindow, qtbot) -> None:
    plan = _planned(window, qtbot)
    view = window.when_view
    last = len(plan.regions) - 1
    assert last >= 2
    _check_plot_shows(view, 0)  # a fresh plan: the best region, selected

    view.table.selectRow(last)
    QApplication.processEvents()
    _check_plot_shows(view, last)

    view.table.clearSelection()  # as Ctrl+click on the selected row does
    QApplication.processEvents()
    _check_plot_shows(view, 0)

    view.table.selectRow(last)
    view.table.setCurrentCell(-1, -1)  # no current cell, no selection
    QApplication.processEvents()
    _check_plot_shows(view, 0)

"""The When tab at the smallest supported window (1024 x 640): the heatmap keeps its colour bar (the only scale for
its colours) and its whole title inside the widget. The real window, planned on the bundled data."""

import pytest
from PySide6.QtWidgets import QApplication

from carbon_gui.ui.main_window import MainWindow
from tests.ui_when.test_when_view import _planned


@pytest.mark.timeout(120)
def test_at_1024_by_640_the_heatmap_shows_its_colour_bar_and_whole_title(window: MainWindow, qtbot) -> None:
    window.resize(1024, 640)
    window.views.setCurrentWidget(window.when_view)
    _planned(window, qtbot)
    QApplication.processEvents()
    heatmap = window.when_view.heatmap
    visible = heatmap.mapToScene(heatmap.viewport().rect()).boundingRect()
    bar = window.when_view.heatmap.colour_bar.sceneBoundingRect()
    assert visible.contains(bar), (visible, bar)
    title = heatmap.getPlotItem().titleLabel
    assert title.item.boundingRect().width() <= title.sceneBoundingRect().width() + 1, "the title is cut"
    assert visible.contains(title.sceneBoundingRect())

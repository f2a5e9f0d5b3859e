"""The When tab's heatmap names its regions legibly at the smallest supported window (1024 x 640) and at a large one
(1600 x 1000): the region names drawn on its left axis never overlap (at 1024 x 640 with 29 regions they were drawn
over one another); a name left out for room is still given by the tooltip of its row. The real window, planned on the
bundled data; the pictures go to test-artifacts/."""

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF
from PySide6.QtGui import QFontMetricsF, QHelpEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QToolTip

from carbon_gui.settings import UserSettings
from carbon_gui.ui.main_window import MainWindow
from tests.ui.conftest import open_window
from tests.ui_when.test_when_view import _planned

MACHINE = "n1-standard-8"  # offered in most regions: many rows


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = open_window(qtbot, UserSettings(machine=MACHINE))
    qtbot.waitUntil(lambda: w.ranking is not None, timeout=15000)
    yield w
    w.close()


def _drawn_labels(window: MainWindow) -> list[tuple[float, str]]:
    """(centre y, text) of each region name the heatmap's left axis draws, as pyqtgraph lays them out to paint."""
    axis = window.when_view.heatmap.getPlotItem().getAxis("left")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        text_specs = axis.generateDrawSpecs(painter)[2]
    finally:
        painter.end()
    return sorted((rect.center().y(), text) for rect, _flags, text in text_specs)


@pytest.mark.timeout(180)
@pytest.mark.qt_log_ignore("This plugin does not support raise", extend=True)  # a tooltip shown offscreen
@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_region_names_never_overlap_and_each_row_is_named_in_its_tooltip(
    window: MainWindow, qtbot, artifacts_dir: Path, size: tuple[int, int]
) -> None:
    window.resize(*size)
    plan = _planned(window, qtbot)
    QApplication.processEvents()
    heatmap = window.when_view.heatmap
    window.grab().save(str(artifacts_dir / f"when_tab_{size[0]}x{size[1]}.png"))
    heatmap.grab().save(str(artifacts_dir / f"when_heatmap_{size[0]}x{size[1]}.png"))
    regions = [w.facts.region.name for w in plan.regions]
    assert len(regions) >= 20, regions  # the crowded case

    labels = _drawn_labels(window)
    line = QFontMetricsF(QApplication.font()).height()
    gaps = [b[0] - a[0] for a, b in pairwise(labels)]
    assert labels and min(gaps) >= line - 0.5, (gaps, line)
    assert labels[0][1] == regions[0]  # the best region, starred, is always named
    if size == (1600, 1000):
        assert [text for _, text in labels] == regions  # room for every name: all are shown

    view_box = heatmap.getPlotItem().getViewBox()
    for row in (1, len(regions) - 2):  # a row whose name may be left out: resting the mouse on it names it
        scene_point = view_box.mapViewToScene(QPointF(plan.grid_start.timestamp() + 3 * 3600, row + 0.5))
        assert _tooltip_at(qtbot, heatmap, heatmap.mapFromScene(scene_point)).startswith(f"{regions[row]}, start ")
        assert "kg CO₂e" in QToolTip.text()
    assert _tooltip_at(qtbot, heatmap, QPoint(1, 1)) == ""  # outside the cells: no name


def _tooltip_at(qtbot, widget: QGraphicsView, point: QPoint) -> str:
    """The tooltip Qt shows when the mouse rests at `point` of the widget's viewport (the event Qt sends then)."""
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=5000)  # Qt hides a tooltip after 300 ms
    viewport = widget.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    return QToolTip.text() if QToolTip.isVisible() else ""

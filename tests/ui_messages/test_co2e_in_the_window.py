"""Issue 11 item 14: the window spelled it both "CO2e" and "CO₂e" (and providers' "gCO2eq"). Every human-readable
text the window shows says CO₂e: labels, buttons, tooltips, table cells and headers, text panels and the plots'
titles, axes and legends, on every tab, without a key (the bundled replay) and with one (a local fake Electricity
Maps on 127.0.0.1 that sends one implausible value, so a refused-value note is shown too). Machine keys (JSON keys,
CSV columns, CLI --json) are not window texts and keep their spelling."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from carbon_gui.ui.main_window import MainWindow
from tests.integration.fake_providers import FakeElectricityMaps
from tests.ui.test_live_providers import em_window
from tests.ui.test_live_window import live_window

pytestmark = pytest.mark.timeout(240)
# CO2, CO2e, CO2eq, but not a benchmark's own column name such as CO2e(kg) or CO2eRate(kg/s), which the window shows
# as the user's files spell it, nor a name such as mlco2
WRONG = re.compile(r"CO2(?:eq|e)?(?![A-Za-z(])")
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
MAX_ROWS = 100


def model_texts(model: QAbstractItemModel) -> Iterator[str]:
    root = QModelIndex()
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)  # (private in a list model)
    rows = min(model.rowCount(root), MAX_ROWS)
    for orientation, count in ((Qt.Orientation.Horizontal, columns), (Qt.Orientation.Vertical, rows)):
        for section in range(count):
            for role in ROLES:
                yield str(model.headerData(section, orientation, role) or "")
    for row in range(rows):
        for column in range(columns):
            for role in ROLES:
                yield str(model.index(row, column).data(role) or "")


def plot_texts(plot: pg.GraphicsView) -> Iterator[str]:
    """Every plot's title and axes, every label, text item and tooltip of a PlotWidget or a GraphicsLayoutWidget."""
    for scene_item in plot.scene().items():
        if isinstance(scene_item, pg.PlotItem):
            yield scene_item.titleLabel.text
        if isinstance(scene_item, pg.AxisItem):
            yield f"{scene_item.labelText} {scene_item.labelUnits}"
            for level in scene_item._tickLevels or ():
                yield from (str(text) for _position, text in level)
        if isinstance(scene_item, pg.LabelItem):
            yield scene_item.text
        if isinstance(scene_item, pg.TextItem):
            yield scene_item.textItem.toPlainText()
        yield scene_item.toolTip()


def window_texts(window: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text of the window and its pages, hidden pages and open dialogs included."""
    yield "title", window.windowTitle()
    for widget in window.findChildren(QWidget):
        if widget.isWindow():
            yield f"{type(widget).__name__} title", widget.windowTitle()
        where = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()}"
        yield where, widget.toolTip()
        yield where, widget.accessibleName()
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            yield where, widget.text()
        if isinstance(widget, QLineEdit):
            yield where, widget.placeholderText()
        if isinstance(widget, QGroupBox):
            yield where, widget.title()
        if isinstance(widget, QTextEdit):
            yield where, widget.toPlainText()
        if isinstance(widget, QComboBox):
            yield from ((where, widget.itemText(i)) for i in range(widget.count()))
        if isinstance(widget, QTabWidget):
            yield from ((where, widget.tabText(i)) for i in range(widget.count()))
            yield from ((where, widget.tabToolTip(i)) for i in range(widget.count()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from ((where, text) for text in model_texts(widget.model()))
        if isinstance(widget, pg.GraphicsView):
            yield from ((where, text) for text in plot_texts(widget))
    for action in window.findChildren(QAction):
        yield "action", action.text()
        yield "action", action.toolTip()
        yield "action", action.statusTip()


def visit_every_tab(qtbot, window: MainWindow) -> None:
    """Show every tab (pages and plots are built when first shown), plan on the When tab, and leave some regions
    out for their emissions so their reasons are shown."""
    for index in range(window.views.count()):
        window.views.setCurrentIndex(index)
        qtbot.wait(300)
    view = window.when_view
    window.views.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.plan is not None and not view.running, timeout=120_000)
    ranked = sorted(s.facts.emissions_kg for s in window.ranking.ranked)
    window.constraints_panel.max_emissions.setValue(ranked[len(ranked) // 2])  # half the regions break it
    qtbot.waitUntil(lambda: any("above the maximum" in e.reason for e in window.ranking.excluded), timeout=5000)
    window.select_region(window.ranking.ranked[0].name)
    window.views.setCurrentWidget(window.signals_view)
    qtbot.wait(300)


def wrong_texts(window: QWidget) -> list[tuple[str, str]]:
    return [(where, text[:160]) for where, text in window_texts(window) if text and WRONG.search(text)]


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    server.intensity_of["NL"] = -5  # refused as implausible: its note names the unit
    yield server
    server.stop()


def test_the_window_writes_co2e_one_way_without_a_key(qtbot):
    window = live_window(qtbot)
    visit_every_tab(qtbot, window)
    assert not wrong_texts(window), wrong_texts(window)
    window.close()


def test_the_window_writes_co2e_one_way_with_a_key(qtbot, em, tmp_path):
    window = em_window(qtbot, em, tmp_path)
    visit_every_tab(qtbot, window)
    texts = "\n".join(text for _where, text in window_texts(window))
    assert "reported -5 gCO₂e/kWh for NL" in texts  # the refused value's note reached the window
    assert not wrong_texts(window), wrong_texts(window)
    window.close()

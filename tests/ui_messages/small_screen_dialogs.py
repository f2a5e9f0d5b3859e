"""Run by test_dialogs_fit_a_small_screen.py in a process whose offscreen screen is 1024x640 (not collected alone:
the screen is fixed when the first QApplication starts)."""

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QTableWidget, QWidget

from carbon_gui.ui.dialogs.screen_fit import FRAME_HEIGHT, FRAME_WIDTH
from tests.jobs.conftest import local_env, reference, script, service  # noqa: F401 - fixtures
from tests.ui_messages.test_co2e_in_the_dialogs import open_every_dialog, window  # noqa: F401 - fixture

W = TypeVar("W", bound=QWidget)


def test_every_dialog_fits_the_screen(qtbot, window, script):  # noqa: F811
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert (screen.width(), screen.height()) == (1024, 640), "run with the small screen's configfile"
    window.resize(1024, 640 - FRAME_HEIGHT)
    open_every_dialog(qtbot, window, script)
    window.constraints_panel.editCountriesRequested.emit()
    dialogs = [w for w in window.findChildren(QWidget) if w.isWindow() and w.isVisible()]
    assert len(dialogs) >= 10, [type(w).__name__ for w in dialogs]
    too_large = {
        type(w).__name__: (w.width(), w.height())
        for w in dialogs
        if w.width() + FRAME_WIDTH > screen.width() or w.height() + FRAME_HEIGHT > screen.height()
    }
    assert not too_large, f"larger than a 1024x640 screen with its window frame: {too_large}"
    squashed = in_dialogs(dialogs, QLabel, squashed_text)
    assert not squashed, f"wrapped texts cut: {squashed}"
    cut_cells = in_dialogs(dialogs, QTableWidget, cut_cells_texts)
    assert not cut_cells, f"table cells cut: {cut_cells}"


def in_dialogs(dialogs: list[QWidget], kind: type[W], cut: Callable[[W], list[str]]) -> list[str]:
    """'Dialog: what is cut' for each cut text that `cut` finds in a visible widget of this kind in the dialogs."""
    return [
        f"{type(dialog).__name__}: {text}"
        for dialog in dialogs
        for widget in dialog.findChildren(kind)
        if widget.isVisible()
        for text in cut(widget)
    ]


def squashed_text(label: QLabel) -> list[str]:
    """The label's start and heights when its wrapped text needs more height than it has."""
    needed = label.heightForWidth(label.width())
    if label.wordWrap() and label.text() and label.height() < needed:
        return [f"{label.text()[:60]!r} {label.height()} px < {needed}"]
    return []


def cut_cells_texts(table: QTableWidget) -> list[str]:
    """The texts of the table's cells whose lines need more height than their row has."""
    return [repr(text) for text, needed, given in cell_room(table) if needed > given]


def cell_room(table: QTableWidget) -> list[tuple[str, int, int]]:
    """(text, height its lines need at the column's width, the row's height) for each text cell."""
    metrics = table.fontMetrics()
    flags = Qt.TextFlag.TextWordWrap if table.wordWrap() else Qt.TextFlag.TextSingleLine
    room = []
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            item = table.item(row, column)
            if item is None or not item.text():
                continue
            width = table.columnWidth(column) - 6  # the cell's own margins, about 3 px a side
            bounds = metrics.boundingRect(QRect(0, 0, width, 10_000), int(flags), item.text())
            fits = bounds.width() <= width
            room.append((item.text(), bounds.height() if fits else 10_000, table.rowHeight(row)))
    return room

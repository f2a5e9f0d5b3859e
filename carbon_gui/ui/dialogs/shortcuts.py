"""Help → Keyboard shortcuts: a table made from the window's own actions, so it lists what the window really has."""

from collections.abc import Iterator

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…").removesuffix("...")


def _menu_actions(menu: QMenu, path: str) -> Iterator[tuple[str, QAction]]:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_actions(sub, f"{path} → {_plain(action.text())}")
        elif not action.isSeparator():
            yield path, action


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(what it does, where it is, keys) for every action and QShortcut of the window that has keys."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            for path, action in _menu_actions(menu, _plain(top.text())):
                seen.add(id(action))
                rows.extend(_rows_of(action, path))
    for action in window.findChildren(QAction):  # actions outside the menus (toolbars, widgets)
        if id(action) not in seen and action.text():
            rows.extend(_rows_of(action, "Window"))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.isEnabled() and not shortcut.key().isEmpty():
            what = shortcut.whatsThis() or shortcut.objectName() or "(this page's own key)"
            owner = shortcut.parent()
            where = (_tab_path(owner) if isinstance(owner, QWidget) else "") or "Window"
            rows.append((what, where, shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)))
    return rows


def _tab_path(widget: QWidget | None) -> str:
    """The tabs holding `widget`, outermost first (e.g. "Hardware → Optimise"): where a page's own key works."""
    tabs: list[str] = []
    while widget is not None:
        holder = widget.parentWidget()
        stack_owner = holder.parentWidget() if holder is not None else None
        if isinstance(stack_owner, QTabWidget) and (index := stack_owner.indexOf(widget)) >= 0:
            tabs.append(_plain(stack_owner.tabText(index)))
        widget = holder
    return " → ".join(reversed(tabs))


def _rows_of(action: QAction, where: str) -> list[tuple[str, str, str]]:
    keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
    return [(_plain(action.text()), where, ", ".join(keys))] if keys else []


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Menu", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(560, 460)

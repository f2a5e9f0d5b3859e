"""Environment variables for the training script: a two-column table (name, value) with add and remove."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

NAME, VALUE = 0, 1


class EnvTable(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Name", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(NAME, 200)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(90)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.add_button = QPushButton("Add ro&w")
        self.remove_button = QPushButton("Re&move row")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_row())  # not the `checked` flag
        self.remove_button.clicked.connect(self.remove_row)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())

    def add_row(self, name: str = "", value: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name_item = QTableWidgetItem(name)
        self.table.setItem(row, NAME, name_item)
        self.table.setItem(row, VALUE, QTableWidgetItem(value))
        self.table.setCurrentCell(row, NAME)
        if not name:
            self.table.setFocus()
            self.table.editItem(name_item)
        self.changed.emit()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def variables(self) -> dict[str, str]:
        """NAME -> value for every row with a name (later rows win)."""
        found = {}
        for row in range(self.table.rowCount()):
            name, value = self.table.item(row, NAME), self.table.item(row, VALUE)
            if name is not None and name.text().strip():
                found[name.text().strip()] = value.text() if value is not None else ""
        return found

"""Limits on targets for the Optimise page: rows of `TARGET <= VALUE` / `TARGET >= VALUE`, added and removed."""

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.dimensioning.request import AT_LEAST, AT_MOST, Constraint

_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def target_unit(target: str) -> str:
    """The unit a benchmark target names in its trailing parentheses ('time(sec)' -> 'sec'); '' when none."""
    found = _UNIT.search(target)
    return found.group(1) if found else ""


class ConstraintRow(QWidget):
    """One limit: target, <= or >=, value, the target's unit and a remove button."""

    removed = Signal(object)
    changed = Signal()

    def __init__(self, targets: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = QComboBox()
        self.target.addItems(targets)
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(8)
        self.target.setAccessibleName("Constrained target")
        self.sense = QComboBox()
        self.sense.addItems([AT_MOST, AT_LEAST])
        self.sense.setAccessibleName("At most or at least")
        self.value = QDoubleSpinBox()
        self.value.setRange(-1e12, 1e12)
        self.value.setMinimumWidth(70)
        self.value.setDecimals(4)
        self.value.setAccessibleName("Limit")
        self.unit = QLabel()
        self.unit.setMinimumWidth(40)
        remove = QPushButton("✕")
        remove.setToolTip("Remove this limit")
        remove.setAccessibleName("Remove this limit")
        remove.setMaximumWidth(28)
        remove.clicked.connect(lambda: self.removed.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.target, 3)
        layout.addWidget(self.sense)
        layout.addWidget(self.value, 2)
        layout.addWidget(self.unit)
        layout.addWidget(remove)
        self.target.currentTextChanged.connect(self._target_changed)
        self.sense.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.value.valueChanged.connect(lambda _: self.changed.emit())
        self._target_changed(self.target.currentText())

    def _target_changed(self, target: str) -> None:
        unit = target_unit(target)
        self.unit.setText(unit or "(no unit)")
        self.unit.setToolTip(f"The limit is in the target's own unit: {unit}" if unit else "The target names no unit")
        self.changed.emit()

    def constraint(self) -> Constraint:
        return Constraint(self.target.currentText(), self.sense.currentText(), self.value.value())

    def set_constraint(self, constraint: Constraint) -> None:
        self.target.setCurrentText(constraint.target)
        self.sense.setCurrentText(constraint.sense)
        self.value.setValue(constraint.bound)


class ConstraintEditor(QWidget):
    """Any number of limits on the benchmark's targets; `constraints()` reads them in order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._targets: list[str] = []
        self.rows: list[ConstraintRow] = []
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No limits: add one for time, memory, quality, …")
        self.empty.setEnabled(False)
        self._rows_layout.addWidget(self.empty)
        self.add_button = QPushButton("&Add limit")
        self.add_button.setToolTip("Add a limit TARGET <= VALUE or TARGET >= VALUE")
        self.add_button.clicked.connect(lambda: self.add_row())
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows_layout, 0, 0, 1, 2)
        layout.addWidget(self.add_button, 1, 0)
        layout.setColumnStretch(1, 1)
        self.set_targets([])

    def set_targets(self, targets: list[str]) -> None:
        """New data: its targets are the choices; limits on targets it lacks are dropped."""
        self._targets = list(targets)
        for row in list(self.rows):
            if row.target.currentText() not in self._targets:
                self._remove(row)
            else:
                kept = row.constraint()
                row.target.clear()
                row.target.addItems(self._targets)
                row.set_constraint(kept)
        self.add_button.setEnabled(bool(self._targets))

    def add_row(self, constraint: Constraint | None = None) -> ConstraintRow:
        row = ConstraintRow(self._targets)
        if constraint is not None:
            row.set_constraint(constraint)
        row.removed.connect(self._remove)
        row.changed.connect(self.changed.emit)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        self.empty.setVisible(False)
        row.target.setFocus()
        self.changed.emit()
        return row

    def _remove(self, row: ConstraintRow) -> None:
        self.rows.remove(row)
        self._rows_layout.removeWidget(row)
        row.deleteLater()
        self.empty.setVisible(not self.rows)
        self.changed.emit()

    def constraints(self) -> tuple[Constraint, ...]:
        return tuple(row.constraint() for row in self.rows)

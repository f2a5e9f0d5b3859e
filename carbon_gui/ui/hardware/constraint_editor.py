"""Limits on targets for the Optimise page: rows of `TARGET <= VALUE` / `TARGET >= VALUE`, added and removed."""

import math
import re
from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.dimensioning.request import AT_LEAST, AT_MOST, Constraint
from carbon_gui.core.errors import InputError

_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def target_unit(target: str) -> str:
    """The unit a benchmark target names in its trailing parentheses ('time(sec)' -> 'sec'); '' when none."""
    found = _UNIT.search(target)
    return found.group(1) if found else ""


class ConstraintRow(QWidget):
    """One limit: target, <= or >=, value (any precision: CO2e limits can be fractions of a gram), the target's unit
    and a remove button. `ranges` (target -> smallest and largest measured value) hint at a sensible limit."""

    removed = Signal(object)
    changed = Signal()

    def __init__(self, targets: list[str], ranges: Mapping[str, tuple[float, float]], parent: QWidget | None = None):
        super().__init__(parent)
        self.ranges = ranges
        self.target = QComboBox()
        self.target.addItems(targets)
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(8)
        self.target.setAccessibleName("Constrained target")
        self.sense = QComboBox()
        self.sense.addItems([AT_MOST, AT_LEAST])
        self.sense.setAccessibleName("At most or at least")
        self.value = QLineEdit()
        self.value.setMinimumWidth(70)
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
        self.value.textChanged.connect(lambda _: self.changed.emit())
        self._target_changed(self.target.currentText())

    def _target_changed(self, target: str) -> None:
        unit = target_unit(target)
        self.unit.setText(unit or "(no unit)")
        span = self.ranges.get(target)
        measured = "" if span is None else f"measured {span[0]:.4g} to {span[1]:.4g}"
        self.value.setPlaceholderText(measured or "limit")
        in_unit = f"in {unit}" if unit else "the target names no unit"
        self.value.setToolTip(f"The limit on {target}, {in_unit}" + (f"; the runs {measured}" if measured else ""))
        self.changed.emit()

    def constraint(self) -> Constraint:
        """The row's limit; InputError (one line) when the value is not a finite number."""
        target, text = self.target.currentText(), self.value.text().strip()
        try:
            bound = float(text)
        except ValueError:
            bound = math.nan
        if not math.isfinite(bound):
            unit = target_unit(target)
            example = f"{self.ranges[target][1]:.4g}" if target in self.ranges else "300"
            raise InputError(
                f"The limit on {target} must be a number{f' in {unit}' if unit else ''}, not '{text}': "
                f"type e.g. {example}, or remove the limit."
            )
        return Constraint(target, self.sense.currentText(), bound)

    def set_constraint(self, constraint: Constraint) -> None:
        self.target.setCurrentText(constraint.target)
        self.sense.setCurrentText(constraint.sense)
        self.value.setText(f"{constraint.bound:g}")


class ConstraintEditor(QWidget):
    """Any number of limits on the benchmark's targets; `constraints()` reads them in order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._targets: list[str] = []
        self._ranges: dict[str, tuple[float, float]] = {}
        self.rows: list[ConstraintRow] = []
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No limits: add one for time, memory, quality, …")
        self.empty.setEnabled(False)
        self._rows_layout.addWidget(self.empty)
        self.add_button = QPushButton("Add &limit")
        self.add_button.setToolTip("Add a limit TARGET <= VALUE or TARGET >= VALUE")
        self.add_button.clicked.connect(lambda: self.add_row())
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows_layout, 0, 0, 1, 2)
        layout.addWidget(self.add_button, 1, 0)
        layout.setColumnStretch(1, 1)
        self.set_targets([])

    def set_targets(self, targets: list[str], ranges: Mapping[str, tuple[float, float]] | None = None) -> None:
        """New data: its targets are the choices (with the measured ranges as hints); limits on targets it lacks
        are dropped."""
        self._targets = list(targets)
        self._ranges = dict(ranges or {})
        for row in list(self.rows):
            if row.target.currentText() not in self._targets:
                self._remove(row)
            else:
                kept, sense, text = row.target.currentText(), row.sense.currentText(), row.value.text()
                row.ranges = self._ranges
                row.target.clear()
                row.target.addItems(self._targets)
                row.target.setCurrentText(kept)
                row.sense.setCurrentText(sense)
                row.value.setText(text)
        self.add_button.setEnabled(bool(self._targets))

    def add_row(self, constraint: Constraint | None = None) -> ConstraintRow:
        row = ConstraintRow(self._targets, self._ranges)
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
        """The limits in order; InputError for the first row whose value is not a number."""
        return tuple(row.constraint() for row in self.rows)

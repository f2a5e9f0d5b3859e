"""Table model over fitted surrogates: one row per hardware × target with its depth, cross-validated MAE and R², and
the robustness margin at the chosen quantile. Every number carries the target's unit, read from its name."""

import re
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from carbon_gui.core.dimensioning.surrogate import Surrogate

HEADERS = ("Hardware", "Target", "Depth", "CV MAE", "CV R²", "Margin")
NUMBER_COLUMNS = (2, 3, 4, 5)
_UNIT = re.compile(r"\(([^()]*)\)\s*$")  # "time(sec)" -> "sec": HADA's columns carry their unit in brackets

_Index = QModelIndex | QPersistentModelIndex


def target_unit(target: str) -> str:
    """The unit in a target's name ("CO2e(kg)" -> "kg"), or "" when the name has none."""
    found = _UNIT.search(target)
    return found.group(1).strip() if found else ""


def value_text(value: float, target: str) -> str:
    """A target's value with its unit (none when the name gives none); 3 significant digits fit seconds and kWh."""
    unit = target_unit(target)
    number = f"{value:.3g}"
    return f"{number} {unit}" if unit else number


class SurrogateTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: tuple[Surrogate, ...] = ()
        self._quantile: float | None = None

    def set_surrogates(self, surrogates: tuple[Surrogate, ...], quantile: float | None) -> None:
        self.beginResetModel()
        self._rows, self._quantile = surrogates, quantile
        self.endResetModel()

    def set_quantile(self, quantile: float | None) -> None:
        self._quantile = quantile
        if self._rows:
            self.dataChanged.emit(self.index(0, 5), self.index(len(self._rows) - 1, 5))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 5, 5)  # its tooltip names the quantile

    def surrogate(self, row: int) -> Surrogate:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == 5:
            if self._quantile is None:
                return "No margin: constraints use the prediction as it is."
            return f"The {self._quantile:.2f} quantile of the absolute cross-validated errors"
        return None

    def row_of(self, hardware: str, target: str) -> int | None:
        return next((r for r, s in enumerate(self._rows) if (s.hardware, s.target) == (hardware, target)), None)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(s, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{s.target} on {s.hardware}: {s.description()}. "
                "MAE and R² are cross-validated (5 folds): predictions for runs the model did not see. The margin is "
                "that quantile of the absolute CV errors; it tightens each constraint on this target."
                + ("" if target_unit(s.target) else f" {s.target} has no unit in its name.")
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, s: Surrogate, column: int) -> str:
        if column == 0:
            return s.hardware
        if column == 1:
            return s.target
        if column == 2:
            how = "CV" if s.depth_chosen_by == "cross-validation" else "set"
            return f"{s.depth} ({how})"
        if column == 3:
            return value_text(s.cv_mae, s.target)
        if column == 4:
            return f"{s.cv_r2:.3f}"
        return value_text(s.margin(self._quantile), s.target)

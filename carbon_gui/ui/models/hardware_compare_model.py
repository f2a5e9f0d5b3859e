"""Table model over a hardware comparison: one row per machine option × region, lowest CO2e first."""

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from carbon_gui.core.hardware_compare import Estimate
from carbon_gui.core.quantities import energy_text, mass_text

HEADERS = (
    "Pareto",
    "Machine",
    "Region",
    "Hours",
    "Energy",
    "USD",
    "CO₂e",
    "Speed-up",  # short: the whole header fits a 1024 px screen; its full name is its tooltip
)
HEADER_TOOLTIPS = {
    len(HEADERS) - 1: "How the run length was estimated: the speed-up against your job (×), and what it rests on "
    "(peak throughput, your speed-up, or your own run length). A basis cut short: hover the row for all of it",
}
NUMBER_COLUMNS = (3, 4, 5, 6)
SORT_ROLE = Qt.ItemDataRole.UserRole  # the raw value of a cell, for sorting

_Index = QModelIndex | QPersistentModelIndex


def _pareto_text(pareto: bool | None) -> str:
    return {True: "★ yes", False: "", None: "cost unknown"}[pareto]


class HardwareCompareModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: tuple[Estimate, ...] = ()

    def set_estimates(self, estimates: tuple[Estimate, ...]) -> None:
        self.beginResetModel()
        self._rows = estimates
        self.endResetModel()

    def estimate(self, row: int) -> Estimate:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, column)
        if role == SORT_ROLE:
            return self._value(e, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Estimate. " + "; ".join(e.assumptions)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(e: Estimate, column: int) -> str:
        cost = "unknown" if e.cost_usd is None else f"{e.cost_usd:,.2f}"
        texts = (
            _pareto_text(e.pareto),
            e.option.label,
            e.region,
            f"{e.hours:,.2f}",
            energy_text(e.energy_kwh),
            cost,
            mass_text(e.emissions_kgco2e),
            e.assumptions[0],
        )
        return texts[column]

    @staticmethod
    def _value(e: Estimate, column: int) -> Any:
        cost = float("inf") if e.cost_usd is None else e.cost_usd
        pareto = {True: 0, False: 1, None: 2}[e.pareto]
        values = (pareto, e.option.label, e.region, e.hours, e.energy_kwh, cost, e.emissions_kgco2e, e.assumptions[0])
        return values[column]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TOOLTIPS.get(section)
        return None

"""Table model over the regions left out of a ranking, each with its reason."""

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from carbon_gui.core.scoring import Exclusion

HEADERS = ("Region", "Location", "Why it is not ranked")

_Index = QModelIndex | QPersistentModelIndex


class ExcludedTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: tuple[Exclusion, ...] = ()

    def set_excluded(self, excluded: tuple[Exclusion, ...]) -> None:
        if self._shown(excluded) == self._shown(self._rows):  # most re-ranks (a slider step) leave out the same
            self._rows = excluded
            return
        self.beginResetModel()
        self._rows = excluded
        self.endResetModel()

    @staticmethod
    def _shown(rows: tuple[Exclusion, ...]) -> list[tuple[str, str, str]]:
        return [(e.region.name, e.region.location, e.reason) for e in rows]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        e = self._rows[index.row()]
        return (e.region.name, e.region.location, e.reason)[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

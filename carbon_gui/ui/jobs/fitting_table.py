"""A table whose columns fit its width: each as wide as its contents while they all fit; when they do not, the widest
give way first, never below the width of their header; the last column takes any width left. Only when even the
headers do not fit does a horizontal scroll bar appear. The columns fit again when rows come or go and when the width
changes; a cell changed in place only moves them when its text is wider than its column's contents were. A cell cut
short shows its whole text in its tooltip, above the model's own tooltip."""

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QToolTip


def fitted_widths(wanted: list[int], floors: list[int], room: int) -> list[int]:
    """Column widths summing to at most `room` where possible: every width capped by one common ceiling, the highest
    that fits, but none below its floor."""

    def total(ceiling: int) -> int:
        return sum(max(floor, min(width, ceiling)) for width, floor in zip(wanted, floors, strict=True))

    low, high = 0, max(wanted, default=0)
    while low < high:  # the highest ceiling that fits
        middle = (low + high + 1) // 2
        if total(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return [max(floor, min(width, low)) for width, floor in zip(wanted, floors, strict=True)]


class FittingTableView(QTableView):
    def __init__(self) -> None:
        super().__init__()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setStretchLastSection(False)
        self._wanted: list[int] = []  # each column's width for its contents at the last fit

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for changed in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
                changed.connect(self.fit_columns)
            model.dataChanged.connect(self._data_changed)

    def _data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int] | None = None) -> None:
        """Cells changed in place (a running job's clock ticks every second, a poll repeats what it had): re-fit only
        where a changed text is wider than its column's contents were at the last fit. Re-fitting on every change
        moved the columns under the mouse each time a text got shorter ('59 min 59 s' -> '1 h 00 min')."""
        model = self.model()
        if model is None or (roles and Qt.ItemDataRole.DisplayRole not in roles):
            return
        if len(self._wanted) != model.columnCount():
            self.fit_columns()
            return
        for column in range(top_left.column(), bottom_right.column() + 1):
            for row in range(top_left.row(), bottom_right.row() + 1):
                if self.sizeHintForIndex(model.index(row, column)).width() > self._wanted[column]:
                    self.fit_columns()
                    return

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:  # the view's, or a scroll bar came or went
            self.fit_columns()
        elif event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            if index.isValid() and self.is_elided(index):
                QToolTip.showText(event.globalPos(), self.cell_tooltip(index), self.viewport(), self.visualRect(index))
                return True
        return super().viewportEvent(event)

    def is_elided(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return self.sizeHintForIndex(index).width() > self.columnWidth(index.column())

    def cell_tooltip(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """The model's tooltip, led by the cell's whole text where the column cuts it short."""
        text = str(index.data() or "")
        tooltip = str(index.data(Qt.ItemDataRole.ToolTipRole) or "")
        if not self.is_elided(index) or text in tooltip:
            return tooltip
        return f"{text}\n{tooltip}" if tooltip else text

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        columns = range(header.count())
        floors = [header.sectionSizeHint(column) for column in columns]
        wanted = [max(floor, self.sizeHintForColumn(column)) for column, floor in zip(columns, floors, strict=True)]
        self._wanted = wanted
        room = self.viewport().width()
        widths = fitted_widths(wanted, floors, room)
        if widths:
            widths[-1] += max(0, room - sum(widths))  # the last column takes what is left: the grid fills the width
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

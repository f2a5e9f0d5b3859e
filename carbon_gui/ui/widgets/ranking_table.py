"""The ranking table: a sortable view over RegionTableModel that selects whole rows by region name.

The model sorts itself: Qt's sorting proxy re-read every cell of a column on each re-rank (a slider step) to sort
again. `proxy` stays, an identity layer, for code that maps between view and model rows."""

from PySide6.QtCore import QIdentityProxyModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from carbon_gui.ui.models.region_table_model import REGION_ROLE, RegionTableModel

MAX_COLUMN_PX = 340


class RankingTable(QTableView):
    regionActivated = Signal(str)  # the user moved to another row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rankingTable")
        self.source = RegionTableModel()
        self.proxy = QIdentityProxyModel(self)  # forwards the view's sort() to the model
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)  # one line per region; long cells are elided, their tooltip has the full text
        # Sized to contents when the set of rows changes, not on every re-rank: measuring every cell
        # on each slider step cost ~8 ms.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.selectionModel().currentRowChanged.connect(self._on_row)

    def fit_columns(self) -> None:
        """Columns as wide as their contents, up to MAX_COLUMN_PX (the age column can be long when STALE)."""
        self.resizeColumnsToContents()
        for column in range(self.source.columnCount()):
            if self.columnWidth(column) > MAX_COLUMN_PX:
                self.setColumnWidth(column, MAX_COLUMN_PX)

    def select_row(self, row: int) -> None:
        """Select a row of the source model (whatever the sort order) and scroll to it."""
        proxy_index = self.proxy.mapFromSource(self.source.index(row, 0))
        self.selectionModel().setCurrentIndex(
            proxy_index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.scrollTo(proxy_index)

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.regionActivated.emit(current.data(REGION_ROLE))

"""The regions that could not be ranked, each with its reason."""

from PySide6.QtWidgets import QTableView, QWidget

from carbon_gui.ui.models.excluded_table_model import ExcludedTableModel


class ExcludedTable(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("excludedTable")
        self.source = ExcludedTableModel()
        self.setModel(self.source)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)
        # Region and location are short: show them whole; the reason takes the rest (and its tooltip the whole).
        self.source.modelReset.connect(self._fit_names)

    def _fit_names(self) -> None:
        for column in (0, 1):
            self.resizeColumnToContents(column)

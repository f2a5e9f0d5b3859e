"""Guards against a Qt binding that corrupts Python refcounts (PySide6 6.12.0 does: every None
returned by a model's data() through a C++ proxy loses a reference to None, and the app aborts
with 'deallocating None' after a few thousand table repaints)."""

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel


class _NoneModel(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):  # noqa: B008 - Qt's signature
        return 1

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return 1

    def data(self, index, role=0):
        return None


def test_returning_none_from_a_model_keeps_none_alive(qapp):
    model = _NoneModel()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    index = proxy.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(1000):
        proxy.data(index, 5)
    assert sys.getrefcount(None) >= before - 50, "the Qt binding loses references to None: pin another version"

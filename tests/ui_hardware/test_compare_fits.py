"""Training → Compare hardware… on a 1024 x 640 screen (the dialog then opens at 1008 x 592, the screen less the
window frame) and enlarged to 1600 x 1000: the last column's header, 'How the run length was estimated', was cut
and the table scrolled sideways. The column is now 'Speed-up' (its full name in the header's tooltip), every header
and every other column is whole, no sideways scrolling, and a basis cut short has all of its text in the tooltip.
The real window and the real comparison of the bundled data; the pictures go to test-artifacts/."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carbon_gui.ui.dialogs.screen_fit import FRAME_HEIGHT, FRAME_WIDTH
from carbon_gui.ui.models.hardware_compare_model import HEADERS
from tests.ui.conftest import window  # noqa: F401 - the real window
from tests.ui.test_compare_hardware_dialog import open_dialog

HORIZONTAL = Qt.Orientation.Horizontal


@pytest.mark.timeout(120)
@pytest.mark.parametrize("size", [(1024 - FRAME_WIDTH, 640 - FRAME_HEIGHT), (1600, 1000)])
def test_every_column_of_compare_hardware_fits(window, qtbot, artifacts_dir: Path, size: tuple[int, int]) -> None:  # noqa: F811
    dialog = open_dialog(window, qtbot)
    dialog.resize(*size)
    QApplication.processEvents()
    table, header = dialog.table, dialog.table.horizontalHeader()
    proxy = table.model()
    assert table.horizontalScrollBar().maximum() == 0, "the table scrolls sideways"
    last = len(HEADERS) - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width()
    for column in range(len(HEADERS)):
        title = proxy.headerData(column, HORIZONTAL)
        assert header.sectionSize(column) >= header.sectionSizeHint(column), f"header {title!r} cut"
        if column != last:
            assert header.sectionSize(column) >= table.sizeHintForColumn(column), f"column {title!r} cut"
    assert "How the run length was estimated" in proxy.headerData(last, HORIZONTAL, Qt.ItemDataRole.ToolTipRole)
    for row in range(proxy.rowCount()):
        index = proxy.index(row, last)
        if table.sizeHintForIndex(index).width() > header.sectionSize(last):
            assert index.data() in index.data(Qt.ItemDataRole.ToolTipRole), index.data()
    assert dialog.grab().save(str(artifacts_dir / f"compare_hardware_{size[0]}x{size[1]}.png"))

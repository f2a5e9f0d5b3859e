"""Issue 11 item 14: the Hardware tab hides the plan panel, and the header (the ranking's one-line summary above the
tabs) then sat flush against the window's left edge. On every tab, at the smallest and a large size, its text
starts at least the style's layout margin from the window's edge, as the plan panel's contents do."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QStyle

from carbon_gui.ui.main_window import MainWindow
from tests.ui.conftest import open_window

pytestmark = pytest.mark.timeout(120)


def header_text_left(window: MainWindow) -> int:
    """Window x where the header's text begins: its label's contents rectangle, plus the label's own margin."""
    label = window.summary
    return label.mapTo(window, QPoint(label.contentsRect().left(), 0)).x() + label.margin()


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_the_header_keeps_the_layout_margin_on_every_tab(qtbot, artifacts_dir, size: tuple[int, int]) -> None:
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=30_000)
    window.resize(*size)
    margin = window.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)
    assert margin > 0
    for index in range(window.views.count()):
        window.views.setCurrentIndex(index)
        qtbot.wait(50)
        title = window.views.tabText(index).replace("&", "")
        assert window.summary.isVisible() and window.summary.text(), title
        assert header_text_left(window) >= margin, (title, header_text_left(window), margin)
        assert window.grab().save(str(artifacts_dir / f"header_{size[0]}x{size[1]}_tab{index}.png"))
    window.close()

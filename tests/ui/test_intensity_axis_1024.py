"""Issue 11 item 7: in LIVE mode at 1024 x 640 the Signals tab's intensity plot is ~130 px high (the power mix below
it takes its rows), and its left axis title "carbon intensity (gCO₂e/kWh)", ~180 px long, was cut to
"carbon intensity (gCO₂e/k" at the widget's edge. The title must be drawn whole at every size, keeping the unit."""

import pytest
from PySide6.QtCore import QRectF

from tests.ui.test_live_providers import em_window
from tests.ui.test_power_mix_1024 import em, show_signals  # noqa: F401  (em is a fixture)

pytestmark = pytest.mark.timeout(120)


def left_title(plot) -> tuple[str, QRectF]:
    """The left axis's title and where its text is drawn (without the text item's blank margin), in the plot
    widget's coordinates."""
    label = plot.getPlotItem().getAxis("left").label
    margin = label.document().documentMargin()
    drawn = QRectF(plot.mapFromScene(label.sceneBoundingRect()).boundingRect())
    return label.toPlainText(), drawn.adjusted(margin, margin, -margin, -margin)


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_the_intensity_axis_title_fits_with_its_unit(qtbot, em, tmp_path, artifacts_dir, size):  # noqa: F811
    window = em_window(qtbot, em, tmp_path)
    show_signals(qtbot, window, size)
    plot = window.signals_view.intensity
    qtbot.wait(100)  # the axis's geometry after the layout
    text, drawn = left_title(plot)
    assert "gCO₂e/kWh" in text, text
    assert drawn.top() >= 0 and drawn.bottom() <= plot.height(), f"{text!r} drawn at {drawn}, cut by {plot.rect()}"
    if size == (1600, 1000):
        assert "carbon intensity" in text, "the full title where there is room"
    assert window.grab().save(str(artifacts_dir / f"signals_axis_title_{size[0]}x{size[1]}.png"))
    window.close()

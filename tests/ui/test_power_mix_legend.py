"""The power-mix legend keeps each colour beside its source's name at any plot height (in a tall window or a
1600 x 900 export its rows were spread apart: the colours in the middle, the names at the top)."""

from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtGui import QImage

from carbon_gui.core.signals import PowerMix
from carbon_gui.ui.plots.power_mix_plot import PowerMixPlot, source_color


def rows_of_colour(image: QImage, colour: tuple[int, int, int], top: int) -> np.ndarray:
    """The y of every pixel below `top` drawn in `colour`."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    lines = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    pixels = lines[top:, : rgb.width() * 3].reshape(rgb.height() - top, rgb.width(), 3).astype(int)
    return np.nonzero(np.abs(pixels - colour).sum(axis=2) < 20)[0] + top


@pytest.mark.parametrize("height", [250, 600, 900])
def test_each_legend_colour_sits_beside_its_name(qtbot, height) -> None:
    plot = PowerMixPlot()
    qtbot.addWidget(plot)
    plot.resize(1000, height)
    plot.show()
    now = datetime.now(UTC)
    plot.set_mixes([("europe-west4", PowerMix(now, {"wind": 3000.0, "gas": 1000.0, "solar": 100.0}), "EM")], "mix")
    qtbot.wait(20)  # layout
    image = plot.grab().toImage()
    legend_top = int(plot.mapFromScene(plot.legend.sceneBoundingRect().topLeft()).y())  # under the bars
    for _sample, label in plot.legend.items:
        name = plot.mapFromScene(label.mapToScene(label.item.boundingRect()).boundingRect()).boundingRect()
        swatch = rows_of_colour(image, source_color(label.text), legend_top)
        assert swatch.size > 50, f"no {label.text} colour in the legend"
        assert name.top() - 4 <= swatch.min() and swatch.max() <= name.bottom() + 4, label.text  # on the name's line

"""The table's cell colours are computed without pyqtgraph (not loaded before the first paint), and must stay the
colours pyqtgraph's ColorMap gives for the same scale: the map's markers and colour bar use that ColorMap."""

import random

import pyqtgraph as pg

from carbon_gui.ui.plots import intensity_colors
from carbon_gui.ui.plots.intensity_colors import COLORS, INTENSITY_RANGE, STOPS, intensity_color


def pyqtgraph_color(value: float) -> tuple[int, int, int]:
    low, high = INTENSITY_RANGE
    fraction = min(1.0, max(0.0, (value - low) / (high - low)))
    r, g, b, _ = pg.ColorMap(pos=list(STOPS), color=list(COLORS)).map(fraction, mode="byte")
    return int(r), int(g), int(b)


def test_cell_colours_are_pyqtgraphs_over_the_whole_scale_and_beyond() -> None:
    rng = random.Random(11)
    values = [v / 4 for v in range(-200, 3200)] + [rng.uniform(-100.0, 900.0) for _ in range(2000)]
    differing = [(v, mine, theirs) for v in values if (mine := intensity_color(v)) != (theirs := pyqtgraph_color(v))]
    assert differing == []
    assert intensity_color(0.0) == COLORS[0] and intensity_color(10_000.0) == COLORS[-1]


def test_the_maps_colormap_is_made_on_first_use_with_the_same_scale() -> None:
    colormap = intensity_colors.INTENSITY_COLORMAP
    assert isinstance(colormap, pg.ColorMap)
    assert colormap is intensity_colors.INTENSITY_COLORMAP  # made once
    assert [tuple(int(c) for c in colormap.map(stop, mode="byte")[:3]) for stop in STOPS] == list(COLORS)

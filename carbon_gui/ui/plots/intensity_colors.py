"""One colour scale for grid intensity, shared by the table and the map."""

import pyqtgraph as pg

INTENSITY_RANGE = (0.0, 700.0)  # gCO2e/kWh: covers every Google region's yearly figure
INTENSITY_COLORMAP = pg.ColorMap(
    pos=[0.0, 0.25, 0.5, 1.0],
    color=[(26, 152, 80), (166, 217, 106), (253, 174, 97), (215, 48, 39)],
)


def intensity_color(value: float) -> tuple[int, int, int]:
    low, high = INTENSITY_RANGE
    fraction = min(1.0, max(0.0, (value - low) / (high - low)))
    color = INTENSITY_COLORMAP.map(fraction, mode="byte")
    return int(color[0]), int(color[1]), int(color[2])

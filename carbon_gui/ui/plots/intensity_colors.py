"""One colour scale for grid intensity, shared by the table and the map.

The table colours its cells without pyqtgraph (~0.2 s to import, not needed before the window's first paint);
the map's colour bar gets the same scale as a pyqtgraph ColorMap, made on first use."""

from typing import Any

INTENSITY_RANGE = (0.0, 700.0)  # gCO2e/kWh: covers every Google region's yearly figure
STOPS = (0.0, 0.25, 0.5, 1.0)
COLORS = ((26, 152, 80), (166, 217, 106), (253, 174, 97), (215, 48, 39))


def intensity_color(value: float) -> tuple[int, int, int]:
    """The colour pyqtgraph's ColorMap(STOPS, COLORS).map(fraction, mode="byte") gives: linear between the two
    stops around the fraction (numpy.interp's arithmetic), cut to whole bytes."""
    low, high = INTENSITY_RANGE
    fraction = min(1.0, max(0.0, (value - low) / (high - low)))
    if fraction >= STOPS[-1]:
        return COLORS[-1]
    upper = next(i for i, stop in enumerate(STOPS) if fraction < stop)
    x0, x1 = STOPS[upper - 1], STOPS[upper]
    c0, c1 = COLORS[upper - 1], COLORS[upper]
    r, g, b = ((b1 - b0) / (x1 - x0) * (fraction - x0) + b0 for b0, b1 in zip(c0, c1, strict=True))
    return int(r), int(g), int(b)


def __getattr__(name: str) -> Any:
    """INTENSITY_COLORMAP, the pyqtgraph ColorMap of the same scale (for the map's colour bar), made on first use."""
    if name == "INTENSITY_COLORMAP":
        import pyqtgraph as pg

        colormap = pg.ColorMap(pos=list(STOPS), color=list(COLORS))
        globals()[name] = colormap
        return colormap
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

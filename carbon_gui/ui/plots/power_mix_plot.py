"""Latest electricity production by source, one stacked bar per region, one colour per source."""

from collections.abc import Mapping

import pyqtgraph as pg

from carbon_gui.core.signals import PowerMix

# One colour per production mode, the same in every plot.
SOURCE_COLORS: dict[str, tuple[int, int, int]] = {
    "nuclear": (174, 124, 196),
    "geothermal": (186, 112, 79),
    "biomass": (115, 153, 66),
    "coal": (80, 80, 80),
    "wind": (116, 205, 185),
    "solar": (255, 203, 55),
    "hydro": (45, 125, 210),
    "hydro discharge": (25, 90, 160),
    "battery discharge": (120, 130, 200),
    "gas": (230, 150, 110),
    "oil": (150, 80, 60),
    "unknown": (190, 190, 190),
}
OTHER_COLOR = (220, 220, 220)


def source_color(source: str) -> tuple[int, int, int]:
    return SOURCE_COLORS.get(source, OTHER_COLOR)


class PowerMixPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self) -> None:
        super().__init__(background="w")
        item = self.getPlotItem()
        item.setLabel("left", "production", units="MW")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(y=True, alpha=0.2)
        # The legend sits in its own column right of the plot, so it never hides a bar.
        self.legend = pg.LegendItem(colCount=2)
        item.layout.addItem(self.legend, 2, 3)
        self.bar_count = 0
        self._title = ""
        self._bars: dict[str, pg.BarGraphItem] = {}
        self._layout: tuple[list[str], list[str]] = ([], [])

    def set_mixes(self, mixes: list[tuple[str, PowerMix]], title: str) -> None:
        """Bars are kept and updated in place while the regions and sources stay the same."""
        item = self.getPlotItem()
        if title != self._title:
            item.setTitle(title, size="9pt")
            self._title = title
        sources = sorted({s for _, mix in mixes for s, v in mix.production_mw.items() if v})
        layout = ([name for name, _ in mixes], sources)
        if layout != self._layout:
            self._rebuild(sources)
            self._layout = layout
            labels = [(i, name) for i, (name, _) in enumerate(mixes)]
            item.getAxis("bottom").setTicks([labels])
        bottoms = [0.0] * len(mixes)
        x = list(range(len(mixes)))
        for source in sources:
            heights = [_mw(mix.production_mw, source) for _, mix in mixes]
            self._bars[source].setOpts(x=x, y0=list(bottoms), height=heights, width=0.6)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        self.bar_count = len(mixes)

    def _rebuild(self, sources: list[str]) -> None:
        item = self.getPlotItem()
        for bars in self._bars.values():
            item.removeItem(bars)
        self.legend.clear()
        self._bars = {}
        for source in sources:
            bars = pg.BarGraphItem(x=[], y0=[], height=[], width=0.6, brush=pg.mkBrush(source_color(source)),
                                   pen=pg.mkPen((255, 255, 255), width=0.5))  # fmt: skip
            item.addItem(bars)
            self.legend.addItem(bars, source)
            self._bars[source] = bars


def _mw(values: Mapping[str, float | None], source: str) -> float:
    value = values.get(source)
    return max(0.0, float(value)) if value is not None else 0.0

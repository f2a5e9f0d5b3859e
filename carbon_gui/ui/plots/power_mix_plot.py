"""Latest electricity production by source, one stacked bar per region, one colour per source.
Hover a bar segment for its value, production source, time and data source."""

from collections.abc import Mapping
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QSizePolicy

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
BAR_WIDTH = 0.6


@dataclass(frozen=True)
class _Segment:
    x: float
    bottom: float
    top: float
    source: str  # production source: the bars item that draws this segment
    text: str


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
        # at its own height, at the top: stretched to the plot's height, its colours drifted away from their names
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        item.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self.bar_count = 0
        self._title = ""
        self._bars: dict[str, pg.BarGraphItem] = {}
        self._layout: tuple[list[str], list[str]] = ([], [])
        self._segments: list[_Segment] = []
        self.hover_text = ""
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_mixes(self, mixes: list[tuple[str, PowerMix, str]], title: str) -> None:
        """`mixes`: (region, its latest power mix, the data source's name) per bar."""
        """Bars are kept and updated in place while the regions and sources stay the same."""
        item = self.getPlotItem()
        if title != self._title:
            item.setTitle(title, size="9pt")
            self._title = title
        for axis in ("left", "bottom"):  # no bars: the title says why, and no empty 0-1 axes pretend a scale
            item.showAxis(axis, bool(mixes))
        sources = sorted({s for _, mix, _ in mixes for s, v in mix.production_mw.items() if v})
        layout = ([name for name, _, _ in mixes], sources)
        if layout != self._layout:
            self._rebuild(sources)
            self._layout = layout
            labels = [(i, name) for i, (name, _, _) in enumerate(mixes)]
            item.getAxis("bottom").setTicks([labels])
        bottoms = [0.0] * len(mixes)
        x = list(range(len(mixes)))
        self._segments = []
        for source in sources:
            heights = [_mw(mix.production_mw, source) for _, mix, _ in mixes]
            self._bars[source].setOpts(x=x, y0=list(bottoms), height=heights, width=BAR_WIDTH)
            for i, ((region, mix, data_source), bottom, height) in enumerate(zip(mixes, bottoms, heights, strict=True)):
                if height > 0:
                    estimated = ", estimated" if mix.estimated else ""
                    text = (f"{region}: {source} {height:,.0f} MW\nat {mix.time:%Y-%m-%d %H:%M} UTC{estimated}\n"
                            f"data: {data_source}")  # fmt: skip
                    self._segments.append(_Segment(i, bottom, bottom + height, source, text))
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        self.bar_count = len(mixes)

    def segment_at(self, x: float, y: float) -> str:
        """The hover text of the bar segment at (x, y) in data coordinates, or ''."""
        segment = self._segment_at(x, y)
        return segment.text if segment else ""

    def _segment_at(self, x: float, y: float) -> _Segment | None:
        for segment in self._segments:
            if abs(x - segment.x) <= BAR_WIDTH / 2 and segment.bottom <= y <= segment.top:
                return segment
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        """The segment under the mouse becomes its bars item's tooltip, which Qt shows on hover."""
        view = self.getPlotItem().getViewBox()
        segment = None
        if view.sceneBoundingRect().contains(scene_pos):
            point = view.mapSceneToView(scene_pos)
            segment = self._segment_at(point.x(), point.y())
        self.hover_text = segment.text if segment else ""
        if segment is not None:
            self._bars[segment.source].setToolTip(segment.text)

    def _rebuild(self, sources: list[str]) -> None:
        item = self.getPlotItem()
        for bars in self._bars.values():
            item.removeItem(bars)
        self.legend.clear()
        self._bars = {}
        for source in sources:
            bars = pg.BarGraphItem(x=[], y0=[], height=[], width=BAR_WIDTH, brush=pg.mkBrush(source_color(source)),
                                   pen=pg.mkPen((255, 255, 255), width=0.5))  # fmt: skip
            item.addItem(bars)
            self.legend.addItem(bars, source)
            self._bars[source] = bars


def _mw(values: Mapping[str, float | None], source: str) -> float:
    value = values.get(source)
    return max(0.0, float(value)) if value is not None else 0.0

"""Latest electricity production by source, one stacked bar per region, one colour per source.
The bars lie horizontally, one row per region with its name on the left: under upright bars the names of five
regions overlapped at 1024 px. Hover a bar segment for its value, production source, time and data source."""

from collections.abc import Mapping
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent

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
BAR_WIDTH = 0.6  # of a region's row
ROW_PX = 22  # a region's row: its name and a readable bar
AXIS_AND_TITLE_PX = 85  # the MW axis with its label, the title and the margins
AXIS_TEXT_PAD_PX = 15  # the region axis: its tick marks and the gap before a name
LEGEND_POINT_SIZE = 9
LEGEND_SWATCH_PX = 50  # a legend entry beside its name: the colour sample and the gaps (40 overflowed by 3 px)
LEGEND_ROW_PX = 22
PLOT_MARGIN_PX = 10
NO_MAXIMUM = 16_777_215  # Qt's QWIDGETSIZE_MAX, which PySide6 does not export
EMPTY_HEIGHT_PX = 40  # no bars: only the title saying why (a taller minimum scrolled the Signals plots for it)


@dataclass(frozen=True)
class _Segment:
    row: float  # the region's row
    bottom: float  # MW where the segment starts and ends along its bar
    top: float
    source: str  # production source: the bars item that draws this segment
    text: str


def source_color(source: str) -> tuple[int, int, int]:
    return SOURCE_COLORS.get(source, OTHER_COLOR)


class PowerMixPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self) -> None:
        super().__init__(background="w")
        item = self.getPlotItem()
        item.setLabel("bottom", "production", units="MW")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.showGrid(x=True, alpha=0.2)
        item.getViewBox().invertY(True)  # the first region on top, as in the list beside the plot
        item.getViewBox().setMouseEnabled(y=False)  # the rows are the regions: nothing to zoom
        # The legend sits in its own row under the MW axis, so it never hides a bar, with as many columns as fit the
        # plot's width (a column right of the plot, 190 px wide, was pushed out of a 376 px plot at 1024 x 640).
        self.legend = pg.LegendItem()
        self._legend_columns = 0
        item.layout.addItem(self.legend, 4, 1)
        self.setMinimumHeight(EMPTY_HEIGHT_PX)
        self.setMaximumHeight(EMPTY_HEIGHT_PX)
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
            self._layout = layout
            self._rebuild(sources)
            names = [name for name, _, _ in mixes]
            left = item.getAxis("left")
            left.setTicks([list(enumerate(names))])
            # as wide as the longest name from the start (pyqtgraph widens an axis only after a paint, cutting names)
            tick_font = QFontMetrics(left.style["tickFont"] or self.font())
            left.setWidth(max((tick_font.horizontalAdvance(n) for n in names), default=0) + AXIS_TEXT_PAD_PX)
            item.getViewBox().setYRange(-0.5, len(mixes) - 0.5, padding=0.02)
            self._place_legend(force=True)
        bottoms = [0.0] * len(mixes)
        rows_at = list(range(len(mixes)))
        self._segments = []
        for source in sources:
            heights = [_mw(mix.production_mw, source) for _, mix, _ in mixes]
            self._bars[source].setOpts(y=rows_at, x0=list(bottoms), width=heights, height=BAR_WIDTH)
            for i, ((region, mix, data_source), bottom, height) in enumerate(zip(mixes, bottoms, heights, strict=True)):
                if height > 0:
                    estimated = ", estimated" if mix.estimated else ""
                    text = (f"{region}: {source} {height:,.0f} MW\nat {mix.time:%Y-%m-%d %H:%M} UTC{estimated}\n"
                            f"data: {data_source}")  # fmt: skip
                    self._segments.append(_Segment(i, bottom, bottom + height, source, text))
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        self.bar_count = len(mixes)

    def segment_at(self, row: float, mw: float) -> str:
        """The hover text of the bar segment at `mw` along region `row` (0 = the first region), or ''."""
        segment = self._segment_at(row, mw)
        return segment.text if segment else ""

    def _segment_at(self, row: float, mw: float) -> _Segment | None:
        for segment in self._segments:
            if abs(row - segment.row) <= BAR_WIDTH / 2 and segment.bottom <= mw <= segment.top:
                return segment
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        """The segment under the mouse becomes its bars item's tooltip, which Qt shows on hover."""
        view = self.getPlotItem().getViewBox()
        segment = None
        if view.sceneBoundingRect().contains(scene_pos):
            point = view.mapSceneToView(scene_pos)
            segment = self._segment_at(point.y(), point.x())
        self.hover_text = segment.text if segment else ""
        if segment is not None:
            self._bars[segment.source].setToolTip(segment.text)

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        if hasattr(self, "_layout") and self.plotItem is not None:  # (pyqtgraph's __init__ resizes before ours ran)
            self._place_legend()

    def _place_legend(self, force: bool = False) -> None:
        """Lay the legend out in as many columns as fit under the bars, and ask for the height that shows every
        region's row and every legend row: a short tab scrolls the plots instead of cutting this one."""
        regions, sources = self._layout
        font = QFont(self.font())
        font.setPointSize(LEGEND_POINT_SIZE)
        widest = max((QFontMetrics(font).horizontalAdvance(s) for s in sources), default=0) + LEGEND_SWATCH_PX
        room = self.width() - self.getPlotItem().getAxis("left").width() - 2 * PLOT_MARGIN_PX
        columns = max(1, min(len(sources), int(room // widest))) if sources else 1
        if columns == self._legend_columns and not force:
            return
        self._legend_columns = columns
        # a new legend: pyqtgraph's setColumnCount re-adds the entries to a grid that keeps its old cells
        item = self.getPlotItem()
        item.layout.removeItem(self.legend)
        self.scene().removeItem(self.legend)
        self.legend = pg.LegendItem(colCount=columns, labelTextSize=f"{LEGEND_POINT_SIZE}pt")
        item.layout.addItem(self.legend, 4, 1)
        for source in sources:
            self.legend.addItem(self._bars[source], source)
        legend_rows = -(-len(sources) // columns)
        height = AXIS_AND_TITLE_PX + len(regions) * ROW_PX + legend_rows * LEGEND_ROW_PX
        self.setMinimumHeight(height if regions else EMPTY_HEIGHT_PX)
        self.setMaximumHeight(NO_MAXIMUM if regions else EMPTY_HEIGHT_PX)  # no bars: no empty box

    def _rebuild(self, sources: list[str]) -> None:
        item = self.getPlotItem()
        for bars in self._bars.values():
            item.removeItem(bars)
        self._bars = {}
        for source in sources:
            bars = pg.BarGraphItem(y=[], x0=[], width=[], height=BAR_WIDTH, brush=pg.mkBrush(source_color(source)),
                                   pen=pg.mkPen((255, 255, 255), width=0.5))  # fmt: skip
            item.addItem(bars)
            self._bars[source] = bars


def _mw(values: Mapping[str, float | None], source: str) -> float:
    value = values.get(source)
    return max(0.0, float(value)) if value is not None else 0.0

"""World map: land outline, one marker per region coloured by grid intensity and sized by score.

Plain data in (land rings, a ranking); a click on a marker emits the region's name.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QResizeEvent, QShowEvent

from carbon_gui.core.catalog import Region
from carbon_gui.core.scoring import Ranking
from carbon_gui.ui.plots.intensity_colors import INTENSITY_COLORMAP, INTENSITY_RANGE, intensity_color

MIN_SIZE, MAX_SIZE = 8.0, 26.0  # marker diameter in px for score 0 and 1


class WorldMap(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    regionClicked = Signal(str)

    def _show_world(self) -> None:
        """Every region in view: with the aspect locked, the view box widens whichever range the shape needs."""
        item = self.getPlotItem()
        if item is not None:  # None while PlotWidget's own constructor runs (it resizes before the plot exists)
            item.getViewBox().setRange(xRange=(-170, 180), yRange=(-60, 80), padding=0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show_world()  # a narrow window kept the latitudes and cut off Asia and Australia

    def __init__(self) -> None:
        super().__init__(background="w")
        item = self.getPlotItem()
        item.setAspectLocked(True)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setLabel("bottom", "longitude (°)")
        item.setLabel("left", "latitude (°)")
        self._show_world()
        self._land = pg.PlotCurveItem(
            pen=pg.mkPen((150, 150, 150), width=1), brush=pg.mkBrush(235, 235, 230), fillLevel=None
        )
        self.addItem(self._land)
        self._unranked = pg.ScatterPlotItem(size=7, pen=pg.mkPen((140, 140, 140)), brush=None, symbol="o")
        self.addItem(self._unranked)
        self._markers = pg.ScatterPlotItem(hoverable=True, tip=self._tip)
        self._markers.sigClicked.connect(self._on_click)
        self.addItem(self._markers)
        self._selection = pg.ScatterPlotItem(
            size=MAX_SIZE + 10, symbol="o", brush=None, pen=pg.mkPen((20, 20, 160), width=3)
        )
        self.addItem(self._selection)
        self._you = pg.ScatterPlotItem(size=14, symbol="star", brush=pg.mkBrush(30, 30, 30))
        self.addItem(self._you)
        bar = pg.ColorBarItem(values=INTENSITY_RANGE, colorMap=INTENSITY_COLORMAP, interactive=False, width=12,
                              label="grid intensity, gCO₂e/kWh")  # fmt: skip
        item.layout.addItem(bar, 2, 5)
        self.title = ""
        self._set_title("Google yearly averages")
        self._positions: dict[str, tuple[float, float]] = {}
        self._pending: tuple[Ranking, tuple[Region, ...]] | None = None
        self._selected: str | None = None
        self._labels: dict[str, str] = {}

    def set_land(self, rings: list[list[tuple[float, float]]]) -> None:
        """Draw every ring as one path: NaN-free, with 'connect' breaking between rings."""
        xs: list[float] = []
        ys: list[float] = []
        connect: list[int] = []
        for ring in rings:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
            connect.extend([1] * (len(ring) - 1) + [0])
        self._land.setData(np.array(xs), np.array(ys), connect=np.array(connect, dtype=np.int32))

    def set_you(self, lon: float, lat: float) -> None:
        self._you.setData([lon], [lat])

    def set_ranking(self, ranking: Ranking, regions: tuple[Region, ...], intensity_label: str) -> None:
        """Markers for the ranking; drawn when the map is next shown if it is hidden now.
        `intensity_label` names the figures the colours show, e.g. 'Google 2024 yearly averages'."""
        self._set_title(intensity_label)
        if not self.isVisible():
            self._pending = (ranking, regions)
            return
        self._pending = None
        self._draw(ranking, regions)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending is not None:
            ranking, regions = self._pending
            self._pending = None
            self._draw(ranking, regions)
            self.select(self._selected)

    def _draw(self, ranking: Ranking, regions: tuple[Region, ...]) -> None:
        xs, ys, sizes, brushes, names = [], [], [], [], []
        self._positions.clear()
        self._labels.clear()
        for s in ranking.ranked:
            region = s.facts.region
            if region.lat is None or region.lon is None:
                continue
            self._positions[region.name] = (region.lon, region.lat)
            self._labels[region.name] = (
                f"#{s.rank} {region.name} ({region.location})\n"
                f"{s.facts.intensity:.0f} gCO₂e/kWh · score {s.score * 100:.0f}\n"
                f"{s.facts.carbon.provenance.label()}"
            )
            xs.append(region.lon)
            ys.append(region.lat)
            sizes.append(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * s.score)
            brushes.append(pg.mkBrush(QColor(*intensity_color(s.facts.intensity))))
            names.append(region.name)
        self._markers.setData(x=xs, y=ys, size=sizes, brush=brushes, data=names, symbol="o", pen=pg.mkPen(60, 60, 60))
        ranked = {s.name for s in ranking.ranked}
        others = [r for r in regions if r.name not in ranked and r.lat is not None and r.lon is not None]
        self._unranked.setData([r.lon for r in others], [r.lat for r in others])

    def _set_title(self, intensity_label: str) -> None:
        """The title names the figures the colours show: the colour bar is too short for them."""
        # two lines: one line was wider than the map at 1024 px and pushed the map's right side out of view
        title = f"colour: grid intensity ({intensity_label})<br>size: score · hollow ring: not ranked · ★ you"
        if title != self.title:
            self.title = title
            self.getPlotItem().setTitle(title, size="9pt")

    def select(self, region: str | None) -> None:
        self._selected = region
        position = self._positions.get(region or "")
        self._selection.setData([position[0]] if position else [], [position[1]] if position else [])

    def marker_position(self, region: str) -> tuple[float, float] | None:
        return self._positions.get(region)

    def _tip(self, x: float, y: float, data: object) -> str:
        return self._labels.get(str(data), str(data))

    def _on_click(self, _item: pg.ScatterPlotItem, points: list[pg.SpotItem], _event: object) -> None:
        if len(points):
            self.regionClicked.emit(str(points[0].data()))

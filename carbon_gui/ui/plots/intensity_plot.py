"""Carbon intensity over time for several regions: history solid, forecast (or replayed hours)
dashed, a 'now' line, estimated points drawn hollow. Hover a point for its value and source.
After a When plan, each plotted region it planned shows its forecast interval as a faint band."""

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from carbon_gui.core.signals import GridSignal, SignalPoint

PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip
QUANTITY, UNIT = "carbon intensity", "gCO₂e/kWh"


def _xy(points: tuple[SignalPoint, ...]) -> tuple[list[float], list[float]]:
    known = [p for p in points if p.value is not None]
    return [p.time.timestamp() for p in known], [float(p.value) for p in known if p.value is not None]


class IntensityPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    """Updated in place (setData on kept items): rebuilding the items on every data burst cost ~150 ms."""

    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        item = self.getPlotItem()
        item.setLabel("left", QUANTITY, units=UNIT)
        item.getAxis("left").geometryChanged.connect(self._fit_left_title)
        item.setLabel("bottom", "time (UTC)")
        item.showGrid(x=True, y=True, alpha=0.2)
        item.getAxis("left").enableAutoSIPrefix(False)
        # The legend sits in its own row under the time axis, so it never hides a curve and a narrow window does
        # not cut it off (a column right of the plot did, at 1024 px).
        self.legend = pg.LegendItem(colCount=3)
        item.layout.addItem(self.legend, 4, 1)
        self._now = pg.InfiniteLine(angle=90, pen=pg.mkPen((80, 80, 80), style=Qt.PenStyle.DotLine),
                                    label="now", labelOpts={"position": 0.95, "color": (60, 60, 60)})  # fmt: skip
        item.addItem(self._now)
        self._points = pg.ScatterPlotItem(hoverable=True, tip=lambda x, y, data: str(data))
        item.addItem(self._points)
        self._curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}  # label -> (history, forecast)
        self._title = ""
        self.series_count = 0
        self._bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # label -> (x, low, high)
        self.band_items: dict[str, pg.FillBetweenItem] = {}

    def _fit_left_title(self) -> None:
        """The left axis's title, centred on the axis, is cut at the widget's edges when longer than the plot is high
        (at 1024 x 640 in live mode the plot is ~200 px, the full title ~180 px on an axis of ~70): then the unit
        alone, which the plot's title and the tooltips complete."""
        axis = self.getPlotItem().getAxis("left")
        full = f"{QUANTITY} ({UNIT})"
        length = QFontMetricsF(axis.label.font()).horizontalAdvance(full) + 2 * axis.label.document().documentMargin()
        centre = self.mapFromScene(axis.parentItem().mapRectToScene(axis.geometry()).center()).y()  # (not its grid)
        fits = centre - length / 2 >= 0 and centre + length / 2 <= self.height()
        quantity, unit = (QUANTITY, UNIT) if fits else (UNIT, "")
        if axis.labelText != quantity:
            axis.setLabel(quantity, units=unit)

    def set_bands(self, bands: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Forecast intervals by label: x (UTC seconds), low and high (gCO₂e/kWh); drawn for the plotted labels."""
        self._bands = dict(bands)
        self._draw_bands()

    def _draw_bands(self) -> None:
        item = self.getPlotItem()
        for band in self.band_items.values():
            item.removeItem(band)
        self.band_items = {}
        for index, label in enumerate(self._curves):
            if label in self._bands:
                x, low, high = self._bands[label]
                color = PALETTE[index % len(PALETTE)]
                edges = pg.PlotDataItem(x, low), pg.PlotDataItem(x, high)
                band = pg.FillBetweenItem(*edges, brush=pg.mkBrush(*color, 40))
                band.setZValue(-10)  # under the curves
                item.addItem(band)
                self.band_items[label] = band
        self._show_title()

    def _show_title(self) -> None:
        note = "<br>shaded: forecast interval from the When plan (estimate)" if self.band_items else ""
        item = self.getPlotItem()
        title = self._title + note
        item.setTitle(title or None, size="9pt")  # None hides the row; "" would keep an empty 30 px
        if title:  # pyqtgraph fixes the title row at 30 px, which cuts a note of more than one line
            height = max(30.0, item.titleLabel.item.boundingRect().height())
            item.titleLabel.setMaximumHeight(height)
            item.layout.setRowFixedHeight(0, height)

    def set_signals(self, signals: list[tuple[str, GridSignal]], now: datetime, title: str) -> None:
        if title != self._title:
            self._title = title
            self._show_title()
        labels = [label for label, _ in signals]
        if labels != list(self._curves):
            self._rebuild_curves(labels)
        markers = _Markers()
        self.series_count = 0
        for index, (label, signal) in enumerate(signals):
            history_curve, forecast_curve = self._curves[label]
            history = signal.history + ((signal.latest,) if signal.latest else ())
            hx, hy = _xy(history)
            fx, fy = _xy(signal.forecast)
            history_curve.setData(hx, hy)
            forecast_curve.setData(fx, fy)
            self.series_count += 1 if hx or fx else 0
            markers.add(label, signal, index)
        self._points.setData(x=markers.x, y=markers.y, brush=markers.brushes, pen=markers.pens, data=markers.tips,
                             size=5)  # fmt: skip
        self._now.setValue(now.timestamp())
        plotted = self.series_count > 0  # nothing to plot: the title says why; no 0-1 scale over a 1-second time axis
        for axis in ("left", "bottom"):
            self.getPlotItem().showAxis(axis, plotted)
        self._now.setVisible(plotted)

    def _rebuild_curves(self, labels: list[str]) -> None:
        item = self.getPlotItem()
        for history_curve, forecast_curve in self._curves.values():
            item.removeItem(history_curve)
            item.removeItem(forecast_curve)
        self.legend.clear()
        self._curves = {}
        for index, label in enumerate(labels):
            color = PALETTE[index % len(PALETTE)]
            history_curve = item.plot([], [], pen=pg.mkPen(color, width=2))
            forecast_curve = item.plot([], [], pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
            self.legend.addItem(history_curve, label)
            self._curves[label] = (history_curve, forecast_curve)
        self._draw_bands()


_PENS = [pg.mkPen(c) for c in PALETTE]
_BRUSHES = [pg.mkBrush(c) for c in PALETTE]
_HOLLOW = pg.mkBrush(None)


class _Markers:
    """Hover markers for every plotted point, as arrays (pyqtgraph's per-spot dicts are ~10× slower).
    Estimated points are hollow."""

    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []
        self.brushes: list[object] = []
        self.pens: list[object] = []
        self.tips: list[str] = []

    def add(self, label: str, signal: GridSignal, index: int) -> None:
        pen, brush = _PENS[index % len(PALETTE)], _BRUSHES[index % len(PALETTE)]
        kinds = ((signal.history, "history"), (signal.forecast, "replayed hour" if signal.is_replay else "forecast"))
        for points, what in kinds:
            for p in points:
                if p.value is None:
                    continue
                self.x.append(p.time.timestamp())
                self.y.append(p.value)
                self.pens.append(pen)
                self.brushes.append(_HOLLOW if p.estimated else brush)
                status = "estimated" if p.estimated else "measured"
                self.tips.append(
                    f"{label}: {p.value:.0f} gCO₂e/kWh at {p.time:%Y-%m-%d %H:%M} UTC\n"
                    f"{what}, {status} · {signal.source} ({signal.kind.value})"
                )

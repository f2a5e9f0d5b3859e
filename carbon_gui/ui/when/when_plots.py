"""The When view's plots: expected emissions per (region, start hour) as a heatmap with a colour bar, and one
region's hourly intensity with its forecast band and the chosen run window shaded."""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import DAY_SPACING, TickSpec, ZoomLevel, makeSStepper
from PySide6.QtCore import QEvent, QPointF, QRectF
from PySide6.QtGui import QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import QToolTip

from carbon_gui.time_planning import RegionWhen, TimePlan

HOUR_S = 3600.0
BEST_BRUSH = pg.mkBrush(255, 255, 255)
BEST_PEN = pg.mkPen((0, 0, 0), width=1.5)
INTENSITY_COLOR = (31, 119, 180)


def _time_axis() -> pg.DateAxisItem:
    """A UTC time axis whose day ticks name the weekday: where the plot is narrow (1024 px windows) pyqtgraph labels
    days by number alone ("07"), which reads as an hour."""
    axis = pg.DateAxisItem(utcOffset=0)
    day = DAY_SPACING
    axis.zoomLevels[5 * day] = ZoomLevel([TickSpec(day, makeSStepper(day), "%a %d", autoSkip=[1, 2, 7])], "Mon 07")
    return axis


class EmissionsHeatmap(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    """Rows: regions in the plan's order (best first, at the top); columns: start hours (UTC). Unknown cells (a
    window the data does not cover) stay blank. The best (region, start) is starred. Where the rows are lower than
    a line of text, only every n-th region is named (the best one always); hovering a cell names its region."""

    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"bottom": _time_axis()})
        item = self.getPlotItem()
        item.setLabel("bottom", "start time (UTC)")
        item.setLabel("left", "region")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.getAxis("left").setTicks([[]])  # region names once planned; no numbers before
        item.setTitle("No plan yet", size="9pt")
        item.invertY(True)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=14,
                                          label="kg CO₂e (estimate)")  # fmt: skip
        self.colour_bar.setImageItem(self.image, insert_in=item)
        self.best_marker = pg.ScatterPlotItem(symbol="star", size=16, brush=BEST_BRUSH, pen=BEST_PEN)
        item.addItem(self.best_marker)
        self.regions: list[str] = []
        self._grid = np.empty((0, 0))
        self._x0 = 0.0
        item.getViewBox().sigResized.connect(self._name_rows)

    def set_plan(self, plan: TimePlan) -> None:
        item = self.getPlotItem()
        shown = [w for w in plan.regions if w.best is not None]  # every planned region has one; the filter is for mypy
        self.regions = [w.facts.region.name for w in shown]
        rows = [plan.shift.emissions_kg[w.best.region] for w in shown if w.best is not None]
        grid = np.array(rows, dtype=float).reshape(len(rows), plan.shift.starts_h.size)
        x0 = plan.grid_start.timestamp()
        self.image.setImage(grid, autoLevels=False)
        self.image.setRect(QRectF(x0, 0.0, grid.shape[1] * HOUR_S, max(1, grid.shape[0])))
        known = grid[np.isfinite(grid)]
        if known.size:
            low, high = float(known.min()), float(known.max())
            self.colour_bar.setLevels((low, high if high > low else low + 1e-9))
        self._grid, self._x0 = grid, x0
        self._name_rows()
        # a short title: it sets the plot's minimum width; at 1024 px a longer one pushed the colour bar out of view
        item.setTitle(f"{plan.run_hours:g} h run ★ best", size="9pt")
        item.setXRange(x0, x0 + grid.shape[1] * HOUR_S, padding=0)
        item.setYRange(0, max(1, grid.shape[0]), padding=0)
        best = plan.best.best if plan.best is not None else None
        if best is not None:
            self.best_marker.setData([x0 + (best.start_h + 0.5) * HOUR_S], [0.5])  # the best region is row 0
        else:
            self.best_marker.setData([], [])

    def _name_rows(self) -> None:
        """Name every n-th row, n chosen so that the names are a text line apart at the plot's present height."""
        axis = self.getPlotItem().getAxis("left")
        row_px = self.getPlotItem().getViewBox().height() / max(1, len(self.regions))
        line_px = QFontMetricsF(axis.style["tickFont"] or self.font()).height()
        step = max(1, math.ceil(line_px / row_px)) if row_px > 0 else 1
        axis.setTicks([[(i + 0.5, name) for i, name in enumerate(self.regions) if i % step == 0]])
        axis.setLabel("region" if step == 1 else f"region (1 in {step})")  # the rest in the tooltips

    def cell_text(self, scene_pos: QPointF) -> str:
        """The region, start and expected emissions of the cell at `scene_pos`; "" outside the cells."""
        view_box = self.getPlotItem().getViewBox()
        point = view_box.mapSceneToView(scene_pos)
        row, col = math.floor(point.y()), math.floor((point.x() - self._x0) / HOUR_S)
        inside = view_box.sceneBoundingRect().contains(scene_pos)  # not over an axis or the colour bar
        if not inside or not (0 <= row < self._grid.shape[0] and 0 <= col < self._grid.shape[1]):
            return ""
        start = datetime.fromtimestamp(self._x0 + col * HOUR_S, UTC)
        value = self._grid[row, col]
        emissions = f"{value:.3g} kg CO₂e (estimate)" if np.isfinite(value) else "no data for this start"
        return f"{self.regions[row]}, start {start:%a %H:%M} UTC: {emissions}"

    def viewportEvent(self, event: QEvent) -> bool:
        # Qt asks for a tooltip where the mouse rests (pyqtgraph's own move signal drops fast moves)
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.cell_text(self.mapToScene(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return bool(super().viewportEvent(event))


class WindowPlot(pg.PlotWidget):  # type: ignore[misc]
    """One region's hourly intensity (expected line, low-high band) with the chosen run window shaded."""

    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"bottom": _time_axis()})
        item = self.getPlotItem()
        item.setLabel("left", "intensity", units="gCO₂e/kWh")  # short: whole on a 1024 × 640 window's short plot
        item.setLabel("bottom", "time (UTC)")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        self.window = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(44, 160, 44, 60),
                                          pen=pg.mkPen((44, 160, 44)))  # fmt: skip
        item.addItem(self.window)
        self.window.setVisible(False)  # until a plan chooses a run
        item.setTitle("No plan yet", size="9pt")
        self.low = pg.PlotDataItem(pen=pg.mkPen(None))
        self.high = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(*INTENSITY_COLOR, 50))
        item.addItem(self.band)
        self.expected = item.plot([], [], pen=pg.mkPen(INTENSITY_COLOR, width=2), stepMode="center")
        # No legend: the view's caption says what line, band and shading are (a legend column was clipped at 1024 px,
        # and pyqtgraph's legend cannot draw a FillBetweenItem or a LinearRegionItem: painting one crashed)

    def set_region(self, plan: TimePlan, where: RegionWhen) -> None:
        series = where.series
        hours = series.expected.size
        edges = plan.grid_start.timestamp() + HOUR_S * np.arange(hours + 1)
        self.expected.setData(edges, series.expected)
        centres = edges[:-1] + HOUR_S / 2  # the band's points at mid-hour, under the steps
        self.low.setData(centres, series.low)
        self.high.setData(centres, series.high)
        window = where.best
        if window is not None:
            start = plan.start_time(window)
            self.window.setRegion((start.timestamp(), (start + timedelta(hours=plan.run_hours)).timestamp()))
        self.window.setVisible(window is not None)
        # a short title: a long one sets the plot's minimum width and pushes it out of a 1024 px window
        self.getPlotItem().setTitle(where.facts.region.name, size="9pt")  # the caption says it is an estimate
        self.getPlotItem().setXRange(edges[0], edges[-1], padding=0.01)

"""Carbon intensity over time for several regions: history solid, forecast (or replayed hours)
dashed, a 'now' line, estimated points drawn hollow. Hover a point for its value and source."""

from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import Qt

from carbon_gui.core.signals import GridSignal, SignalPoint

PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip


def _xy(points: tuple[SignalPoint, ...]) -> tuple[list[float], list[float]]:
    known = [p for p in points if p.value is not None]
    return [p.time.timestamp() for p in known], [float(p.value) for p in known if p.value is not None]


class IntensityPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        item = self.getPlotItem()
        item.setLabel("left", "carbon intensity", units="gCO₂e/kWh")
        item.setLabel("bottom", "time (UTC)")
        item.showGrid(x=True, y=True, alpha=0.2)
        item.getAxis("left").enableAutoSIPrefix(False)
        self.legend = item.addLegend(offset=(10, 10))
        self._now = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen((80, 80, 80), style=Qt.PenStyle.DotLine),
            label="now",
            labelOpts={"position": 0.95, "color": (60, 60, 60)},
        )
        self.series_count = 0

    def set_signals(self, signals: list[tuple[str, GridSignal]], now: datetime, title: str) -> None:
        item = self.getPlotItem()
        item.clear()
        self.legend.clear()
        item.setTitle(title, size="9pt")
        self.series_count = 0
        for index, (label, signal) in enumerate(signals):
            color = PALETTE[index % len(PALETTE)]
            pen = pg.mkPen(color, width=2)
            history = signal.history + ((signal.latest,) if signal.latest else ())
            hx, hy = _xy(history)
            if hx:
                item.plot(hx, hy, pen=pen, name=label)
                self.series_count += 1
            fx, fy = _xy(signal.forecast)
            if fx:
                dashed = pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine)
                item.plot(fx, fy, pen=dashed, name=None if hx else label)
                self.series_count += 0 if hx else 1
            self._add_points(label, signal, color)
        self._now.setValue(now.timestamp())
        item.addItem(self._now)

    def _add_points(self, label: str, signal: GridSignal, color: tuple[int, int, int]) -> None:
        """Markers carry the hover text; estimated points are hollow."""
        spots = []
        kinds = ((signal.history, "history"), (signal.forecast, "replayed hour" if signal.is_replay else "forecast"))
        for points, what in kinds:
            for p in points:
                if p.value is None:
                    continue
                status = "estimated" if p.estimated else "measured"
                spots.append({
                    "pos": (p.time.timestamp(), p.value),
                    "brush": None if p.estimated else pg.mkBrush(color),
                    "pen": pg.mkPen(color),
                    "size": 5,
                    "data": f"{label}: {p.value:.0f} gCO₂e/kWh at {p.time:%Y-%m-%d %H:%M} UTC\n"
                            f"{what}, {status} · {signal.source} ({signal.kind.value})",
                })  # fmt: skip
        scatter = pg.ScatterPlotItem(spots=spots, hoverable=True, tip=lambda x, y, data: str(data))
        self.getPlotItem().addItem(scatter)

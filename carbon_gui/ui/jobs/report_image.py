"""A job report's plot as a PNG: each region's hourly intensity (expected line, low-high band) over the hours the
report planned, the job's run shaded, and its alternatives marked. pyqtgraph's ImageExporter renders it; the CLI
calls `save_report_png` without a window (an offscreen QApplication is made when there is none)."""

import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carbon_gui.job_reports import JobReport

SIZE = (1200, 640)  # pixels of the exported image
LEFT_AXIS_WIDTH = 70  # pixels
LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
RUN_BRUSH = (31, 119, 180, 50)
ALTERNATIVE_PENS = ("#ff7f0e", "#2ca02c", "#8c564b")
ALTERNATIVE_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
CAPTION_WIDTH = SIZE[0] - 40  # pixels: the caption wraps within the picture
_made_app: QApplication | None = None  # the application save_report_png made, when there was none


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def report_plot(report: JobReport) -> pg.GraphicsLayoutWidget:
    """The plot widget (not shown): intensity curves with bands, the run's span, the alternatives' starts."""
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # laid out at SIZE, never on screen
    widget.resize(*SIZE)
    widget.show()
    plot = widget.addPlot(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
    plot.setTitle(f"{report.job.id}: grid carbon intensity over the run (estimate)", color="k", size="12pt")
    plot.setLabel("left", "gCO₂e/kWh", color="k")
    # pyqtgraph widens an axis for its numbers only after a paint, which the export never repeats: the title was
    # drawn over the numbers. Room for four digits beside the title.
    plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    plot.setLabel("bottom", "UTC", color="k")
    plot.showGrid(x=True, y=True, alpha=0.2)
    legend = plot.addLegend(offset=(-10, 10), labelTextColor="k", brush=pg.mkBrush(255, 255, 255, 220))
    for colour, curve in zip(LINE_COLOURS, report.curves, strict=False):
        x = [_epoch(t) for t in curve.times] + [_epoch(curve.times[-1]) + 3600]
        band_colour = pg.mkColor(colour)
        band_colour.setAlpha(45)
        low = plot.plot(x, [*curve.low, curve.low[-1]], stepMode="right", pen=pg.mkPen(band_colour))
        high = plot.plot(x, [*curve.high, curve.high[-1]], stepMode="right", pen=pg.mkPen(band_colour))
        plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(band_colour)))
        plot.plot(x, [*curve.expected, curve.expected[-1]], stepMode="right", pen=pg.mkPen(colour, width=2),
                  name=curve.region + (" (band: interval)" if curve.low != curve.high else ", observed"))  # fmt: skip
    run = pg.LinearRegionItem((_epoch(report.start), _epoch(report.end)), movable=False, brush=pg.mkBrush(*RUN_BRUSH))
    plot.addItem(run)
    legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=pg.mkBrush(*RUN_BRUSH)),
                   f"the run: {report.accounting.operational_kg:.3g} kg CO₂e")  # fmt: skip
    # Alternatives that start at the same moment share the height of the plot, one segment each (drawn whole, the
    # last one hid the others), and each has its own dash style as well as its colour.
    sharing = Counter(a.start for a in report.alternatives)
    drawn: Counter[datetime] = Counter()
    for colour, style, alternative in zip(ALTERNATIVE_PENS, ALTERNATIVE_STYLES, report.alternatives, strict=False):
        pen = pg.mkPen(colour, width=2, style=style)
        share, k = sharing[alternative.start], drawn[alternative.start]
        drawn[alternative.start] += 1
        plot.addItem(pg.InfiniteLine(_epoch(alternative.start), pen=pen, span=(k / share, (k + 1) / share)))
        legend.addItem(pg.PlotDataItem([0], [0], pen=pen), f"{alternative.what} ({alternative.region}): "
                       f"{alternative.accounting.operational_kg:.3g} kg CO₂e")  # fmt: skip
    first = min(_epoch(c.times[0]) for c in report.curves)
    last = max(_epoch(c.times[-1]) + 3600 for c in report.curves)
    plot.setXRange(first, last, padding=0.01)
    top = max(max(c.high) for c in report.curves)
    plot.setYRange(0, top * 1.45, padding=0)  # room above the curves for the legend
    widget.nextRow()
    caption = widget.addLabel(_caption(report), color="k", size="8pt", justify="left")
    caption.item.setTextWidth(CAPTION_WIDTH)
    caption.updateMin()  # the wrapped height, so the layout gives the caption its room
    plot.layout.activate()  # the axis width now, not on a later event the export never waits for
    return widget


def _caption(report: JobReport) -> str:
    """Where each region's hours came from (each alternative is in one of these regions). Plain text: a source
    read from a provider is not markup."""
    import html

    return "<br>".join(html.escape(f"Hourly data, {curve.region}: {curve.source}") for curve in report.curves)


def save_report_png(report: JobReport, path: Path) -> None:
    """Write the report's plot to `path` as a PNG of SIZE pixels."""
    global _made_app
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the CLI has no window and maybe no display
        _made_app = QApplication([])  # kept for the process's life: a collected QApplication takes Qt down with it
    widget = report_plot(report)
    exporter = ImageExporter(widget.scene())
    exporter.parameters()["width"] = SIZE[0]
    exporter.export(str(path))
    widget.deleteLater()

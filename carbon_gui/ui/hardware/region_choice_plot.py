"""Carbon by region: in each selected region alone, the carbon-optimal hardware (within the same limits) and its
CO2e, as horizontal bars coloured by hardware and as a table. An estimate: the surrogates' energy x the region's
PUE x the planner's grid intensity (yearly, live or forecast)."""

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from carbon_gui.core.dimensioning.answer import Answer
from carbon_gui.core.dimensioning.regional import RegionCarbon
from carbon_gui.ui.hardware.constraint_editor import target_unit

# Colour-blind-safe (Okabe-Ito), one per hardware platform in the order they first appear.
HARDWARE_COLORS = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233), (213, 94, 0),
                   (240, 228, 66), (0, 0, 0)]  # fmt: skip
BAR_HEIGHT = 0.6
SAME_EVERYWHERE = (
    " The same hardware wins in every region: a grid's intensity and PUE scale every platform's energy alike, so "
    "only the limits (e.g. on cost(USD), priced per region) can make the choice depend on the region."
)
COLUMNS = ("region", "hardware", "CO₂e estimate", "grid intensity", "PUE", "configuration")


class RegionCarbonPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    """One horizontal bar per region, lowest CO2e on top, coloured by hardware; each hardware is named at the end of
    its first bar (no legend to cover a bar)."""

    def __init__(self) -> None:
        super().__init__(background="w")
        item = self.getPlotItem()
        item.showGrid(x=True, alpha=0.2)
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.labels: list[pg.TextItem] = []

    def show_bars(self, rows: list[tuple[str, str, float]], target: str) -> None:
        """`rows`: (region, hardware, CO2e) sorted by CO2e, lowest first."""
        item = self.getPlotItem()
        for old in [*self.bars.values(), *self.labels]:
            item.removeItem(old)
        self.bars, self.labels = {}, []
        item.setTitle(f"Carbon-optimal hardware by region: {target}, estimate" if rows else "", size="9pt")
        item.setLabel("bottom", f"{target} (surrogate prediction x the planner's grid figure)")
        count = len(rows)
        hardware = dict.fromkeys(hw for _, hw, _ in rows)
        colors = {hw: HARDWARE_COLORS[i % len(HARDWARE_COLORS)] for i, hw in enumerate(hardware)}
        for hw, color in colors.items():
            mine = [(count - 1 - i, value) for i, (_, h, value) in enumerate(rows) if h == hw]
            bars = pg.BarGraphItem(x0=0, y=[y for y, _ in mine], width=[v for _, v in mine], height=BAR_HEIGHT,
                                   brush=pg.mkBrush(*color), pen=pg.mkPen(None), name=hw)  # fmt: skip
            item.addItem(bars)
            self.bars[hw] = bars
        for hw in colors:  # named once, at its first bar: a text item per bar costs ~1 ms (44 regions: a stall)
            i, value = next((i, value) for i, (_, h, value) in enumerate(rows) if h == hw)
            label = pg.TextItem(f" {hw}", color=colors[hw], anchor=(0, 0.5))
            label.setPos(value, count - 1 - i)
            item.addItem(label)
            self.labels.append(label)
        axis = item.getAxis("left")
        axis.setTicks([[(count - 1 - i, region) for i, (region, _, _) in enumerate(rows)]])
        longest = max((region for region, _, _ in rows), key=len, default="")
        axis.setWidth(QFontMetrics(axis.font()).horizontalAdvance(longest) + 20)  # region names are never cut
        if rows:
            item.setYRange(-0.6, count - 0.4, padding=0)
            longest_name = max(len(hw) for _, hw, _ in rows)
            room = 1.15 + 0.025 * longest_name  # the hardware name after the longest bar
            item.setXRange(0, (max(v for _, _, v in rows) or 1.0) * room, padding=0)


class RegionChoice(QWidget):
    """The plot above, the table below; a caption says what the figures are and where they come from."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.plot = RegionCarbonPlot()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line per region; a narrow window scrolls sideways
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Carbon-optimal hardware by region")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        splitter.setSizes([300, 160])
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(splitter, 1)

    def show_answers(self, by_region: dict[str, Answer], regions: list[RegionCarbon], target: str) -> None:
        figures = {r.region: r for r in regions}
        unit = target_unit(target)
        solved = sorted(
            ((region, a) for region, a in by_region.items() if a.feasible and a.hardware is not None),
            key=lambda pair: (pair[1].predicted.get(target, 0.0), pair[0]),
        )
        rows = [(region, a.hardware or "", a.predicted.get(target, 0.0)) for region, a in solved]
        unsolved = [region for region, a in by_region.items() if not (a.feasible and a.hardware is not None)]
        self.plot.show_bars(rows, target)
        self.plot.setVisible(bool(rows))  # never an empty plot: the caption says why there are no bars
        self.table.setRowCount(0)
        self.table.setVisible(bool(by_region))
        self.table.setUpdatesEnabled(False)
        for region, answer in [*solved, *((r, by_region[r]) for r in unsolved)]:
            figure = figures.get(region)
            config = ", ".join(f"{k}={v}" for k, v in answer.configuration.items())
            value = answer.predicted.get(target)
            cells = (
                region,
                answer.hardware or "no feasible configuration",
                "–" if value is None else f"{value:.4g} {unit}".strip(),
                "–" if figure is None else f"{figure.intensity_gco2_kwh:g} gCO₂e/kWh",
                "–" if figure is None else f"{figure.pue:g}",
                config,
            )
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if figure is not None:
                    cell.setToolTip(figure.source)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()  # once: resizing to contents per cell set took 60-90 ms for 44 regions
        self.table.setUpdatesEnabled(True)
        if not by_region:
            self.caption.setText(
                "Tick regions under 'Pick the region too' and Optimise: this shows, for each region alone, the "
                "hardware and configuration with the least CO₂e within the same limits."
            )
            return
        sources = "; ".join(dict.fromkeys(r.source for r in regions))
        self.caption.setText(
            f"For each region alone, the hardware and configuration with the least {target} within the same limits. "
            f"An estimate: the surrogates' predicted energy x the region's PUE x its grid intensity ({sources})."
            + (f" No feasible configuration in: {', '.join(unsolved)}." if unsolved else "")
            + (SAME_EVERYWHERE if len(solved) > 1 and len({a.hardware for _, a in solved}) == 1 else "")
        )

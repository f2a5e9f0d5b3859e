"""One surrogate across one hyperparameter: the measured runs (scatter) and the tree's prediction (step line), the
other hyperparameters fixed at chosen values. The legend sits in its own row under the plot, never over the data.

The prediction walks the plain-array tree (`Surrogate.tree.predict`): no scikit-learn here.
"""

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from carbon_gui.core.dimensioning.dataset import BenchmarkSet, FloatArray, Platform
from carbon_gui.core.dimensioning.surrogate import Surrogate, segment_starts
from carbon_gui.dimensioning.fitting import Surrogates

MEASURED = "measured (raw runs)"
PREDICTED = "surrogate (the model's prediction)"
MAX_FIXED_CHOICES = 500  # a fixed value's combo lists at most this many of the values that were run


def step_edges(values: FloatArray) -> FloatArray:
    """Bin edges around sorted distinct values (midpoints; half a gap beyond each end), for a centred step line."""
    if len(values) == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    middle = (values[:-1] + values[1:]) / 2
    first = values[0] - (middle[0] - values[0])
    last = values[-1] + (values[-1] - middle[-1])
    return np.concatenate(([first], middle, [last]))


def value_label(value: float) -> str:
    """A hyperparameter's value in full (the shortest text that reads back as the same float): 3, 0.0012345678."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


class SurrogatePlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: BenchmarkSet | None = None
        self._surrogates: Surrogates | None = None
        self._source = ""
        self.hardware = QComboBox()
        self.hardware.setObjectName("plotHardware")
        self.target = QComboBox()
        self.target.setObjectName("plotTarget")
        self.axis = QComboBox()
        self.axis.setObjectName("plotAxis")
        pickers = QHBoxLayout()
        pairs = (("Hardwar&e:", self.hardware), ("Tar&get:", self.target), ("Along the &x axis:", self.axis))
        for text, combo in pairs:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # never clip a name
            label = QLabel(text)
            label.setBuddy(combo)
            pickers.addWidget(label)
            pickers.addWidget(combo, 1)
        self.fixed_form = QFormLayout()  # one combo per other hyperparameter: the value it is held at
        self.fixed: dict[str, QComboBox] = {}

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("surrogateGraphics")
        self.graphics.setBackground("w")
        self.plot_item: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot_item.showGrid(x=True, y=True, alpha=0.3)
        for side in ("left", "bottom"):  # no "(x0.001)" beside a label that already names its unit
            self.plot_item.getAxis(side).enableAutoSIPrefix(False)
        self.legend = pg.LegendItem(colCount=2, labelTextColor="k")
        self.graphics.addItem(self.legend, row=1, col=0)  # a row of its own: it cannot cover the data
        self.measured = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(30, 100, 200, 110), pen=None, name=MEASURED)
        self.predicted = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(200, 60, 20, width=2.5), name=PREDICTED)
        self.plot_item.addItem(self.measured)
        self.plot_item.addItem(self.predicted)
        self.legend.addItem(self.measured, MEASURED)
        self.legend.addItem(self.predicted, PREDICTED)
        self.caption = QLabel()
        self.caption.setObjectName("plotCaption")
        self.caption.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addLayout(self.fixed_form)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.caption)
        for combo in (self.hardware, self.target):
            combo.currentIndexChanged.connect(self.redraw)
        self.axis.currentIndexChanged.connect(self._rebuild_fixed)
        self.clear()

    # ----- inputs --------------------------------------------------------------------------
    def set_fitted(self, data: BenchmarkSet, surrogates: Surrogates, source: str) -> None:
        self._data, self._surrogates, self._source = data, surrogates, source
        hardware = sorted({h for h, _ in surrogates.by_key})
        targets = list(dict.fromkeys(t for _, t in surrogates.by_key))
        names = [h.name for h in data.platforms[0].hyperparameters]
        self._refill(self.hardware, [h for h in data.hardware if h in hardware])
        self._refill(self.target, targets)
        self._refill(self.axis, names)
        self._rebuild_fixed()

    def clear(self) -> None:
        self._data = self._surrogates = None
        for combo in (self.hardware, self.target, self.axis):
            self._refill(combo, [])
        self._rebuild_fixed()

    def select(self, hardware: str, target: str) -> None:
        """Show this surrogate (a row picked in the models table)."""
        self.hardware.setCurrentText(hardware)
        self.target.setCurrentText(target)

    @staticmethod
    def _refill(combo: QComboBox, items: list[str]) -> None:
        combo.blockSignals(True)
        current = combo.currentText()
        combo.clear()
        combo.addItems(items)
        if current in items:
            combo.setCurrentText(current)
        combo.setMinimumWidth(combo.sizeHint().width())  # its minimum hint ignores the names: a tight row cut them
        combo.blockSignals(False)

    def _rebuild_fixed(self) -> None:
        while self.fixed_form.rowCount():
            self.fixed_form.removeRow(0)
        self.fixed = {}
        platform = self._platform()
        if platform is not None:
            for index, spec in enumerate(platform.hyperparameters):
                if spec.name == self.axis.currentText():
                    continue
                values = np.unique(platform.inputs[:, index])[:MAX_FIXED_CHOICES]
                combo = QComboBox()
                combo.setObjectName(f"fixed_{spec.name}")
                for value in values:
                    combo.addItem(value_label(float(value)), float(value))  # the data: the exact value run
                combo.setCurrentIndex(len(values) // 2)  # the middle value run
                combo.currentIndexChanged.connect(self.redraw)
                self.fixed_form.addRow(f"{spec.name} held at:", combo)
                self.fixed[spec.name] = combo
        self.redraw()

    def _platform(self) -> Platform | None:
        if self._data is None or not self.hardware.currentText():
            return None
        return self._data.platform(self.hardware.currentText())

    def _surrogate(self) -> Surrogate | None:
        if self._surrogates is None:
            return None
        return self._surrogates.get(self.hardware.currentText(), self.target.currentText())

    # ----- drawing -------------------------------------------------------------------------
    def _show_frame(self, shown: bool) -> None:
        for side in ("left", "bottom"):
            self.plot_item.showAxis(side, shown)
        self.plot_item.showGrid(x=shown, y=shown, alpha=0.3)
        self.legend.setVisible(shown)

    def redraw(self) -> None:
        platform, surrogate = self._platform(), self._surrogate()
        if platform is None or surrogate is None or not self.axis.currentText():
            self.measured.setData([], [])
            self.predicted.setData([], [])
            self.plot_item.setTitle("")
            self._show_frame(False)  # nothing to show: no made-up 0-1 axes, no legend of nothing
            self.caption.setText("Fit the models to see each one against the measured runs.")
            return
        self._show_frame(True)
        names = [h.name for h in platform.hyperparameters]
        axis = names.index(self.axis.currentText())
        fixed = {names.index(name): float(combo.currentData()) for name, combo in self.fixed.items() if combo.count()}
        # the measured runs at the fixed values (exactly: they are values that were run)
        rows = np.ones(platform.runs, dtype=bool)
        for index, value in fixed.items():
            rows &= platform.inputs[:, index] == value
        x_runs = platform.inputs[rows, axis]
        y_runs = platform.targets[surrogate.target][rows]
        domain = platform.domain(axis)
        starts = segment_starts(surrogate.model, axis, domain)
        points = np.empty((len(starts), len(names)))
        points[:, axis] = domain[starts]
        for index, value in fixed.items():
            points[:, index] = value
        edges = step_edges(domain)[np.append(starts, len(domain))]  # each step spans its segment's values
        self.measured.setData(x_runs, y_runs)
        self.predicted.setData(edges, surrogate.model.predict(points))
        self.plot_item.setLabel("bottom", f"{names[axis]} (hyperparameter, {platform.hyperparameters[axis].kind})")
        self.plot_item.setLabel("left", surrogate.target)
        self.plot_item.setTitle(f"{surrogate.target} on {surrogate.hardware}", color="k", size="11pt")
        self.plot_item.enableAutoRange()
        held = ", ".join(f"{names[i]} = {value_label(v)}" for i, v in fixed.items())
        self.caption.setText(
            f"Dots: {len(x_runs):,} measured runs from {Path(platform.source).name} ({self._source})"
            f"{' at ' + held if held else ''}. Line: the surrogate's prediction ({surrogate.description()}, "
            f"CV MAE {surrogate.cv_mae:.4g}) — a model, not a measurement."
        )

    # ----- export (PNG: plot_export.export_plot on `graphics.ci`, the plot and its legend) -----------------------
    def export_csv(self, path: Path) -> None:
        """The plotted points: measured runs and the surrogate's steps (pyqtgraph's CSVExporter)."""
        CSVExporter(self.plot_item).export(str(path))

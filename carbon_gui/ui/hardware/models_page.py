"""The Models page (HADA phase 2): fit a decision tree (or, as an option, gradient boosting) per hardware × target on
the pool, with progress and Cancel; a table of depth, CV MAE, R² and margin; the plot of each model against the
measured runs, exportable."""

import gc
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.surrogate import BOOSTING, TREE
from carbon_gui.dimensioning.fitting import (
    DEFAULT_BOOSTED_DEPTH,
    DEPTHS,
    MAX_BOOSTED_DEPTH,
    MAX_BOOSTED_TREES,
    MAX_DEPTH,
    Cancelled,
    Surrogates,
)
from carbon_gui.ui.hardware.data_page import as_rich_text
from carbon_gui.ui.hardware.surrogate_plot import SurrogatePlot
from carbon_gui.ui.models.surrogate_table_model import SurrogateTableModel
from carbon_gui.ui.plots.plot_export import ChooseExport, ask_export, export_plot

if TYPE_CHECKING:
    from carbon_gui.ui.workers import BackgroundTasks

DEFAULT_FIXED_DEPTH = 10
DEFAULT_QUANTILE = 0.9


class _Progress(QObject):
    """Emitted on the pool thread; Qt queues it to the page on the GUI thread."""

    changed = Signal(int, int, int, str)  # the fit's generation, done, total, what


_libraries_frozen = False


def _load_scikit_learn() -> None:
    """Import what fitting needs, then move every object alive into gc's permanent generation, once: the first full
    collection after the import would otherwise walk scikit-learn's ~100,000 objects, a ~90 ms pause that may land
    on the GUI thread (docs/DIMENSIONING.md). Frozen objects are still freed by reference counting. The collector
    is off during the import (about a second): the collections the import's allocations trigger walk the whole
    window's objects with the GIL held, the GUI thread's longest stall (benchmarks/hardware_gui_gaps.py)."""
    global _libraries_frozen
    if _libraries_frozen:
        return
    gc.disable()
    try:
        import sklearn.ensemble  # what fitting.fit_one and fit_boosted import
        import sklearn.model_selection
        import sklearn.tree  # noqa: F401

        gc.freeze()
    finally:
        gc.enable()
    _libraries_frozen = True


def _fit(
    data: BenchmarkSet, kind: str, depth: int | None, report: _Progress, generation: int, cancel: threading.Event
) -> Surrogates | None:
    """On the pool: every target of every platform. None when cancelled (not an error to show)."""
    from carbon_gui.dimensioning.fitting import fit_surrogates

    def progress(done: int, total: int, what: str) -> None:
        report.changed.emit(generation, done, total, what)

    _load_scikit_learn()
    try:
        return fit_surrogates(data, None, depth, progress, cancel.is_set, kind)
    except Cancelled:
        return None


class ModelsPage(QWidget):
    fitted = Signal(object, object)  # BenchmarkSet, Surrogates: fitting ended with models
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks: BackgroundTasks | None = None
        self._data: BenchmarkSet | None = None
        self._source = ""
        self._cancel: threading.Event | None = None  # set while a fit runs
        self._generation = 0
        self.surrogates: Surrogates | None = None
        self.choose_export: ChooseExport = ask_export  # where a PNG goes and how large; tests answer without a dialog
        self._progress = _Progress(self)
        self._progress.changed.connect(self._on_progress)

        self.kind = QComboBox()
        self.kind.setObjectName("surrogateKind")
        self.kind.addItem("Decision tree", TREE)
        self.kind.addItem("Gradient boosting", BOOSTING)
        self.kind.setToolTip(
            f"Gradient boosting: up to {MAX_BOOSTED_TREES} trees of depth up to {MAX_BOOSTED_DEPTH}, as many trees as "
            "cross-validation finds best; often more accurate than one tree, and still embedded exactly in the solver"
        )
        kind_label = QLabel("&Model:")
        kind_label.setBuddy(self.kind)
        self.by_cv = QRadioButton("Depth b&y cross-validation")
        self.by_cv.setChecked(True)
        self.fixed = QRadioButton("&Use depth:")
        group = QButtonGroup(self)
        group.addButton(self.by_cv)
        group.addButton(self.fixed)
        self.depth_box = QSpinBox()
        self.depth_box.setObjectName("fixedDepth")
        self.depth_box.setRange(1, MAX_DEPTH)
        self.depth_box.setValue(DEFAULT_FIXED_DEPTH)
        self.depth_box.setEnabled(False)
        self.fixed.toggled.connect(self.depth_box.setEnabled)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self._on_kind()
        self.use_margin = QCheckBox("Margin &quantile:")
        self.use_margin.setChecked(True)
        self.use_margin.setToolTip("HADA's robustness margin: this quantile of the absolute CV errors")
        self.quantile = QDoubleSpinBox()
        self.quantile.setObjectName("marginQuantile")
        self.quantile.setRange(0.0, 1.0)
        self.quantile.setSingleStep(0.05)
        self.quantile.setDecimals(2)
        self.quantile.setValue(DEFAULT_QUANTILE)
        self.use_margin.toggled.connect(self.quantile.setEnabled)
        self.use_margin.toggled.connect(self._on_quantile)
        self.quantile.valueChanged.connect(self._on_quantile)
        self.fit_button = QPushButton("Fit mode&ls")
        self.fit_button.setObjectName("fitButton")
        self.fit_button.setDefault(True)
        self.fit_button.clicked.connect(self.fit)
        self.cancel_button = QPushButton("Ca&ncel")
        self.cancel_button.clicked.connect(self.cancel)
        self.bar = QProgressBar()
        self.bar.setFormat("%v / %m models")
        self.status = QLabel("Load a benchmark folder in the Data page first.")
        self.status.setObjectName("modelsStatus")
        self.status.setWordWrap(True)

        settings = QGroupBox("Surrogates: one model per hardware × target")
        settings_layout = QVBoxLayout(settings)
        model_row = QHBoxLayout()
        for widget in (kind_label, self.kind, self.by_cv, self.fixed, self.depth_box):
            model_row.addWidget(widget)
        model_row.addStretch(1)
        margin_row = QHBoxLayout()
        margin_row.addWidget(self.use_margin)
        margin_row.addWidget(self.quantile)
        margin_row.addStretch(1)
        margin_row.addWidget(self.fit_button)
        margin_row.addWidget(self.cancel_button)
        settings_layout.addLayout(model_row)
        settings_layout.addLayout(margin_row)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar)
        progress_row.addWidget(self.status, 2)

        self.model = SurrogateTableModel()
        self.table = QTableView()
        self.table.setObjectName("surrogateTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.plot = SurrogatePlot()
        for combo in (self.plot.hardware, self.plot.target):
            combo.currentIndexChanged.connect(self._select_plotted_row)
        self.export_png_button = QPushButton("Export &PNG…")
        self.export_png_button.clicked.connect(self._export_png)
        self.export_csv_button = QPushButton("Export &CSV…")
        self.export_csv_button.clicked.connect(self._export_csv)
        plot_side = QWidget()
        plot_layout = QVBoxLayout(plot_side)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addWidget(self.plot, 1)
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_png_button)
        exports.addWidget(self.export_csv_button)
        plot_layout.addLayout(exports)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(plot_side)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 520])

        layout = QVBoxLayout(self)
        layout.addWidget(settings)
        layout.addLayout(progress_row)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the depth or quantile box (they pass it on) fits."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.fit_button.isEnabled():
            self.fit()
            return
        super().keyPressEvent(event)

    def attach(self, tasks: "BackgroundTasks") -> None:
        self._tasks = tasks
        self._update_buttons()

    # ----- data in -------------------------------------------------------------------------
    def set_data(self, data: BenchmarkSet, source: str) -> None:
        """New data: the old models no longer apply."""
        self.clear()
        self._data, self._source = data, source
        self.status.setText(f"{data.algorithm}: {len(data.hardware)} platform(s). Fit the models (Alt+L).")
        self._update_buttons()

    def clear(self) -> None:
        self.cancel()
        self._cancel = None  # the fit still running (its worker holds the flag) is no longer this page's
        self._generation += 1
        self._data = None
        self.surrogates = None
        self.model.set_surrogates((), self.margin_quantile())
        self.plot.clear()
        self.bar.reset()
        self.status.setText("Load a benchmark folder in the Data page first.")
        self._update_buttons()
        self.cleared.emit()

    @property
    def data(self) -> BenchmarkSet | None:
        return self._data

    def margin_quantile(self) -> float | None:
        return self.quantile.value() if self.use_margin.isChecked() else None

    def chosen_depth(self) -> int | None:
        return self.depth_box.value() if self.fixed.isChecked() else None

    def chosen_kind(self) -> str:
        return str(self.kind.currentData())

    def _on_kind(self) -> None:
        """Boosting keeps its trees shallow (depth 1 to 3, default 3) and lets cross-validation count them."""
        if self.chosen_kind() == BOOSTING:
            self.by_cv.setText(f"Depth {DEFAULT_BOOSTED_DEPTH}, trees b&y cross-validation")
            self.by_cv.setToolTip(f"5-fold CV: the fewest trees (1 to {MAX_BOOSTED_TREES}) with the lowest MAE")
            self.depth_box.setRange(1, MAX_BOOSTED_DEPTH)
        else:
            self.by_cv.setText("Depth b&y cross-validation")
            self.by_cv.setToolTip(
                f"5-fold CV: the shallowest depth with the lowest MAE, from {DEPTHS[0]} to {DEPTHS[-1]}"
            )
            self.depth_box.setRange(1, MAX_DEPTH)

    # ----- fitting -------------------------------------------------------------------------
    def fit(self) -> None:
        if self._tasks is None or self._data is None or self._cancel is not None:
            return
        self._generation += 1
        generation = self._generation
        cancel = threading.Event()
        self._cancel = cancel
        self.bar.setRange(0, 0)  # busy until the first progress report says how many
        how = "depth by cross-validation" if self.chosen_depth() is None else f"depth {self.chosen_depth()}"
        if self.chosen_kind() == BOOSTING:
            depth = DEFAULT_BOOSTED_DEPTH if self.chosen_depth() is None else self.chosen_depth()
            how = f"gradient boosting, depth {depth}, trees by cross-validation"
        self.status.setText(f"<i>Fitting ({how}); the first fit loads scikit-learn, a few seconds…</i>")
        self._update_buttons()
        self._tasks.run(
            _fit,
            self._data,
            self.chosen_kind(),
            self.chosen_depth(),
            self._progress,
            generation,
            cancel,
            on_result=lambda result: self._on_fitted(generation, result),
            on_error=lambda message: self._on_error(generation, message),
        )

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("<i>Cancelling after the model being fitted…</i>")

    def _on_progress(self, generation: int, done: int, total: int, what: str) -> None:
        if generation != self._generation or self._cancel is None or self._cancel.is_set():
            return  # a fit replaced or cancelled: its last reports are not news
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        if done < total:
            self.status.setText(f"<i>Fitting {what}…</i>")

    def _on_fitted(self, generation: int, surrogates: Surrogates | None) -> None:
        if generation != self._generation:
            return
        self._cancel = None
        data = self._data
        if surrogates is None or data is None:
            self.bar.reset()
            self.status.setText("Cancelled: no models. Fit again when you are ready.")
            self._update_buttons()
            return
        self.surrogates = surrogates
        rows = tuple(surrogates.by_key.values())
        self.model.set_surrogates(rows, self.margin_quantile())
        self.plot.set_fitted(data, surrogates, self._source)
        self.bar.setRange(0, max(len(rows), 1))
        self.bar.setValue(len(rows))
        self.status.setText(
            f"{len(rows)} models fitted. Errors are cross-validated. Pick a row to plot it; then optimise (Alt+O)."
        )
        if rows:
            self.table.selectRow(0)
        self._update_buttons()
        self.fitted.emit(data, surrogates)

    def _on_error(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._cancel = None
        self.bar.reset()
        self.status.setText(f"<b>Fitting failed.</b> {as_rich_text(message)}")
        self._update_buttons()

    def _on_row(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            chosen = self.model.surrogate(index.row())
            self.plot.select(chosen.hardware, chosen.target)

    def _select_plotted_row(self) -> None:
        """The table's selection follows the plot's pickers (and a row picked sets them: `_on_row`)."""
        row = self.model.row_of(self.plot.hardware.currentText(), self.plot.target.currentText())
        if row is None:
            self.table.clearSelection()
        elif row != self.table.currentIndex().row():
            self.table.selectRow(row)

    def _on_quantile(self) -> None:
        self.model.set_quantile(self.margin_quantile())

    def _update_buttons(self) -> None:
        running = self._cancel is not None
        self.fit_button.setEnabled(self._tasks is not None and self._data is not None and not running)
        self.cancel_button.setEnabled(running)
        for button in (self.export_png_button, self.export_csv_button):
            button.setEnabled(self.surrogates is not None)

    def _plot_name(self) -> str:
        return f"{self.plot.target.currentText()}_{self.plot.hardware.currentText()}".replace("/", "-")

    def _export_png(self) -> None:
        """The plot and its legend at a size the user picks (the app's plot export; it reports its own errors)."""
        written = export_plot(self, self.plot.graphics.ci, self._plot_name(), self.choose_export)
        if written is not None:
            self.status.setText(f"Exported the plot to {as_rich_text(str(written))}.")

    def _export_csv(self) -> None:
        suggested = str(Path.home() / f"{self._plot_name()}.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export the plot's points", suggested, "CSV (*.csv)")
        if not path:
            return
        chosen = Path(path)
        try:
            self.plot.export_csv(chosen)
        except OSError as err:
            self.status.setText(
                f"<b>Not exported.</b> {as_rich_text(str(chosen))} could not be written ({err.strerror})."
            )
            return
        self.status.setText(f"Exported the plot to {as_rich_text(str(chosen))}.")

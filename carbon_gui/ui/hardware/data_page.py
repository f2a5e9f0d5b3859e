"""The Data page: choose a benchmark folder (HADA format), load it on the pool, show what each platform holds.

A bad folder shows the loader's own message (it names the file, row and column) and leaves nothing loaded: the
loader returns all platforms or raises, and the page drops what it showed before.
"""

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.dimensioning.dataset import BenchmarkSet, Hyperparameter, Platform
from carbon_gui.sources.benchmarks import load_benchmarks

if TYPE_CHECKING:
    from carbon_gui.ui.workers import BackgroundTasks

COLUMNS = ("Hardware", "Runs", "Hyperparameters (type, bounds)", "Targets", "Price (HW_price)", "File")
HINT = (
    "A benchmark folder holds one <code>&lt;algorithm&gt;_&lt;hardware&gt;.csv</code> + <code>.json</code> pair per "
    "hardware platform (the HADA format; the Benchmark page writes one). Choose a folder, or type its path and "
    "press Enter."
)


def bounds_text(spec: Hyperparameter) -> str:
    low = "—" if spec.lower is None else f"{spec.lower:g}"
    high = "—" if spec.upper is None else f"{spec.upper:g}"
    bounds = "bounds from the runs" if spec.lower is None and spec.upper is None else f"{low} … {high}"
    return f"{spec.name} ({spec.kind}, {bounds})"


def price_text(platform: Platform) -> str:
    # HW_price has no unit in the format; the Benchmark page writes the machine's USD per hour.
    if platform.price is None:
        return "not given"
    return f"{platform.price:g} (as the JSON gives it; USD/hour if benchmarked here)"


class DataPage(QWidget):
    loaded = Signal(object)  # BenchmarkSet
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks: BackgroundTasks | None = None
        self._generation = 0  # a load started later wins: an older result arriving after it is dropped
        self.data: BenchmarkSet | None = None
        self.folder = QLineEdit()
        self.folder.setObjectName("benchmarkFolder")
        self.folder.setPlaceholderText("benchmark folder")
        self.folder.returnPressed.connect(self.load_typed)
        folder_label = QLabel("Benchmark fold&er:")
        folder_label.setBuddy(self.folder)
        self.choose_button = QPushButton("&Choose folder…")
        self.choose_button.clicked.connect(self.choose_folder)
        self.load_button = QPushButton("&Load")
        self.load_button.clicked.connect(self.load_typed)
        row = QHBoxLayout()
        for widget in (folder_label, self.folder, self.choose_button, self.load_button):
            row.addWidget(widget)
        row.setStretch(1, 1)

        self.status = QLabel(HINT)
        self.status.setObjectName("dataStatus")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("platformsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.set_enabled_loading(False)

    def attach(self, tasks: "BackgroundTasks") -> None:
        self._tasks = tasks
        self.set_enabled_loading(True)

    def set_enabled_loading(self, enabled: bool) -> None:
        for widget in (self.choose_button, self.load_button):
            widget.setEnabled(enabled)

    def choose_folder(self) -> None:
        start = self.folder.text().strip() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Benchmark folder", start)
        if chosen:
            self.load(Path(chosen))

    def load_typed(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self._show_problem("Type a benchmark folder's path, or choose one with Choose folder… (Alt+C).")
            return
        self.load(Path(text).expanduser())

    def load(self, folder: Path) -> None:
        """Read `folder` on the pool; the table shows it when it has loaded, or the loader's message."""
        if self._tasks is None:
            return
        self.folder.setText(str(folder))
        self._generation += 1
        generation = self._generation
        self._drop_data()
        self.status.setText(f"<i>Reading {as_rich_text(str(folder))}…</i>")
        self._tasks.run(
            load_benchmarks,
            folder,
            on_result=lambda data: self._on_loaded(generation, folder, data),
            on_error=lambda message: self._on_error(generation, message),
        )

    def _on_loaded(self, generation: int, folder: Path, data: BenchmarkSet) -> None:
        if generation != self._generation:
            return
        self.data = data
        runs = sum(p.runs for p in data.platforms)
        self.status.setText(
            f"<b>{as_rich_text(data.algorithm)}</b>: {len(data.platforms)} hardware platform(s), {runs:,} measured "
            f"runs, from {as_rich_text(str(folder))}. Next: fit the models (Models page, Alt+M)."
        )
        self.table.setRowCount(len(data.platforms))
        for row, platform in enumerate(data.platforms):
            cells = (
                platform.hardware,
                f"{platform.runs:,}",
                "\n".join(bounds_text(h) for h in platform.hyperparameters),
                ", ".join(platform.targets),
                price_text(platform),
                Path(platform.source).name,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.loaded.emit(data)

    def _on_error(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._show_problem(message)

    def _show_problem(self, message: str) -> None:
        self._drop_data()
        self.status.setText(f"<b>Not loaded.</b> {as_rich_text(message)}")

    def _drop_data(self) -> None:
        had_data = self.data is not None
        self.data = None
        self.table.setRowCount(0)
        if had_data:
            self.cleared.emit()


def as_rich_text(text: str) -> str:
    """A message or path shown inside a rich-text label: its <, > and & shown as they are."""
    return html.escape(text, quote=False)

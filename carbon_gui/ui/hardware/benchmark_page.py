"""The Benchmark page (HADA phase 1): run a script over a grid × repetitions on this machine or on Vertex AI machine
types, into a dataset folder the Data page loads. jobs/benchmark.py does the work on the pool; its progress
callback (called on that thread) reaches the page through a queued signal, and Cancel sets its cancel flag
(completed runs are kept). Resume is the runner's: runs the folder already holds are counted and skipped.

carbon_gui.jobs is imported inside the worker functions: start-up does not pay for the job flow.
"""

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core import benchmark_grid as bg
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.planning import parse_accelerator
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.hardware.data_page import as_rich_text

if TYPE_CHECKING:
    from carbon_gui.jobs.benchmark import Benchmark, Hardware, PlatformProgress
    from carbon_gui.jobs.service import JobService
    from carbon_gui.ui.workers import BackgroundTasks

LOCAL_POLL_S = 0.5  # how often the runner reads a local job's progress file
VERTEX_POLL_S = 10.0
FINE_STATES = ("succeeded", "complete")


@dataclass(frozen=True)
class BenchmarkServices:
    """What the page needs from outside; all called on the pool."""

    jobs: "Callable[[], JobService] | None"
    load_reference: Callable[[], ReferenceData]
    default_location: Callable[[], Location]


@dataclass(frozen=True)
class VertexPlatform:
    machine_type: str
    accelerator: str | None
    count: int
    region: str

    @property
    def label(self) -> str:
        gpu = f" + {self.count} × {self.accelerator}" if self.accelerator else ""
        return f"Vertex AI: {self.machine_type}{gpu} in {self.region}"


@dataclass(frozen=True)
class BenchmarkForm:
    """What the user entered, checked on the GUI thread (pure parsing); platforms become Hardware on the pool."""

    script: Path
    grid: bg.Grid
    repeat: int
    local: bool
    local_region: str | None
    vertex: tuple[VertexPlatform, ...]
    out_dir: Path
    algorithm: str
    project: str | None
    image_uri: str | None = None  # Vertex AI's container; None: the first listed prebuilt one still available


class _Progress(QObject):
    planned = Signal(object)  # list[PlatformPlan]
    changed = Signal(object)  # list[PlatformProgress]


def _hardware(form: BenchmarkForm, services: BenchmarkServices) -> "tuple[Hardware, ...]":
    from carbon_gui.jobs.benchmark import Hardware, nearest_region
    from carbon_gui.jobs.request import LOCAL, VERTEX

    platforms = []
    if form.local:
        region = form.local_region
        if region is None:
            here = services.default_location()
            region = nearest_region(services.load_reference(), here.lat, here.lon)
        platforms.append(Hardware(LOCAL, region))
    for p in form.vertex:
        platforms.append(Hardware(VERTEX, p.region, p.machine_type, p.accelerator, p.count))
    return tuple(platforms)


def _benchmark(form: BenchmarkForm, services: BenchmarkServices) -> "Benchmark":
    from carbon_gui.jobs.benchmark import EARLIER_JOB, OTHER_DATASET, UNWRITABLE, Benchmark, BenchmarkRequest

    assert services.jobs is not None  # the page refuses to start without a job service
    request = BenchmarkRequest(
        script=form.script, grid=form.grid, repeat=form.repeat, hardware=_hardware(form, services),
        out_dir=form.out_dir, algorithm=form.algorithm, project=form.project, image_uri=form.image_uri,
    )  # fmt: skip
    hints = {  # where the window takes what the benchmark's problems ask for (planner.with_hints)
        EARLIER_JOB: "The Jobs tab shows it and can cancel it.",
        OTHER_DATASET: "Choose it with the Choose folder… button.",
        UNWRITABLE: "Choose one with the Choose folder… button.",
    }
    return Benchmark(services.jobs(), request, hints)


def _run(
    form: BenchmarkForm, services: BenchmarkServices, report: _Progress, cancel: threading.Event
) -> "list[PlatformProgress]":
    """On the pool: collect what an earlier run left, say what will be skipped, run and follow every platform."""
    benchmark = _benchmark(form, services)
    benchmark.collect_pending()
    with tempfile.TemporaryDirectory(prefix="carbon-gui-benchmark-") as scripts:
        report.planned.emit(benchmark.plan(Path(scripts)))  # the dry run: what is recorded already, what will run
    poll = VERTEX_POLL_S if form.vertex else LOCAL_POLL_S
    return benchmark.run(report.changed.emit, cancel, poll)


def _preview(form: BenchmarkForm, services: BenchmarkServices) -> str:
    """On the pool: the dry run, launching nothing (its generated scripts go to a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="carbon-gui-benchmark-") as scripts:
        return plan_text(_benchmark(form, services).plan(Path(scripts)))


def plan_text(plans: list[Any]) -> str:
    """Per platform: runs already recorded (skipped) and runs to do."""
    lines = []
    for plan in plans:
        skipped = f"{plan.already:,} run(s) already recorded, skipped" if plan.already else "nothing recorded yet"
        lines.append(f"{plan.hardware.hardware_id}: {skipped}; {plan.runs:,} to run")
    return "\n".join(lines)


class BenchmarkPage(QWidget):
    datasetReady = Signal(object)  # Path: the folder to load in the Data page

    def __init__(self, services: BenchmarkServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks: BackgroundTasks | None = None
        self._cancel: threading.Event | None = None
        self._vertex: list[VertexPlatform] = []
        self._done_folder: Path | None = None
        self._plan_text = ""
        self._report = _Progress(self)
        self._report.planned.connect(self._on_planned)
        self._report.changed.connect(self._on_progress)

        self.script = QLineEdit()
        self.script.setObjectName("benchmarkScript")
        self.script.setPlaceholderText("a Python file with train(**hyperparameters) returning a dict of metrics")
        script_button = QPushButton("Browse…")
        script_button.clicked.connect(self._choose_script)
        self.grid = QPlainTextEdit()
        self.grid.setObjectName("benchmarkGrid")
        self.grid.setPlaceholderText("one hyperparameter a line:\nnScenarios=1..100:10\nlr=0.01,0.1")
        self.grid.setTabChangesFocus(True)
        self.grid.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.repeat = QSpinBox()
        self.repeat.setObjectName("benchmarkRepeat")
        self.repeat.setRange(1, 1000)
        self.repeat.setValue(3)
        self.repeat.setSuffix(" run(s) of each configuration")
        self.repeat.setMaximumWidth(self.fontMetrics().horizontalAdvance("0000 run(s) of each configuration") + 40)
        self.name = QLineEdit()
        self.name.setPlaceholderText("default: the script's name")
        self.out = QLineEdit()
        self.out.setObjectName("benchmarkOut")
        self.out.setPlaceholderText("the dataset folder (created; rows already there are kept and skipped)")
        out_button = QPushButton("Choose folder…")
        out_button.clicked.connect(self._choose_out)

        form = QFormLayout()
        form.addRow(_buddy("S&cript:", self.script), _row(self.script, script_button))
        form.addRow(_buddy("&Grid:", self.grid), self.grid)
        form.addRow(_buddy("R&epeat:", self.repeat), self.repeat)
        form.addRow(_buddy("Dataset &name:", self.name), self.name)
        form.addRow(_buddy("O&utput folder:", self.out), _row(self.out, out_button))

        self.local = QCheckBox("&Local: this machine")
        self.local.setObjectName("benchmarkLocal")
        self.local.setChecked(True)
        self.local_region = QLineEdit()
        self.local_region.setPlaceholderText("grid region (default: nearest to this machine's time zone)")
        self.machine = QLineEdit()
        self.machine.setPlaceholderText("machine type, e.g. n1-standard-8")
        self.accelerator = QLineEdit()
        self.accelerator.setPlaceholderText("GPU, e.g. nvidia-tesla-t4:1 (optional)")
        self.vertex_region = QLineEdit()
        self.vertex_region.setPlaceholderText("region, e.g. europe-west4")
        self.project = QLineEdit()
        self.project.setPlaceholderText("Google Cloud project (Vertex AI only)")
        self.image = QLineEdit()
        self.image.setPlaceholderText("container image URI (Vertex AI; default: a listed prebuilt one still available)")
        add_button = QPushButton("Add Vertex AI platform")
        add_button.clicked.connect(self._add_vertex)
        self.vertex_list = QListWidget()
        self.vertex_list.setObjectName("vertexPlatforms")
        self.vertex_list.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        remove_button = QPushButton("Remove")
        remove_button.clicked.connect(self._remove_vertex)
        platforms = QGroupBox("Platforms: one job each, through the Jobs tab's job service")
        platforms_layout = QVBoxLayout(platforms)
        platforms_layout.addLayout(_row(self.local, QLabel("charged to the grid of region:"), self.local_region))
        platforms_layout.addLayout(
            _row(QLabel("Vertex AI:"), self.machine, self.accelerator, self.vertex_region, add_button)
        )
        platforms_layout.addLayout(_row(self.vertex_list, remove_button))
        platforms_layout.addLayout(_row(self.project, self.image))

        self.start_button = QPushButton("Start benchmar&k")
        self.start_button.setObjectName("benchmarkStart")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Sto&p (keeps completed runs)")
        self.cancel_button.clicked.connect(self.cancel)
        self.load_button = QPushButton("Load it in the Data page")
        self.load_button.setObjectName("benchmarkLoad")
        self.load_button.clicked.connect(self._offer_dataset)
        self.bar = QProgressBar()
        self.bar.setFormat("%v / %m runs")
        self.status = QLabel("Each run is measured under codecarbon: time, memory, energy, CO₂e and your metrics.")
        self.status.setObjectName("benchmarkStatus")
        self.status.setWordWrap(True)
        self.preview_button = QPushButton("What will run? (dr&y run)")
        self.preview_button.setObjectName("benchmarkPreview")
        self.preview_button.setToolTip("A dry run: the runs the folder already has (skipped) and those to do")
        self.preview_button.clicked.connect(self.preview)
        controls = _row(self.preview_button, self.start_button, self.cancel_button, self.bar, self.load_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(platforms)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._update_buttons()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a one-line field (they pass it on) starts the benchmark."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.start_button.isEnabled():
            self.start()
            return
        super().keyPressEvent(event)

    def attach(self, tasks: "BackgroundTasks") -> None:
        self._tasks = tasks
        self._update_buttons()

    @property
    def running(self) -> bool:
        return self._cancel is not None

    # ----- the form ------------------------------------------------------------------------
    def _choose_script(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Benchmark script", self.script.text(), "Python (*.py)")
        if chosen:
            self.script.setText(chosen)

    def _choose_out(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Dataset folder", self.out.text() or str(Path.home()))
        if chosen:
            self.out.setText(chosen)

    def _add_vertex(self) -> None:
        try:
            machine, region = self.machine.text().strip(), self.vertex_region.text().strip()
            if not machine or not region:
                raise InputError("Give a Vertex AI platform's machine type and region, then Add.")
            accelerator, count = parse_accelerator(self.accelerator.text().strip() or None)
        except InputError as err:
            self.status.setText(f"<b>Not added.</b> {as_rich_text(str(err))}")
            return
        platform = VertexPlatform(machine, accelerator, count, region)
        self._vertex.append(platform)
        self.vertex_list.addItem(platform.label)
        self.status.setText(f"Added {platform.label}.")

    def _remove_vertex(self) -> None:
        row = self.vertex_list.currentRow()
        if 0 <= row < len(self._vertex):
            del self._vertex[row]
            self.vertex_list.takeItem(row)

    def read_form(self) -> BenchmarkForm:
        """The form as a benchmark, or InputError saying what to fix."""
        script_text = self.script.text().strip()
        if not script_text:
            raise InputError("Choose the script to benchmark (Browse…): a Python file with a train() function.")
        script = Path(script_text).expanduser()
        if not script.is_file():
            raise InputError(f"The script {script} is not a file: choose an existing .py file.")
        lines = [line.strip() for line in self.grid.toPlainText().splitlines() if line.strip()]
        if not lines:
            raise InputError("Type the grid (Alt+G): one hyperparameter a line, e.g. n=1..10 or lr=0.01,0.1.")
        grid = bg.make_grid([bg.parse_axis(line) for line in lines], self.repeat.value())
        if not self.local.isChecked() and not self._vertex:
            raise InputError("Choose where to benchmark: tick This machine, or add a Vertex AI platform.")
        out_text = self.out.text().strip()
        if not out_text:
            raise InputError("Choose the output folder (Choose folder…): the dataset is written there.")
        algorithm = bg.safe_name(self.name.text().strip() or script.stem)
        project = self.project.text().strip() or None
        if self._vertex and project is None:
            raise InputError("Give the Google Cloud project for the Vertex AI platforms.")
        return BenchmarkForm(
            script, grid, self.repeat.value(), self.local.isChecked(), self.local_region.text().strip() or None,
            tuple(self._vertex), Path(out_text).expanduser(), algorithm, project, self.image.text().strip() or None,
        )  # fmt: skip

    # ----- running -------------------------------------------------------------------------
    def start(self) -> None:
        if self._tasks is None or self.running:
            return
        if self._services.jobs is None:
            self.status.setText("<b>Not started.</b> Benchmarks need the job service, which this window lacks.")
            return
        try:
            form = self.read_form()
        except InputError as err:
            self.status.setText(f"<b>Not started.</b> {as_rich_text(str(err))}")
            return
        self._cancel = threading.Event()
        self._done_folder = None
        self.bar.setRange(0, 0)
        self.status.setText("<i>Planning: reading what the output folder already holds…</i>")
        self._update_buttons()
        self._tasks.run(
            _run, form, self._services, self._report, self._cancel,
            on_result=lambda result: self._on_done(form, result),
            on_error=self._on_error,
        )  # fmt: skip

    def preview(self) -> None:
        """Say, per platform, how many runs are recorded already and will be skipped, and how many will run."""
        if self._tasks is None or self.running or self._services.jobs is None:
            return
        try:
            form = self.read_form()
        except InputError as err:
            self.status.setText(f"<b>Cannot tell.</b> {as_rich_text(str(err))}")
            return
        self.status.setText("<i>Reading what the output folder already holds…</i>")
        self._tasks.run(
            _preview, form, self._services,
            on_result=lambda text: self.status.setText("<br>".join(map(as_rich_text, text.splitlines()))),
            on_error=lambda message: self.status.setText(f"<b>Cannot tell.</b> {as_rich_text(message)}"),
        )  # fmt: skip

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("<i>Cancelling: the runs completed so far are kept…</i>")

    def _on_planned(self, plans: list[Any]) -> None:
        self._plan_text = "<br>".join(as_rich_text(line) for line in plan_text(plans).splitlines())
        self.status.setText(f"<i>Running.</i><br>{self._plan_text}")

    def _on_progress(self, entries: "list[PlatformProgress]") -> None:
        total = sum(e.total for e in entries)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(sum(min(e.done, e.total) for e in entries))
        lines = [self._entry_text(e) for e in entries]
        if not (self._cancel and self._cancel.is_set()):
            self.status.setText("<br>".join(["<i>Running.</i>", self._plan_text, *lines]))

    @staticmethod
    def _entry_text(entry: "PlatformProgress") -> str:
        text = f"{entry.hardware}: {entry.state}, {entry.done}/{entry.total} runs"
        text += f", {entry.failed} failed" if entry.failed else ""
        return as_rich_text(text + (f" ({entry.note})" if entry.note else ""))

    def _on_done(self, form: BenchmarkForm, entries: "list[PlatformProgress]") -> None:
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._cancel = None
        self._on_progress(entries)
        self._done_folder = form.out_dir
        fine = all(e.state in FINE_STATES for e in entries)
        head = "Cancelled: the completed runs are kept." if cancelled else ("Done." if fine else "Ended with problems.")
        collected = sum(e.collected for e in entries)
        summary = f"<b>{head}</b> {collected:,} new run(s) in {as_rich_text(str(form.out_dir))}."
        self.status.setText("<br>".join([summary, *map(self._entry_text, entries)]))
        self._update_buttons()

    def _on_error(self, message: str) -> None:
        self._cancel = None
        self.bar.reset()
        self.status.setText(f"<b>The benchmark did not run.</b> {as_rich_text(message)}".replace("\n", "<br>"))
        self._update_buttons()

    def _offer_dataset(self) -> None:
        if self._done_folder is not None:
            self.datasetReady.emit(self._done_folder)

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self._tasks is not None and not self.running)
        self.preview_button.setEnabled(self._tasks is not None and not self.running)
        self.cancel_button.setEnabled(self.running)
        self.load_button.setEnabled(self._done_folder is not None and not self.running)


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, (QLineEdit, QProgressBar, QListWidget)) else 0)
    return row

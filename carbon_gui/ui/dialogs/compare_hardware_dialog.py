"""'Compare hardware…': for the job in the Job panel, a rough estimate of run length, energy, cost and CO2e on
every other GPU option × region (core.hardware_compare), computed off the GUI thread, lowest CO2e first."""

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.hardware_compare import (
    BENCHMARK_ADVICE,
    ESTIMATE_LABEL,
    METRICS,
    CompareRequest,
    Comparison,
    compare,
    parse_speedup,
    speedup_map,
)
from carbon_gui.sources.reference import ReferenceData, load_gpu_throughput
from carbon_gui.ui.dialogs.screen_fit import resize_within_screen
from carbon_gui.ui.models.hardware_compare_model import HEADERS, SORT_ROLE, HardwareCompareModel

if TYPE_CHECKING:
    from carbon_gui.ui.workers import BackgroundTasks  # the window passes its own


@dataclass(frozen=True)
class JobInputs:
    """The job as the Job panel describes it: the reference the other options are compared with."""

    machine: str
    accelerator: str | None
    accelerator_count: int
    hours: float
    carbon_year: int | None = None

    @property
    def label(self) -> str:
        gpu = f" + {self.accelerator_count}× {self.accelerator}" if self.accelerator else ""
        return f"{self.machine}{gpu}, {self.hours:g} h"


def estimate(reference: ReferenceData, job: JobInputs, metric: str, speedups_text: str) -> Comparison:
    """The comparison (runs on the thread pool); bad input raises InputError, shown in the dialog."""
    pairs = [parse_speedup(part) for part in speedups_text.replace(";", ",").split(",") if part.strip()]
    request = CompareRequest(
        reference=reference.catalog.machine_option(job.machine, job.accelerator, job.accelerator_count),
        hours=job.hours,
        metric=metric,
        speedups=speedup_map(pairs),
        carbon_year=job.carbon_year,
    )
    return compare(reference.catalog, reference.power, load_gpu_throughput(), request)


class CompareHardwareDialog(QDialog):
    def __init__(
        self, reference: ReferenceData, tasks: "BackgroundTasks", job: JobInputs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareHardwareDialog")
        self.setWindowTitle("Compare hardware — rough estimate")
        self._reference, self._tasks, self._job = reference, tasks, job
        self._generation = 0  # only the newest estimate's result is shown

        self.banner = QLabel(f"<b>{escape(ESTIMATE_LABEL)}.</b> {escape(BENCHMARK_ADVICE)}")
        self.banner.setObjectName("estimateBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fff4ce; color: #3d3000; padding: 6px; }")

        self.metric_choice = QComboBox()
        self.metric_choice.setObjectName("metric")
        for metric in METRICS.values():
            self.metric_choice.addItem(metric.description, metric.name)
        self.speedups = QLineEdit()
        self.speedups.setObjectName("speedups")
        self.speedups.setPlaceholderText("optional, e.g. nvidia-l4=2.5, nvidia-tesla-p4=0.6 (vs one reference GPU)")
        self.speedups.returnPressed.connect(self.start)
        self.estimate_button = QPushButton("&Estimate")
        self.estimate_button.clicked.connect(self.start)
        speedup_row = QHBoxLayout()
        speedup_row.addWidget(self.speedups, 1)
        speedup_row.addWidget(self.estimate_button)
        form = QFormLayout()
        form.addRow("Reference job", QLabel(f"{escape(job.label)} <i>(from the Job panel)</i>"))
        form.addRow("&Throughput", self.metric_choice)
        speedup_label = QLabel("&Speed-ups")
        speedup_label.setBuddy(self.speedups)
        form.addRow(speedup_label, speedup_row)

        self.status = QLabel()
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        self.model = HardwareCompareModel()
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("compareTable")
        self.table.setAccessibleName("Estimated options, lowest CO₂e first")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the model's order: lowest CO2e first
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.notes = QLabel()
        self.notes.setObjectName("compareNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addWidget(buttons)
        resize_within_screen(self, 1024, 640)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.start()

    def start(self) -> None:
        """Estimate on the thread pool with the current metric and speed-ups."""
        self._generation += 1
        generation = self._generation
        self.status.setText("<i>Estimating…</i>")
        self._tasks.run(
            estimate,
            self._reference,
            self._job,
            self.metric_choice.currentData(),
            self.speedups.text(),
            on_result=lambda comparison: self._show(generation, comparison),
            on_error=lambda message: self._fail(generation, message),
        )

    def _show(self, generation: int, comparison: Comparison) -> None:
        if generation != self._generation:
            return
        self.model.set_estimates(comparison.estimates)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        estimates = comparison.estimates
        pareto = sum(1 for e in estimates if e.pareto)
        self.status.setText(
            f"{len(estimates)} options × regions, lowest CO₂e first; {pareto} Pareto-optimal (★: no other option is "
            f"at least as good on CO₂e, cost and time). Carbon: Google's {comparison.carbon_year} yearly averages. "
            "Hover a row for its assumptions."
        )
        skipped = "".join(f"<br>• {escape(s.option)}: {escape(s.reason)}" for s in comparison.skipped)
        if comparison.not_offered:
            skipped += f"<br>• {comparison.not_offered} option × region pairs are not offered (price and GPU lists)"
        assumptions = "".join(f"<br>• {escape(a)}" for a in comparison.assumptions)
        self.notes.setText(f"<small><b>Not estimated:</b>{skipped}<br><b>Assumptions:</b>{assumptions}</small>")

    def _fail(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.status.setText(f"<b>Cannot estimate:</b> {escape(message)}")

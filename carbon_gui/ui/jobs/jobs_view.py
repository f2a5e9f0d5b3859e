"""The Jobs tab: every job the app launched, the selected job's details, Cancel, cleanup and orphans.

Every JobService call runs on the thread pool (BackgroundTasks); the monitor polls. `start()` begins
monitoring (recovery, orphans, then polling); `stop()` ends it. The window shows `monitor.notify` and
`message` texts in its status bar if it likes; the tab shows them too.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.ui.dialogs.cleanup_dialog import CleanupDialog
from carbon_gui.ui.jobs.damaged_bar import DamagedBar
from carbon_gui.ui.jobs.fitting_table import FittingTableView
from carbon_gui.ui.jobs.job_details import JobDetails
from carbon_gui.ui.jobs.job_estimates import (
    KeptHours,
    ThisMachine,
    find_this_machine,
    hours_to_keep,
    with_live_intensities,
    with_local_estimates,
)
from carbon_gui.ui.jobs.job_monitor import JobMonitor
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.orphans_bar import OrphansBar
from carbon_gui.ui.jobs.poll_intervals import PollIntervals
from carbon_gui.ui.models.jobs_table_model import Clock, JobsTableModel
from carbon_gui.ui.workers import BackgroundTasks

if TYPE_CHECKING:
    from carbon_gui.cloud.ledger import JobRecord
    from carbon_gui.core.catalog import CarbonFigure
    from carbon_gui.jobs.service import JobService, Signals

NO_JOBS = "No jobs yet: select a region in the ranking and press Launch… (Ctrl+L)."
REPORT_FILTERS = "PNG plot (*.png);;CSV hourly accounting (*.csv);;JSON (*.json);;Text with methods sentence (*.txt)"
REPORT_FORMATS = {".png": "png", ".csv": "csv", ".json": "json", ".txt": "text"}
TICK_MS = 1000
OUTPUT_LINES = 2000


class JobsView(QWidget):
    def __init__(
        self,
        jobs: Callable[[], "JobService"],
        tasks: BackgroundTasks,
        intervals: PollIntervals = PollIntervals(),  # noqa: B008 - frozen
        clock: Clock = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
        intensity: Callable[[str], "CarbonFigure | None"] = lambda _region: None,
        signals: Callable[[], "Signals | None"] = lambda: None,
        launch: QAction | None = None,
    ) -> None:
        """`jobs` gives the JobService (called on the pool: making it may import the Google clients); `intensity`
        a region's latest live intensity (None: none fresh), for the estimate of a running job; `signals` the
        window's live grid signals (None: none live), for reports; `launch` the window's Launch action, offered
        beside the job buttons."""
        super().__init__(parent)
        self._jobs, self._tasks, self._clock, self._intensity = jobs, tasks, clock, intensity
        self._signals = signals
        self._fetching_output = False
        self._polled: tuple[JobSnapshot, ...] = ()  # the last poll's snapshots, before the local estimates
        self._live_hours: KeptHours = {}  # the live values seen while each job ran, per clock hour
        self._hours_written: dict[str, str] = {}  # job id -> the hours last sent to the ledger
        self._this_machine: ThisMachine | str | None = None  # str: why it could not be found
        self._finding_machine = False
        self.monitor = JobMonitor(jobs, tasks, intervals, self)
        self.model = JobsTableModel(clock)
        self.cleanup_dialog: CleanupDialog | None = None
        self.confirmation: QMessageBox | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # the Jobs tab's page has its margins
        self.orphans_bar = OrphansBar()
        layout.addWidget(self.orphans_bar)
        self.damaged_bar = DamagedBar()
        layout.addWidget(self.damaged_bar)
        self.message = QLabel("Reading the jobs…")
        self.message.setObjectName("jobsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.table = FittingTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.details = JobDetails()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Ask Vertex AI and the local runs for their state now")
        self.cancel_button = QPushButton("Ca&ncel job…")
        self.delete_button = QPushButton("&Delete bucket…")
        self.report_button = QPushButton("Re&port…")
        self.report_button.setToolTip("Export the job's hourly emissions, its alternatives and a methods sentence "
                                      "(PNG plot, CSV, JSON or text)")  # fmt: skip
        for button in (self.refresh_button, self.cancel_button, self.delete_button, self.report_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        if launch is not None:
            launch_button = QToolButton()
            launch_button.setDefaultAction(launch)
            launch_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(launch_button)
        layout.addLayout(buttons)
        self.setTabOrder(self.table, self.details.tabs)
        self.setTabOrder(self.details.tabs, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.delete_button)
        self.setTabOrder(self.delete_button, self.report_button)

        self.refresh_button.clicked.connect(self.monitor.poll_now)
        self.cancel_button.clicked.connect(self.confirm_cancel)
        self.delete_button.clicked.connect(self.open_cleanup)
        self.report_button.clicked.connect(self.ask_report_path)
        self.orphans_bar.review_requested.connect(self.review_orphans)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.monitor.jobs_changed.connect(self._show_jobs)
        self.monitor.orphans_found.connect(self.orphans_bar.set_orphans)
        self.monitor.damaged_found.connect(self.damaged_bar.set_damaged)
        self.monitor.recovered.connect(lambda notes: self._say(" ".join(notes)))
        self.monitor.poll_failed.connect(self._say)
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self._tick)
        self._update_buttons(None)

    # --- monitoring ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.monitor.start()
        self._ticker.start(TICK_MS)

    def stop(self) -> None:
        self.monitor.stop()
        self._ticker.stop()

    def selected(self) -> JobSnapshot | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.snapshot(rows[0].row()) if rows else None

    def select(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(self.model.index(row, 0), flags)
            self.table.setCurrentIndex(self.model.index(row, 0))

    def show_new_job(self, record: "JobRecord") -> None:
        """A job just recorded (scheduled from the wizard): in the table and selected at once, before a poll reads
        it; then a poll brings the rest up to date."""
        if self.model.find(record.id) is None:
            self._show_jobs((JobSnapshot(record), *self._polled))
        self.select(record.id)
        self.monitor.poll_now()

    def _show_jobs(self, polled: tuple[JobSnapshot, ...]) -> None:
        self._polled = polled
        snapshots = with_live_intensities(self._with_local_estimates(polled), self._intensity, self._live_hours,
                                          self._clock())  # fmt: skip
        self._keep_live_hours(snapshots)
        chosen = self.selected()
        self.model.set_jobs(snapshots)
        if chosen is not None and self.model.row_of(chosen.id) is not None:
            self.select(chosen.id)
        elif snapshots and chosen is None:
            self.select(snapshots[0].id)  # the newest job
        if not snapshots and self.message.text() in ("", "Reading the jobs…"):  # never over a notice
            self._say(NO_JOBS)
        elif self.message.text() in (NO_JOBS, "Reading the jobs…"):
            self._say("")
        self._show_selected()

    def _keep_live_hours(self, snapshots: tuple[JobSnapshot, ...]) -> None:
        """The hours seen while jobs run go to the ledger (on the pool), so their hourly estimate survives a
        restart; each new set once."""
        due = {job_id: text for job_id, text in hours_to_keep(snapshots).items()
               if self._hours_written.get(job_id) != text}  # fmt: skip
        if not due:
            return
        self._hours_written.update(due)

        def write() -> None:
            ledger = self._jobs().ledger
            for job_id, text in due.items():
                ledger.set_live_hours(job_id, text)

        def failed(message: str) -> None:
            for job_id in due:  # tried again at the next poll
                self._hours_written.pop(job_id, None)
            self._say(f"Could not keep the live intensity of running jobs in the ledger: {message}")

        self._tasks.run(write, on_result=lambda _: None, on_error=failed)

    def _with_local_estimates(self, snapshots: tuple[JobSnapshot, ...]) -> tuple[JobSnapshot, ...]:
        """Local runs get their estimate once this machine's CPU is known; the first one asks for it, on the pool."""
        if not any(s.is_local for s in snapshots):
            return snapshots
        if self._this_machine is None:
            self._find_this_machine()
            return snapshots
        return with_local_estimates(snapshots, self._this_machine)

    def _find_this_machine(self) -> None:
        if self._finding_machine:
            return
        self._finding_machine = True

        def found(machine: ThisMachine | str) -> None:
            self._this_machine = machine
            self._show_jobs(self._polled)

        self._tasks.run(find_this_machine, on_result=found, on_error=found)

    def _show_selected(self) -> None:
        snapshot = self.selected()
        self.details.show_job(snapshot, self._clock())
        self._update_buttons(snapshot)
        if snapshot is not None and snapshot.is_local:
            self._fetch_output(snapshot.id)

    def _tick(self) -> None:
        self.model.tick()
        snapshot = self.selected()
        if snapshot is not None and snapshot.is_active:
            self.details.show_figures(snapshot, self._clock())

    def _fetch_output(self, job_id: str) -> None:
        if self._fetching_output:
            return
        self._fetching_output = True

        def shown(lines: list[str]) -> None:
            self._fetching_output = False
            if self.details.job_id == job_id:
                self.details.append_output(lines)

        def failed(message: str) -> None:
            self._fetching_output = False
            self._say(f"Could not read the output of {job_id}: {message}")

        if self._tasks.run(lambda: self._jobs().output(job_id, OUTPUT_LINES), on_result=shown, on_error=failed) is None:
            self._fetching_output = False

    def _update_buttons(self, snapshot: JobSnapshot | None) -> None:
        scheduled = snapshot is not None and snapshot.is_scheduled
        self.cancel_button.setEnabled(snapshot is not None and (snapshot.is_active or scheduled))
        self.cancel_button.setText("Drop sc&heduled job…" if scheduled else "Ca&ncel job…")
        self.report_button.setEnabled(snapshot is not None)
        local = snapshot is not None and snapshot.is_local
        self.delete_button.setText("&Delete staging directory…" if local else "&Delete bucket…")
        can_clean = snapshot is not None and snapshot.has_ended and snapshot.staging_left
        self.delete_button.setEnabled(can_clean)
        if snapshot is None or not snapshot.has_ended:
            self.delete_button.setToolTip("Offered once the job has ended")
        elif not snapshot.staging_left:
            self.delete_button.setToolTip("Nothing left to delete: it is gone, or the job never had one")
        else:
            self.delete_button.setToolTip("Shows what will be deleted, with its object count and size, first")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- cancel --------------------------------------------------------------------------------------

    def confirm_cancel(self) -> None:
        snapshot = self.selected()
        if snapshot is None or not (snapshot.is_active or snapshot.is_scheduled):
            return
        record = snapshot.record
        where = "the local run and everything it started" if snapshot.is_local else "the Vertex AI job"
        question = (f"Cancel {record.display_name} ({record.id})? This stops {where}; its staging "
                    f"{'directory' if snapshot.is_local else 'bucket'} stays until you delete it.")  # fmt: skip
        if snapshot.is_scheduled and record.scheduled_for is not None:
            start = f"{record.scheduled_for:%Y-%m-%d %H:%M} UTC"
            question = f"Drop {record.display_name} ({record.id}), scheduled for {start}? It will not start."
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Cancel job",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("cancelConfirmation")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("&Drop it" if snapshot.is_scheduled else "&Cancel the job")
        box.button(QMessageBox.StandardButton.No).setText("&Keep it")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda answer: self._cancel(record.id) if answer == QMessageBox.StandardButton.Yes else None
        )
        self.confirmation = box
        box.open()

    def _cancel(self, job_id: str) -> None:
        self.cancel_button.setEnabled(False)
        self._say(f"Cancelling {job_id}…")
        self._tasks.run(
            lambda: self._jobs().cancel(job_id),
            on_result=lambda record: self._cancelled(record),
            on_error=lambda message: self._say(f"Could not cancel {job_id}: {message}"),
        )

    def _cancelled(self, record: Any) -> None:
        self._say(f"{record.id} is {record.state}.")
        self.monitor.poll_now()

    # --- report --------------------------------------------------------------------------------------

    def ask_report_path(self) -> None:
        snapshot = self.selected()
        if snapshot is None:
            return
        dialog = QFileDialog(self, f"Export the report of {snapshot.id}", f"{snapshot.id}-report.png", REPORT_FILTERS)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setObjectName("reportFileDialog")
        dialog.fileSelected.connect(lambda path: self.export_report(snapshot.id, Path(path)))
        self.report_dialog = dialog
        dialog.open()

    def export_report(self, job_id: str, path: Path) -> None:
        """Build the report on the pool (plans on the window's live signals, where it has live ones, and the bundled
        data), then write it: a PNG is rendered here, on
        the GUI thread, as Qt wants; the other formats are text. The format follows the file's extension."""
        from carbon_gui.job_reports import render, report_for

        fmt = REPORT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            self._say(f"Give the report a .png, .csv, .json or .txt name, not '{path.name}'.")
            return
        self._say(f"Making the report of {job_id}…")
        jobs, signals = self._jobs, self._signals()

        def written(report: Any) -> None:
            try:
                if fmt == "png":
                    from carbon_gui.ui.jobs.report_image import save_report_png

                    save_report_png(report, path)
                else:
                    path.write_text(render(report, fmt), encoding="utf-8")
            except OSError as err:
                self._say(f"Could not write {path}: {err.strerror or err}.")
                return
            self._say(f"Wrote the report of {job_id} to {path}.")

        self._tasks.run(lambda: report_for(jobs(), job_id, signals), on_result=written,
                        on_error=lambda message: self._say(f"No report for {job_id}: {message}"))  # fmt: skip

    # --- cleanup -------------------------------------------------------------------------------------

    def open_cleanup(self) -> None:
        snapshot = self.selected()
        if snapshot is None or not snapshot.has_ended:
            return
        record = snapshot.record
        what = f"gs://{record.bucket}" if record.bucket else (record.staging_dir or "the staging directory")
        self._open(CleanupDialog.for_job(self._jobs, self._tasks, record.id, what, self))

    def review_orphans(self) -> None:
        if self.orphans_bar.orphans:
            self._open(CleanupDialog.for_orphans(self._jobs, self._tasks, self.orphans_bar.orphans, self))

    def _open(self, dialog: CleanupDialog) -> None:
        if self.cleanup_dialog is not None:
            self.cleanup_dialog.deleteLater()
        self.cleanup_dialog = dialog
        dialog.cleaned.connect(self._cleaned)
        dialog.open()

    def _cleaned(self, job_ids: list[str]) -> None:
        self._say(f"Cleaned up {len(job_ids)} job(s): {', '.join(job_ids)}.")
        self.monitor.check_orphans()
        self.monitor.poll_now()

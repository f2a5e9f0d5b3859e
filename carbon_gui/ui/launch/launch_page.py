"""Page 4: the launch, step by step, with Cancel; the job id on success, what was left behind on failure.

JobService.launch runs on the thread pool. It reports each step from that thread: the report is emitted as a
Qt signal, which Qt queues to the GUI thread, so widgets are only touched there.
"""

import html
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)
from shiboken6 import isValid

from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.jobs.launcher import LOCAL_STEPS, STEP_BUCKET, VERTEX_STEPS
from carbon_gui.jobs.request import LOCAL, LaunchPlan
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.launch.alive import while_alive
from carbon_gui.ui.workers import BackgroundTasks

WAITING, STARTED, DONE = "waiting", "started", "done"
MARKS = {WAITING: "○", STARTED: "◐", DONE: "✓"}
FAILED_MARK = "✗"


class _StepReports(QObject):
    """Carries (step, status) from the launch's thread to the GUI thread."""

    reported = Signal(str, str)


class LaunchPage(QWizardPage):
    launched = Signal(str)  # job id, once the launch succeeded
    show_job = Signal(str)  # job id: the user asked to see it in the Jobs tab

    def __init__(self, service: JobService, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service, self._tasks = service, tasks
        self._cancel = threading.Event()
        self._statuses: dict[str, str] = {}
        self._items: dict[str, QListWidgetItem] = {}
        self.plan: LaunchPlan | None = None
        self.job_id: str | None = None
        self.running = False
        self.finished = False
        self.setTitle("Launch")
        self.setFinalPage(True)

        self.steps = QListWidget()
        self.steps.setAccessibleName("Launch steps")
        self.steps.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setObjectName("launchMessage")
        self.cancel_button = QPushButton("&Cancel launch")
        self.cancel_button.setToolTip("Stops before the next step; what was already created is kept in the ledger")
        self.show_button = QPushButton("Show in &Jobs")
        self.show_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self._reports = _StepReports(self)
        self._reports.reported.connect(self._on_step)
        self.cancel_button.clicked.connect(self.cancel)
        self.show_button.clicked.connect(lambda: self.show_job.emit(self.job_id or ""))

    def isComplete(self) -> bool:
        return self.finished

    def start(self, plan: LaunchPlan) -> None:
        self.plan, self.running = plan, True
        where = "this machine" if plan.request.target == LOCAL else f"Vertex AI in {plan.request.region}"
        self.setSubTitle(f"Job {plan.job_id} on {where}.")
        steps = LOCAL_STEPS if plan.request.target == LOCAL else VERTEX_STEPS
        self.steps.clear()
        self._items.clear()
        for step in steps:
            self._items[step] = QListWidgetItem()
            self.steps.addItem(self._items[step])
            self._set_status(step, WAITING)
        rows = self.steps.sizeHintForRow(0) * len(steps) + 2 * self.steps.frameWidth() + 8
        self.steps.setFixedHeight(max(rows, 60))
        self.progress.setRange(0, len(steps))
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m steps")
        self.message.setText("Launching…")
        self._tasks.run(
            self._service.launch,
            plan,
            self._report,
            self._cancel,
            on_result=while_alive(self, self._succeeded),
            on_error=while_alive(self, self._failed),
        )

    def _report(self, step: str, status: str) -> None:
        """Called on the pool thread: the signal is queued to the GUI thread (dropped if the page is gone)."""
        if isValid(self._reports):
            self._reports.reported.emit(step, status)

    def step_status(self, step: str) -> str:
        """'waiting', 'started', 'done' or 'failed: <message>'."""
        return self._statuses.get(step, "")

    def cancel(self) -> None:
        if self.running and not self._cancel.is_set():
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling: the launch stops before its next step…")

    # --- reports --------------------------------------------------------------------------------------

    def _set_status(self, step: str, status: str) -> None:
        self._statuses[step] = status
        mark = MARKS.get(status, FAILED_MARK)
        shown = status if status in MARKS else "failed (why: below)"  # the whole message is under the list
        self._items[step].setText(f"{mark}  {step}: {shown}")

    def _on_step(self, step: str, status: str) -> None:
        if step not in self._items:
            return
        self._set_status(step, status)
        self.progress.setValue(sum(1 for s in self._statuses.values() if s == DONE))

    def _succeeded(self, record: object) -> None:
        assert isinstance(record, JobRecord)
        self._finish()
        self.job_id = record.id
        late = " Cancel came after the last step: cancel the job in the Jobs tab." if self._cancel.is_set() else ""
        where = "started on this machine" if record.target == LOCAL else f"submitted to Vertex AI ({record.state})"
        self.message.setText(f"<b>Job {record.id} {where}.</b> The Jobs tab follows it.{late}")
        self.show_button.setVisible(True)
        self.show_button.setFocus()
        self.launched.emit(record.id)

    def _failed(self, message: str) -> None:
        self._finish()
        heading = "" if self._cancel.is_set() else "<b>The launch failed.</b> "  # a cancel's message says it all
        lines = [heading + html.escape(message, quote=False)]
        bucket = self.plan.bucket if self.plan else None
        if bucket and self._statuses.get(STEP_BUCKET) == DONE:
            lines.append(f"The staging bucket gs://{bucket} was created: the Jobs tab offers to delete it.")
        self.message.setText("<br>".join(lines))

    def _finish(self) -> None:
        self.running, self.finished = False, True
        self.cancel_button.setEnabled(False)
        self.completeChanged.emit()

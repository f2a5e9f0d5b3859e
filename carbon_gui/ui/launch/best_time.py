""" "Launch at best time" on the review page: plan the start with the least expected emissions before a deadline,
show it with the savings against starting now, and record the job as scheduled once the user confirms.

Both steps are JobService calls on the thread pool (best_start, then schedule_best: the same methods as
`carbon-gui launch --at best`). The window launches the job when its start comes (jobs/schedule.py).
"""

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.core.forecast import MAX_HORIZON_HOURS
from carbon_gui.core.quantities import mass_text
from carbon_gui.jobs.planner import with_hints
from carbon_gui.jobs.request import LaunchPlan
from carbon_gui.jobs.schedule import DEFAULT_DEADLINE
from carbon_gui.jobs.service import BestStart, JobService, Signals
from carbon_gui.ui.launch.alive import while_alive
from carbon_gui.ui.launch.hints import WINDOW_HINTS
from carbon_gui.ui.workers import BackgroundTasks

NOT_READY = "Fix the problems listed above first: a scheduled job is checked like one launched now."


class BestTimeBox(QGroupBox):
    """`scheduled(record)`: the job is in the ledger as scheduled (its JobRecord); `show_job(job_id)`: the user
    asked to see it. `signals` gives the window's live signals when it has live ones (None: the bundled data)."""

    scheduled = Signal(object)
    show_job = Signal(str)

    def __init__(
        self, service: JobService, tasks: BackgroundTasks, parent: QWidget | None = None,
        signals: Callable[[], Signals | None] = lambda: None,
    ) -> None:  # fmt: skip
        super().__init__("Or launch at the best time", parent)
        self._service, self._tasks, self._signals = service, tasks, signals
        self._plan: LaunchPlan | None = None
        self._generation = 0  # bumped whenever the plan or the deadline changes: older answers are dropped
        self._deadline: datetime | None = None
        self.best: BestStart | None = None
        self.job_id: str | None = None

        self.deadline = QDoubleSpinBox()
        self.deadline.setRange(1.0, float(MAX_HORIZON_HOURS))
        self.deadline.setDecimals(1)
        self.deadline.setSuffix(" h from now")
        self.deadline.setValue(DEFAULT_DEADLINE.total_seconds() / 3600)
        self.deadline.setToolTip("The run must end by then; the start with the least expected emissions is chosen")
        deadline_label = QLabel("Finish &within:")
        deadline_label.setBuddy(self.deadline)
        self.plan_button = QPushButton("Launch at best &time…")
        self.confirm_button = QPushButton("Sc&hedule it")
        self.confirm_button.setVisible(False)
        self.show_button = QPushButton("Show in &Jobs")
        self.show_button.setVisible(False)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setObjectName("bestTimeResult")

        row = QHBoxLayout()
        row.addWidget(deadline_label)
        row.addWidget(self.deadline)
        row.addWidget(self.plan_button)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.result)

        self.deadline.valueChanged.connect(lambda _value: self._reset())
        self.plan_button.clicked.connect(self._find)
        self.confirm_button.clicked.connect(self._confirm)
        self.show_button.clicked.connect(lambda: self.show_job.emit(self.job_id or ""))
        self.set_plan(None)

    def set_plan(self, plan: LaunchPlan | None) -> None:
        """The dry run on screen; None while it is checked or has problems (nothing can be scheduled then)."""
        self._plan = plan
        self.job_id = None
        self.show_button.setVisible(False)
        self._reset()

    def _show_result(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(bool(text))  # an empty line would take the room the review page lacks at 1024x640

    def _reset(self) -> None:
        """What was planned no longer answers the inputs."""
        self._generation += 1
        self.best, self._deadline = None, None
        self.confirm_button.setVisible(False)
        self._show_result("")
        ready = self._plan is not None and self._plan.ready and self.job_id is None
        self.plan_button.setEnabled(ready)
        self.deadline.setEnabled(ready)
        self.plan_button.setToolTip(
            "Plan the start with the least expected emissions in this region; nothing is recorded until you confirm"
            if ready
            else NOT_READY
        )

    def _find(self) -> None:
        assert self._plan is not None
        self._reset()
        generation, now = self._generation, datetime.now(UTC)
        self._deadline = now + timedelta(hours=self.deadline.value())
        self.plan_button.setEnabled(False)
        self._show_result("Planning the start on the hourly data…")
        self._tasks.run(
            self._service.best_start,
            self._plan.request,
            self._deadline,
            now,
            self._signals(),
            on_result=while_alive(self, lambda best: self._found(generation, best)),
            on_error=while_alive(self, lambda message: self._failed(generation, message)),
        )

    def _found(self, generation: int, best: object) -> None:
        if generation != self._generation:
            return  # the inputs changed while it was planned
        assert isinstance(best, BestStart) and self._plan is not None
        self.best = best
        self.plan_button.setEnabled(True)
        hours = self._plan.request.hours
        wait_h = (best.start - datetime.now(UTC)).total_seconds() / 3600
        when = f"in {wait_h:.1f} h" if wait_h >= 0.05 else "now"
        lines = [
            f"<b>Best start: {best.start:%Y-%m-%d %H:%M} UTC</b> ({when}), ending "
            f"{best.start + timedelta(hours=hours):%Y-%m-%d %H:%M} UTC.",
            f"Expected emissions: {mass_text(best.emissions_kg)} CO₂e.",
        ]
        savings = best.savings()
        if savings is None or best.now_kg is None:
            lines.append("Starting now: unknown, so no saving can be given.")
        elif savings[0] <= 0:
            lines.append(f"Starting now: {mass_text(best.now_kg)} CO₂e: no later start before the deadline emits less.")
        else:
            lines.append(
                f"Starting now: {mass_text(best.now_kg)} CO₂e, so this saves {mass_text(savings[0])} "
                f"({savings[1]:.0f} %)."
            )
        lines.append(f"Hourly data: {html.escape(best.source)}. Nothing is recorded until you schedule it.")
        self._show_result("<br>".join(lines))
        self.confirm_button.setText(f"Sc&hedule for {best.start:%H:%M} UTC")
        self.confirm_button.setVisible(True)
        self.confirm_button.setEnabled(True)
        self.confirm_button.setFocus()

    def _confirm(self) -> None:
        assert self._plan is not None and self.best is not None and self._deadline is not None
        generation = self._generation
        self.confirm_button.setEnabled(False)
        self.plan_button.setEnabled(False)
        self._tasks.run(
            self._service.schedule_best,
            self._plan,
            self.best,
            self._deadline,
            on_result=while_alive(self, self._recorded),  # recorded whatever changed meanwhile: say so
            on_error=while_alive(self, lambda message: self._failed(generation, message)),
        )

    def _recorded(self, record: object) -> None:
        assert isinstance(record, JobRecord)
        self.job_id = record.id
        self.deadline.setEnabled(False)
        self.confirm_button.setVisible(False)
        start = f"{record.scheduled_for:%Y-%m-%d %H:%M} UTC" if record.scheduled_for else "its start"
        self._show_result(
            f"<b>{record.id} is scheduled for {start}.</b> carbon-gui launches it then while it runs "
            "(or `carbon-gui launch-scheduled`); the Jobs tab shows it and can drop it."
        )
        self.show_button.setVisible(True)
        self.show_button.setFocus()
        self.scheduled.emit(record)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.best = None
        self.confirm_button.setVisible(False)
        self.plan_button.setEnabled(self._plan is not None and self._plan.ready)
        first_line = message.strip().splitlines()[0] if message.strip() else "unknown error"
        first_line = with_hints([first_line], WINDOW_HINTS)[0]
        self._show_result(f"<b>Not scheduled:</b> {html.escape(first_line)}")

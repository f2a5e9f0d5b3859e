"""The window's training-job wiring: the Jobs tab, Launch… (Ctrl+L) from the selected region, and
Settings → Google Cloud…. The tab's contents are built once background work may start (after the
first paint), so start-up pays nothing for the job flow.

Scheduled jobs (`launch --at`): a timer launches the due ones and, every REPLAN_INTERVAL, re-plans those whose
start the planner chose (saying so when the start moved), all on the pool. On start, each scheduled start that
passed while the app was closed is put to the user: launch now, re-plan or drop (MissedStartDialog)."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from carbon_gui.ui.services import Services

if TYPE_CHECKING:  # workers loads after the first paint, not at start-up
    from carbon_gui.cloud.ledger import JobRecord
    from carbon_gui.core.catalog import CarbonFigure
    from carbon_gui.core.live_carbon import LiveCarbon
    from carbon_gui.jobs.service import Signals
    from carbon_gui.ui.dialogs.missed_start_dialog import MissedStartDialog
    from carbon_gui.ui.hardware.optimise_page import LaunchPrefill
    from carbon_gui.ui.jobs.jobs_view import JobsView
    from carbon_gui.ui.launch.wizard import LaunchWizard
    from carbon_gui.ui.live_data import LiveData
    from carbon_gui.ui.workers import BackgroundTasks

NO_CLOUD = "Training jobs are not available in this window (no job service was given)."
Clock = Callable[[], datetime]


class LaunchContext:
    """What the planner has selected, read when the user asks to launch."""

    def __init__(
        self,
        region: Callable[[], str | None],
        machine: Callable[[], tuple[str, str | None, int]],
        hours: Callable[[], float],
        live: Callable[[], "LiveCarbon | None"],
        grid: Callable[[], "LiveData | None"] = lambda: None,
    ) -> None:
        """`live`: the figures the ranking uses; `grid`: the window's latest grid signals (running jobs' estimates)."""
        self.region, self.machine, self.hours, self.live, self.grid = region, machine, hours, live, grid


class JobsController(QObject):
    def __init__(
        self, window: QMainWindow, services: Services, project: Callable[[], str], set_project: Callable[[str], None],
        context: LaunchContext, clock: Clock = lambda: datetime.now(UTC),
    ) -> None:  # fmt: skip
        super().__init__(window)
        self._window, self._services, self._context, self._clock = window, services, context, clock
        self._schedule_timer = QTimer(self)
        self._schedule_timer.timeout.connect(self.check_schedule)
        self._checking = False
        self._last_replan: datetime | None = None
        self.missed_dialog: MissedStartDialog | None = None
        self._missed: list[Any] = []  # scheduled jobs whose start passed while closed, still to ask about
        self._project, self._set_project = project, set_project
        self._tasks: BackgroundTasks | None = None
        self.view: JobsView | None = None
        self.show_tab: Callable[[], None] = lambda: None  # the window brings the Jobs tab forward
        self.tab = QWidget()
        self._tab_layout = QVBoxLayout(self.tab)
        self._placeholder = QLabel("Reading the jobs…" if services.jobs else NO_CLOUD)
        self._tab_layout.addWidget(self._placeholder)

        self.launch_action = QAction("&Launch training job…", window)
        self.launch_action.setObjectName("launchAction")
        self.launch_action.setShortcut(QKeySequence("Ctrl+L"))
        self.launch_action.setToolTip("Launch a Vertex AI job in the selected region, or run it on this machine")
        self.launch_action.triggered.connect(self.open_launch_wizard)
        self.gcloud_action = QAction("&Google Cloud…", window)
        self.gcloud_action.setObjectName("gcloudAction")
        self.gcloud_action.triggered.connect(self.edit_gcloud)
        for action in (self.launch_action, self.gcloud_action):
            action.setEnabled(False)  # until background work may start

    def attach(self, tasks: "BackgroundTasks") -> None:
        """Build the Jobs tab and start monitoring (recovery, orphans, polling), all on the pool."""
        self._tasks = tasks
        if self._services.jobs is None:
            return
        from carbon_gui.ui.jobs.jobs_view import JobsView

        self.view = JobsView(self._services.jobs, tasks, intensity=self._live_intensity, signals=self._live_signals,
                             launch=self.launch_action)  # fmt: skip
        self._tab_layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._tab_layout.addWidget(self.view)
        self.view.monitor.notify.connect(lambda text: self._window.statusBar().showMessage(text, 15000))
        self.view.start()
        from carbon_gui.jobs.schedule import CHECK_INTERVAL_MS

        self._schedule_timer.start(CHECK_INTERVAL_MS)
        self.ask_about_missed_starts()
        self.launch_action.setEnabled(True)
        self.gcloud_action.setEnabled(self._services.gcp_access is not None and self._services.secret_store is not None)

    def _live_intensity(self, region: str) -> "CarbonFigure | None":
        """The latest fresh live intensity of `region` the window has, for a running job's estimate."""
        from carbon_gui.ui.jobs.job_estimates import live_intensity

        grid = self._context.grid()
        if grid is None:
            return None
        return live_intensity(grid.signals.get(region), self._clock(), grid.stale_after_s)

    def _live_signals(self) -> "Signals | None":
        """The window's live grid signals (not the 2024 replay), for planning a start: the When tab's rule."""
        grid = self._context.grid()
        signals = {name: s for name, s in grid.signals.items() if not s.is_replay} if grid is not None else {}
        return signals or None

    def shutdown(self) -> None:
        self._schedule_timer.stop()
        if self.view is not None:
            self.view.stop()

    # --- scheduled jobs ---------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        if text:
            self._window.statusBar().showMessage(text, 20000)
            if self.view is not None:
                self.view.message.setText(text)
                self.view.message.setVisible(True)

    def check_schedule(self) -> None:
        """Launch the due scheduled jobs and, now and then, re-plan the waiting ones: on the pool."""
        if self._tasks is None or self._services.jobs is None or self._checking:
            return
        from carbon_gui.jobs.schedule import REPLAN_INTERVAL

        jobs, now, signals = self._services.jobs, self._clock(), self._live_signals()
        replan = self._last_replan is None or now - self._last_replan >= REPLAN_INTERVAL
        self._last_replan = now if replan else self._last_replan

        def work() -> list[str]:
            service = jobs()
            return service.launch_due(now) + (service.replan_waiting(now, signals) if replan else [])

        self._checking = True
        self._tasks.run(work, on_result=self._schedule_checked, on_error=self._schedule_failed)

    def _schedule_checked(self, lines: list[str]) -> None:
        self._checking = False
        self._say(" ".join(lines))
        if lines and self.view is not None:
            self.view.monitor.poll_now()

    def _schedule_failed(self, message: str) -> None:
        self._checking = False
        self._say(f"Could not check the scheduled jobs: {message}")

    def ask_about_missed_starts(self) -> None:
        """Find the scheduled starts that passed while the app was closed (on the pool), then ask about each."""
        if self._tasks is None or self._services.jobs is None:
            return
        from carbon_gui.jobs.schedule import missed

        jobs, now = self._services.jobs, self._clock()

        def found(records: list[Any]) -> None:
            self._missed = records
            self._ask_next()

        self._tasks.run(lambda: missed(jobs().jobs(), now), on_result=found, on_error=self._schedule_failed)

    def _ask_next(self) -> None:
        if not self._missed:
            self.missed_dialog = None
            return
        from carbon_gui.ui.dialogs.missed_start_dialog import MissedStartDialog

        job = self._missed.pop(0)
        dialog = MissedStartDialog(job.id, job.display_name, job.scheduled_for, self._window)
        dialog.chosen.connect(self._missed_choice)
        dialog.finished.connect(lambda _: self._ask_next())
        self.missed_dialog = dialog
        dialog.open()

    def _missed_choice(self, job_id: str, choice: str) -> None:
        assert self._tasks is not None and self._services.jobs is not None  # the dialog exists only then
        from carbon_gui.ui.dialogs.missed_start_dialog import DROP, LAUNCH

        jobs, signals = self._services.jobs, self._live_signals()

        def work() -> str:
            service = jobs()
            if choice == LAUNCH:
                record = service.submit_scheduled(job_id, lambda *_: None, threading.Event())
                return f"Launched {job_id}: it is {record.state}."
            if choice == DROP:
                service.drop(job_id)
                return f"Dropped {job_id}: it will not start."
            replanned = service.replan(job_id, self._clock(), signals)
            start = replanned.record.scheduled_for
            return f"{job_id} now starts {start:%Y-%m-%d %H:%M} UTC. {replanned.message or ''}".strip()

        def done(text: str) -> None:
            self._say(text)
            if self.view is not None:
                self.view.monitor.poll_now()

        self._tasks.run(work, on_result=done, on_error=lambda message: self._say(f"{job_id}: {message}"))

    def open_launch_wizard(self) -> None:
        if self._tasks is None or self._services.jobs is None:
            return
        region = self._context.region()
        if region is None:
            self._window.statusBar().showMessage("Select a region in the ranking first, then Launch… (Ctrl+L).", 8000)
            return
        self._open_wizard(region, *self._context.machine(), self._context.hours())

    def open_prefilled_wizard(self, prefill: "LaunchPrefill") -> None:
        """The Hardware tab's "Launch with this": its machine, GPU, region, run length and script arguments."""
        region = prefill.region or self._context.region()
        if self._tasks is None or self._services.jobs is None or region is None:
            message = "Select a region in the ranking, or let the optimiser choose one (Regions), then launch."
            self._window.statusBar().showMessage(message, 8000)
            return
        hours = prefill.hours if prefill.hours is not None else self._context.hours()
        wizard = self._open_wizard(region, prefill.machine_type, prefill.accelerator, prefill.accelerator_count, hours)
        wizard.hardware_page.args.setText(prefill.script_arguments)

    def _open_wizard(
        self, region: str, machine: str, accelerator: str | None, count: int, hours: float
    ) -> "LaunchWizard":
        from carbon_gui.ui.launch.wizard import LaunchWizard

        assert self._tasks is not None and self._services.jobs is not None  # checked by the callers
        wizard = LaunchWizard(
            self._services.jobs(),
            self._tasks,
            region,
            machine,
            accelerator,
            count,
            hours,
            self._project() or None,
            live=self._context.live(),
            parent=self._window,
            signals=self._live_signals,
        )
        wizard.job_launched.connect(self._job_launched)
        wizard.job_scheduled.connect(self._job_scheduled)
        wizard.show_job.connect(self._show_job)
        self.wizard = wizard
        wizard.open()
        return wizard

    def _job_launched(self, job_id: str) -> None:
        if self.view is not None:
            self.view.monitor.poll_now()
            self._window.statusBar().showMessage(f"Launched {job_id}: follow it in the Jobs tab (Ctrl+4).", 10000)

    def _job_scheduled(self, record: "JobRecord") -> None:
        """Said in the status bar, and in the Jobs tab at once (not on its next poll)."""
        start = f"{record.scheduled_for:%H:%M} UTC" if record.scheduled_for else "its start"
        self._window.statusBar().showMessage(
            f"Job {record.id} scheduled for {start} in {record.region}: the Jobs tab (Ctrl+4) shows it.", 15000
        )
        if self.view is not None:
            self.view.show_new_job(record)

    def _show_job(self, job_id: str) -> None:
        if self.view is None:
            return
        self.show_tab()
        self.view.monitor.poll_now()
        self.view.select(job_id)

    def edit_gcloud(self) -> None:
        if self._tasks is None or self._services.gcp_access is None or self._services.secret_store is None:
            return
        from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog

        dialog = GcloudDialog(self._project(), self._services.secret_store, self._services.gcp_access, self._tasks,
                              self._window)  # fmt: skip
        dialog.project_changed.connect(self._set_project)
        jobs, tasks = self._services.jobs, self._tasks
        if jobs is not None:  # a new key: the next cloud call resolves credentials afresh

            def forget() -> None:
                tasks.run(lambda: jobs().forget_credentials(), on_result=lambda _: None, on_error=lambda _: None)

            dialog.key_changed.connect(forget)
        self.gcloud_dialog = dialog
        dialog.open()

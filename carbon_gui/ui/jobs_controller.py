"""The window's training-job wiring: the Jobs tab, Launch… (Ctrl+L) from the selected region, and
Settings → Google Cloud…. The tab's contents are built once background work may start (after the
first paint), so start-up pays nothing for the job flow."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from carbon_gui.ui.services import Services

if TYPE_CHECKING:  # workers imports superqt: after the first paint, not at start-up
    from carbon_gui.core.live_carbon import LiveCarbon
    from carbon_gui.ui.hardware.optimise_page import LaunchPrefill
    from carbon_gui.ui.jobs.jobs_view import JobsView
    from carbon_gui.ui.launch.wizard import LaunchWizard
    from carbon_gui.ui.workers import BackgroundTasks

NO_CLOUD = "Training jobs are not available in this window (no job service was given)."


class LaunchContext:
    """What the planner has selected, read when the user asks to launch."""

    def __init__(
        self,
        region: Callable[[], str | None],
        machine: Callable[[], tuple[str, str | None, int]],
        hours: Callable[[], float],
        live: Callable[[], "LiveCarbon | None"],
    ) -> None:
        self.region, self.machine, self.hours, self.live = region, machine, hours, live


class JobsController(QObject):
    def __init__(
        self, window: QMainWindow, services: Services, project: Callable[[], str], set_project: Callable[[str], None],
        context: LaunchContext,
    ) -> None:  # fmt: skip
        super().__init__(window)
        self._window, self._services, self._context = window, services, context
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

        self.view = JobsView(self._services.jobs, tasks)
        self._tab_layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._tab_layout.addWidget(self.view)
        self.view.monitor.notify.connect(lambda text: self._window.statusBar().showMessage(text, 15000))
        self.view.start()
        self.launch_action.setEnabled(True)
        self.gcloud_action.setEnabled(self._services.gcp_access is not None and self._services.secret_store is not None)

    def shutdown(self) -> None:
        if self.view is not None:
            self.view.stop()

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
        )
        wizard.job_launched.connect(self._job_launched)
        wizard.show_job.connect(self._show_job)
        self.wizard = wizard
        wizard.open()
        return wizard

    def _job_launched(self, job_id: str) -> None:
        if self.view is not None:
            self.view.monitor.poll_now()
            self._window.statusBar().showMessage(f"Launched {job_id}: follow it in the Jobs tab (Ctrl+4).", 10000)

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

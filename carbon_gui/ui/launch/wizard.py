"""The launch wizard: script → where and on what → review (the dry run; or launch at the best time) → launch.

Every JobService call runs on the thread pool: the dry run (it reads the script), loading the lists of
machines and images, planning and recording a scheduled start, and the launch. The dry run is recomputed
whenever an input changes.
"""

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.jobs.request import VERTEX, LaunchPlan, LaunchRequest
from carbon_gui.jobs.service import JobService, Signals
from carbon_gui.ui.dialogs.screen_fit import resize_within_screen
from carbon_gui.ui.launch.alive import while_alive
from carbon_gui.ui.launch.best_time import BestTimeBox
from carbon_gui.ui.launch.dry_run import DryRun
from carbon_gui.ui.launch.hardware_choices import HardwareCatalog, load_hardware_catalog
from carbon_gui.ui.launch.hardware_page import HardwarePage
from carbon_gui.ui.launch.launch_page import LaunchPage
from carbon_gui.ui.launch.review_page import ReviewPage
from carbon_gui.ui.launch.script_page import ScriptPage
from carbon_gui.ui.workers import BackgroundTasks

SCRIPT, HARDWARE, REVIEW, LAUNCH = range(4)


class LaunchWizard(QWizard):
    """Opened from the region the planner selected, with its machine, GPU and run length.

    `job_launched(job_id)`: the launch succeeded (the job is in the ledger).
    `job_scheduled(record)`: the job is in the ledger as scheduled ("Launch at best time"), its JobRecord.
    `show_job(job_id)`: the user pressed "Show in Jobs" (the wizard then closes).
    """

    job_launched = Signal(str)
    job_scheduled = Signal(object)
    show_job = Signal(str)

    def __init__(
        self,
        service: JobService,
        tasks: BackgroundTasks,
        region: str,
        machine_type: str,
        accelerator: str | None,
        accelerator_count: int,
        hours: float,
        project: str | None,
        live: LiveCarbon | None = None,
        parent: QWidget | None = None,
        signals: Callable[[], Signals | None] = lambda: None,
    ) -> None:
        """`live`: the figures the ranking uses (the estimate); `signals`: the window's live grid signals, for the
        best start (None: the bundled hourly data)."""
        super().__init__(parent)
        self._service, self._tasks, self._region = service, tasks, region
        self._closed = False
        self.setWindowTitle(f"Launch a training job in {region}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)  # the launch page has its own Cancel
        resize_within_screen(self, 900, 720)

        self.script_page = ScriptPage(tasks)
        self.hardware_page = HardwarePage(
            region, machine_type, accelerator, accelerator_count, hours, project, date.today()
        )
        self.review_page = ReviewPage(BestTimeBox(service, tasks, signals=signals))
        self.launch_page = LaunchPage(service, tasks)
        for page_id, page in ((SCRIPT, self.script_page), (HARDWARE, self.hardware_page),
                              (REVIEW, self.review_page), (LAUNCH, self.launch_page)):  # fmt: skip
            self.setPage(page_id, page)

        self.dry_run = DryRun(service, tasks, live, parent=self)
        self.dry_run.checking.connect(self.review_page.show_checking)
        self.dry_run.planned.connect(self._planned)
        self.dry_run.failed.connect(self.review_page.show_failure)
        self.script_page.changed.connect(self._requirements_named)
        self.script_page.changed.connect(self.inputs_changed)
        self.hardware_page.local.toggled.connect(self.script_page.set_local)
        self.hardware_page.changed.connect(self.inputs_changed)
        self.launch_page.launched.connect(self.job_launched.emit)
        self.launch_page.show_job.connect(self._show_job)
        self.review_page.best_time.scheduled.connect(self.job_scheduled.emit)
        self.review_page.best_time.show_job.connect(self._show_job)
        self.currentIdChanged.connect(self._page_shown)

        tasks.run(
            lambda: load_hardware_catalog(service.images()),
            on_result=while_alive(self, self._catalog_loaded),
            on_error=while_alive(self, self._catalog_failed),
        )

    @property
    def plan(self) -> LaunchPlan | None:
        """The dry run on screen, when it answers the current inputs."""
        return None if self.dry_run.pending else self.review_page.plan

    def request(self) -> LaunchRequest | None:
        """What the pages say now; None until a script is named."""
        script, hardware = self.script_page.choice(), self.hardware_page.choice()
        if script.script is None:
            return None
        return LaunchRequest(
            target=hardware.target,
            region=self._region,
            script=script.script,
            machine_type=hardware.machine_type,
            hours=hardware.hours,
            project=hardware.project,
            requirements=script.requirements if hardware.target == VERTEX else None,  # a local run installs none
            function=script.function,
            accelerator_type=hardware.accelerator_type,
            accelerator_count=hardware.accelerator_count,
            image_uri=hardware.image_uri,
            args=hardware.args,
            env=hardware.env,
            display_name=hardware.display_name,
        )

    def inputs_changed(self) -> None:
        request = self.request()
        if request is not None and not self._closed:
            self.dry_run.update(request)

    # --- slots ------------------------------------------------------------------------------------------

    def _catalog_loaded(self, catalog: object) -> None:
        if not self._closed:
            assert isinstance(catalog, HardwareCatalog)
            self.hardware_page.set_catalog(catalog)

    def _catalog_failed(self, message: str) -> None:
        if not self._closed:
            self.hardware_page.catalog_failed(message)

    def _requirements_named(self) -> None:
        self.hardware_page.set_requirements_named(self.script_page.choice().requirements is not None)

    def _planned(self, plan: object) -> None:
        assert isinstance(plan, LaunchPlan)
        self.review_page.show_plan(plan, self.hardware_page.choice().problems)

    def _page_shown(self, page_id: int) -> None:
        if page_id == REVIEW and self.review_page.plan is None and not self.dry_run.pending:
            self.inputs_changed()
        if page_id == LAUNCH and self.review_page.plan is not None:
            self.launch_page.start(self.review_page.plan)

    def _show_job(self, job_id: str) -> None:
        self.show_job.emit(job_id)
        self.accept()

    def reject(self) -> None:
        """Escape or Cancel while launching cancels the launch (it stops before its next step) and stays open
        to show where it stopped; otherwise the wizard closes."""
        if self.launch_page.running:
            self.launch_page.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._closed = True
        self.dry_run.stop()
        super().done(result)

"""The dry run, recomputed off the GUI thread whenever an input changes: debounced, newest answer only."""

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.launch.alive import while_alive
from carbon_gui.ui.workers import BackgroundTasks

DEBOUNCE_MS = 300


class DryRun(QObject):
    """`update(request)` schedules a plan; `planned(LaunchPlan)` or `failed(message)` answer the newest request.

    `pending` is True from an update until its answer arrives: a plan on screen is then out of date.
    """

    checking = Signal()
    planned = Signal(object)  # LaunchPlan
    failed = Signal(str)

    def __init__(
        self,
        service: JobService,
        tasks: BackgroundTasks,
        live: LiveCarbon | None,
        delay_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service, self._tasks, self._live = service, tasks, live
        self._request: LaunchRequest | None = None
        self._generation = 0  # bumped by every update: answers to older requests are stale
        self._stopped = False
        self.pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._run)

    def update(self, request: LaunchRequest) -> None:
        self._request = request
        self._generation += 1
        self.pending = True
        self._timer.start()  # restarts the wait: typing keeps postponing the plan
        self.checking.emit()

    def stop(self) -> None:
        """No more plans, and answers still on their way are dropped (the wizard is closing)."""
        self._stopped = True
        self._timer.stop()

    def _run(self) -> None:
        generation, request = self._generation, self._request
        if request is None or self._stopped:
            return
        self._tasks.run(
            self._service.plan,
            request,
            self._live,
            on_result=while_alive(self, lambda plan: self._answer(generation, self.planned, plan)),
            on_error=while_alive(self, lambda message: self._answer(generation, self.failed, message)),
        )

    def _answer(self, generation: int, signal: SignalInstance, value: object) -> None:
        if self._stopped or generation != self._generation:
            return  # a newer request is on its way
        self.pending = False
        signal.emit(value)

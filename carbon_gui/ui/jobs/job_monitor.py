"""Follows the jobs the app launched: polls them on a timer through the thread pool, one poll at a time,
says which job changed state (a desktop notification, or a status-bar message without a system tray), and
at start settles interrupted launches (recover) and looks for orphan buckets — all off the GUI thread."""

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import message_text
from carbon_gui.ui.jobs.poll_intervals import PollIntervals
from carbon_gui.ui.workers import BackgroundTasks

if TYPE_CHECKING:
    from carbon_gui.jobs.service import JobService
    from carbon_gui.ui.jobs.job_poll import PollResult

NOTIFY_MS = 8000


class JobMonitor(QObject):
    """`start()` once; `poll_now()` after the user did something (launch, cancel, cleanup); `stop()` on close."""

    jobs_changed = Signal(object)  # tuple[JobSnapshot, ...], newest first, after every poll
    state_changed = Signal(str, str, str)  # job id, previous state, new state
    notify = Signal(str)  # a state change in words, for the status bar (only when there is no system tray)
    orphans_found = Signal(object)  # list[Orphan[BucketRecord]]
    recovered = Signal(object)  # list[str]: what recovery settled at start, one line each
    poll_failed = Signal(str)  # the poll as a whole failed (the ledger could not be read)
    damaged_found = Signal(object)  # tuple[DamagedRecord, ...]: ledger rows that cannot be read, after every poll

    def __init__(
        self,
        jobs: Callable[[], "JobService"],
        tasks: BackgroundTasks,
        intervals: PollIntervals = PollIntervals(),  # noqa: B008 - frozen
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs, self._tasks, self._intervals = jobs, tasks, intervals
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll_now)
        self._polling = False
        self._again = False
        self._stopped = False
        self._interval_s: float | None = None
        self._states: dict[str, str] | None = None  # after the first poll: each job's state
        self._measured: set[str] = set()
        self._tray: QSystemTrayIcon | None = None

    @property
    def interval_s(self) -> float | None:
        """The wait before the next poll (None before the first)."""
        return self._interval_s

    @property
    def polling(self) -> bool:
        return self._polling

    def start(self) -> None:
        """Settle interrupted launches, look for orphans, then poll."""
        self._polling = True

        def recover_then_find_orphans() -> tuple[list[str], list[Any]]:
            service = self._jobs()
            return service.notices() + service.recover(), service.orphans()

        started = self._tasks.run(recover_then_find_orphans, on_result=self._recovered, on_error=self._recovery_failed)
        if started is None:
            self._polling = False

    def poll_now(self) -> None:
        if self._stopped:
            return
        if self._polling:
            self._again = True  # never two polls at once: one more right after this one
            return
        self._timer.stop()
        self._polling = True
        if self._tasks.run(self._poll, on_result=self._polled, on_error=self._failed) is None:
            self._polling = False

    def check_orphans(self) -> None:
        self._tasks.run(
            lambda: self._jobs().orphans(), on_result=self.orphans_found.emit, on_error=self.poll_failed.emit
        )

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self._tray is not None:
            self._tray.hide()

    # --- on the pool ---------------------------------------------------------------------------------

    def _poll(self) -> "PollResult":
        from carbon_gui.ui.jobs.job_poll import poll_jobs  # pulls in the cloud modules: first use, on the pool

        return poll_jobs(self._jobs())

    # --- back on the GUI thread ----------------------------------------------------------------------

    def _recovered(self, result: tuple[list[str], list[Any]]) -> None:
        notes, orphans = result
        self._polling = False
        if notes:
            self.recovered.emit(notes)
        self.orphans_found.emit(orphans)
        self.poll_now()

    def _recovery_failed(self, message: str) -> None:
        self._polling = False
        self.poll_failed.emit(f"Could not check for interrupted launches: {message}")
        self.poll_now()

    def _polled(self, result: "PollResult") -> None:
        changed = self._announce_changes(result.snapshots)
        self._interval_s = self._intervals.next(self._interval_s, result.snapshots, changed)
        retry = f"retrying in {self._interval_s:g} s"
        snapshots = tuple(
            dataclasses.replace(s, note=f"Could not update: {result.failures[s.id].rstrip('.')} — {retry}")
            if s.id in result.failures
            else s
            for s in result.snapshots
        )
        self.jobs_changed.emit(snapshots)
        self.damaged_found.emit(result.damaged)
        self._next()

    def _failed(self, message: str) -> None:
        self._interval_s = self._intervals.next(self._interval_s, (), changed=False)
        self.poll_failed.emit(f"Could not read the jobs: {message.rstrip('.')} — retrying in {self._interval_s:g} s")
        self._next()

    def _next(self) -> None:
        self._polling = False
        if self._stopped:
            return
        if self._again:
            self._again = False
            self.poll_now()
            return
        self._timer.start(round((self._interval_s or self._intervals.vertex_s) * 1000))

    def _announce_changes(self, snapshots: tuple[JobSnapshot, ...]) -> bool:
        """Signals and notifications for jobs whose state moved since the last poll; True if anything changed."""
        previous = self._states
        self._states = {s.id: s.record.state for s in snapshots}
        measured = {s.id for s in snapshots if s.record.measured}
        changed = previous is None or previous.keys() != self._states.keys() or measured != self._measured
        self._measured = measured
        if previous is None:
            return changed
        for s in snapshots:
            before = previous.get(s.id)
            if before is not None and before != s.record.state:
                changed = True
                self.state_changed.emit(s.id, before, s.record.state)
                self._notify(s)
        return changed

    def _notify(self, snapshot: JobSnapshot) -> None:
        record = snapshot.record
        text = f"{record.display_name} ({record.id}) is now {record.state}."
        if record.state == "failed" and record.error:
            text += " " + message_text(record.error.splitlines()[0])
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = QSystemTrayIcon.MessageIcon.Information
            self._tray_icon().showMessage("carbon-gui: training job", text, icon, NOTIFY_MS)
        else:
            self.notify.emit(text)

    def _tray_icon(self) -> QSystemTrayIcon:
        if self._tray is None:
            icon = QApplication.windowIcon()
            if icon.isNull():
                icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("carbon-gui: training jobs")
            self._tray.show()
        return self._tray

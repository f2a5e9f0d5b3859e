"""Background work: plain functions run on the thread pool; results return to the GUI thread
through signals, never by touching widgets from the pool thread.

The workers are our own, not superqt's: superqt's wrapped every task in `warnings.catch_warnings()` on its pool
thread, which swaps the process-wide warning filters at each task's start and end. A library importing on another
thread meanwhile lost the filters it had just installed: requests' first import then failed half-way (urllib3's
SOCKS DependencyWarning turned into an error), and every later `import requests` returned a module without its
submodules (tests/ui/test_import_race.py)."""

import atexit
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from carbon_gui.core.errors import UserFacingError
from carbon_gui.sources.http_imports import skip_absent_socks_support

EXIT_WAIT_MS = 3000
skip_absent_socks_support()  # before any task can import requests (other code may swap the warning filters then)


class _Signals(QObject):
    """Created on the GUI thread, emitted on the pool thread: delivered queued, on the GUI thread."""

    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


class _Worker(QRunnable):
    """Runs `func(*args)` once on the pool and reports how it went; touches no process-wide state."""

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()  # the pool deletes it after `run` (as superqt's); BackgroundTasks holds it till `finished`
        self._func, self._args = func, args
        self.signals = _Signals()
        self.abort_requested = False

    def run(self) -> None:
        try:
            result = self._func(*self._args)
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which says what went wrong
            self.signals.errored.emit(exc)
        else:
            if not self.abort_requested:
                self.signals.returned.emit(result)
        self.signals.finished.emit()

    def quit(self) -> None:
        """Ask it not to deliver its result (a running function is not interrupted)."""
        self.abort_requested = True


class BackgroundTasks:
    """Starts workers and keeps them alive until they finish; `shutdown` stops delivering their results."""

    def __init__(self) -> None:
        self._running: set[_Worker] = set()
        self._closed = False
        _wait_at_exit()

    def run(
        self,
        func: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> _Worker | None:
        if self._closed:
            return None
        worker = _Worker(func, args)

        def deliver(result: Any) -> None:
            if not self._closed:
                on_result(result)

        def fail(exc: BaseException) -> None:
            if self._closed:
                return
            if isinstance(exc, UserFacingError):
                on_error(str(exc))
            else:  # a bug, not bad input: say so without showing a traceback in the window
                on_error(f"Unexpected error ({type(exc).__name__}: {exc}). Please report it.")

        worker.signals.returned.connect(deliver)
        worker.signals.errored.connect(fail)
        worker.signals.finished.connect(lambda: self._running.discard(worker))
        self._running.add(worker)
        QThreadPool.globalInstance().start(worker)
        return worker

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self) -> None:
        """Stop delivering results and ask running work to stop. Never waits: closing a window stays prompt;
        the application waits (bounded) at exit, in `wait_for_background_work`."""
        self._closed = True
        for worker in list(self._running):
            worker.quit()


def wait_for_background_work(timeout_ms: int = EXIT_WAIT_MS) -> bool:
    """Let running work end, bounded. Runs at exit (after the windows have gone), so no thread outlives Qt."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


_exit_wait_registered = False


def _wait_at_exit() -> None:
    global _exit_wait_registered
    if not _exit_wait_registered:
        atexit.register(wait_for_background_work)
        _exit_wait_registered = True

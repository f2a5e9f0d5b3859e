"""Background work: plain functions run on the thread pool; results return to the GUI thread
through signals (superqt workers), never by touching widgets from the pool thread."""

import atexit
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThreadPool
from superqt.utils import WorkerBase, create_worker

from carbon_gui.core.errors import UserFacingError

EXIT_WAIT_MS = 3000


class BackgroundTasks:
    """Starts workers and keeps them alive until they finish; `shutdown` stops delivering their results."""

    def __init__(self) -> None:
        self._running: set[WorkerBase[Any]] = set()
        self._closed = False
        _wait_at_exit()

    def run(
        self,
        func: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> WorkerBase[Any] | None:
        if self._closed:
            return None
        worker: WorkerBase[Any] = create_worker(func, *args, _start_thread=False, _ignore_errors=True)  # errors: `fail`

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

        worker.returned.connect(deliver)
        worker.errored.connect(fail)
        worker.finished.connect(lambda *_: self._running.discard(worker))
        self._running.add(worker)
        worker.start()
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

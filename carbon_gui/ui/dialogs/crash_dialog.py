"""Unhandled exceptions: a copyable, scrubbed report in a dialog and in the log dir; the app keeps running.

`CrashHandler.install()` takes over sys.excepthook (exceptions in Qt slots and event handlers end up there),
threading.excepthook (worker threads: the report crosses to the GUI thread through a queued signal) and Qt's message
handler (Qt's warnings go to the log, not to stderr only).
"""

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, Qt, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.app_log import crash_report, write_crash_report

logger = logging.getLogger("carbon_gui.crash")
qt_logger = logging.getLogger("qt")
MAX_REPORTS_SHOWN = 20  # an error in a paint handler repeats on every paint: no more files or dialog text after this
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class CrashDialog(QDialog):
    def __init__(self, report: str, saved_to: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("carbon_gui: unexpected error")
        self.reports = 0
        where = f"It was saved to {saved_to.parent}." if saved_to else "It could not be saved to the log folder."
        self.message = QLabel(
            "carbon_gui hit an error it did not expect. The window keeps running, but what you were doing may not "
            f"have finished. The report below holds no keys. {where} Please copy it into a bug report."
        )
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QPlainTextEdit()
        self.report.setObjectName("crashReport")
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        self.resize(760, 480)
        self.add_report(report)

    def add_report(self, report: str) -> None:
        self.reports += 1
        if self.reports <= MAX_REPORTS_SHOWN:
            self.report.appendPlainText(report if self.reports == 1 else f"\n{'-' * 40}\n{report}")
        if self.reports > 1:
            self.setWindowTitle(f"carbon_gui: unexpected errors ({self.reports})")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())


class CrashHandler(QObject):
    """Create it on the GUI thread. `parent_window` gives the window the dialog belongs to (None: on its own)."""

    reported = Signal(str, str)  # report, path it was saved to ("" if none): emitted from any thread

    def __init__(self, parent_window: Callable[[], QWidget | None] = lambda: None) -> None:
        super().__init__()
        self._parent_window = parent_window
        self.dialog: CrashDialog | None = None
        self._count = 0
        self._count_lock = threading.Lock()  # reports come from any thread
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)  # to the GUI thread, after the error

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        qInstallMessageHandler(self._qt_message)

    def excepthook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in the terminal still ends the app
            sys.__excepthook__(kind, error, trace)
            return
        self.handle(kind, error, trace, "main thread")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread else "unknown"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, f"thread '{name}'")

    def handle(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None, where: str) -> str:
        report = crash_report(kind, error, trace, where)
        with self._count_lock:
            self._count += 1
            save = self._count <= MAX_REPORTS_SHOWN
        saved = write_crash_report(report) if save else None
        logger.error("%s", report)  # the log rotates, so every report may go there
        print(report, file=sys.stderr)
        self.reported.emit(report, str(saved) if saved else "")
        return report

    def _show(self, report: str, saved_to: str) -> None:
        try:
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.add_report(report)
                return
            self.dialog = CrashDialog(report, Path(saved_to) if saved_to else None, self._parent_window())
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.destroyed.connect(self._forget_dialog)
            self.dialog.show()
        except Exception:  # an error here would come back to this slot, again and again
            logger.exception("the crash dialog could not be shown")

    def _forget_dialog(self) -> None:
        self.dialog = None

    @staticmethod
    def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        qt_logger.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)

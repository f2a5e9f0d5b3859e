"""An unhandled exception in the window or a worker thread: a dialog with a copyable report, the report in the log
dir, no key in either, and the window keeps working."""

import stat
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from carbon_gui.app import install_crash_handling
from carbon_gui.ui.dialogs.crash_dialog import MAX_REPORTS_SHOWN
from tests.integration.secret_scan import assert_no_secret_on_disk
from tests.ui.conftest import open_window
from tests.ui_help.conftest import ENV_SENTINEL, KEYRING_SENTINEL, SENTINELS, assert_no_sentinel, services_with


def leaky_bug() -> None:
    """A bug that quotes both keys, as a careless error message would."""
    raise RuntimeError(f"request failed: auth-token: {ENV_SENTINEL} and password={KEYRING_SENTINEL}")


@pytest.mark.qt_no_exception_capture  # the app's own hook is under test, not pytest-qt's
def test_a_crash_in_a_slot_shows_a_scrubbed_report_saves_it_and_the_window_keeps_working(
    qtbot, log_dir, sentinel_store
):
    window = open_window(qtbot, services=services_with(sentinel_store))
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=15000)
    handler = install_crash_handling(lambda: window, window._services.secret_store, "INFO")

    QTimer.singleShot(0, leaky_bug)  # raised inside Qt's event loop, as a bug in any slot would be
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=5000)
    dialog = handler.dialog
    text = dialog.report.toPlainText()
    assert "RuntimeError" in text and "leaky_bug" in text and "main thread" in text
    assert "PySide6:" in text and "Python:" in text
    assert_no_sentinel(text)
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == text

    reports = list(log_dir.glob("crash-*.txt"))
    assert len(reports) == 1 and "leaky_bug" in reports[0].read_text()
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert_no_secret_on_disk(log_dir, SENTINELS)  # the report and the log file

    # the window still answers: a new run length re-ranks
    before = window.ranking
    window.plan_form.hours.setValue(window.plan_form.hours.value() + 5)
    qtbot.waitUntil(lambda: window.ranking is not before, timeout=5000)
    assert window.isVisible()
    dialog.close()
    window.close()


@pytest.mark.qt_no_exception_capture
def test_a_crash_in_a_worker_thread_reaches_the_dialog_on_the_gui_thread(qtbot, log_dir, sentinel_store):
    window = open_window(qtbot, services=services_with(sentinel_store))
    handler = install_crash_handling(lambda: window, window._services.secret_store, "INFO")
    worker = threading.Thread(target=leaky_bug, name="fetch-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=5000)
    text = handler.dialog.report.toPlainText()
    assert "thread 'fetch-worker'" in text and "RuntimeError" in text
    assert_no_sentinel(text)
    # a second crash joins the open dialog instead of opening another
    QTimer.singleShot(0, leaky_bug)
    qtbot.waitUntil(lambda: handler.dialog.reports == 2, timeout=5000)
    assert len(list(log_dir.glob("crash-*.txt"))) == 2
    assert_no_secret_on_disk(log_dir, SENTINELS)
    handler.dialog.close()
    window.close()


@pytest.mark.qt_no_exception_capture
def test_an_error_that_repeats_on_every_event_does_not_fill_the_log_dir(qtbot, log_dir, sentinel_store):
    """A bug in a paint or timer handler raises again and again: one dialog, a bounded number of report files."""
    window = open_window(qtbot, services=services_with(sentinel_store))
    handler = install_crash_handling(lambda: window, window._services.secret_store, "INFO")
    repeats = MAX_REPORTS_SHOWN + 15
    for _ in range(repeats):
        QTimer.singleShot(0, leaky_bug)
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.reports == repeats, timeout=10000)
    assert len(list(log_dir.glob("crash-*.txt"))) == MAX_REPORTS_SHOWN
    assert handler.dialog.report.toPlainText().count("Unhandled RuntimeError") == MAX_REPORTS_SHOWN
    assert len([w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog" and w.isVisible()]) == 1
    handler.dialog.close()
    window.close()

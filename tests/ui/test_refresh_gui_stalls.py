"""What a live refresh costs the GUI thread (issue 11: the worst GUI stall during a refresh <= 50 ms).

Measured with benchmarks/live_refresh.py: QProgressBar.setValue repaints at once, and a synchronous repaint paints
every dirty part of the window then (the Signals plots too: one slice's progress update stalled 110 ms); the bar
showing and hiding at each refresh's start and end re-laid out the whole left panel. The real window (bundled
replay, no key); the progress arrives as LiveData emits it during a refresh."""

from PySide6.QtCore import QEvent, QObject

from tests.ui.test_live_window import live_window


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_progress_update_schedules_a_paint_instead_of_painting_at_once(qtbot):
    window = live_window(qtbot)
    bar = window.carbon_panel.progress
    window.live.progress.emit(0, 40)
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    qtbot.wait(50)
    paints = Paints()
    bar.installEventFilter(paints)
    window.live.progress.emit(7, 40)
    assert paints.count == 0, "the progress bar painted inside the update: the GUI thread stalled for a paint"
    assert bar.value() == 7
    qtbot.waitUntil(lambda: paints.count > 0, timeout=5000)  # ... and it is painted with the next paint
    window.close()


def test_the_progress_bar_showing_and_hiding_moves_nothing_else(qtbot):
    window = live_window(qtbot)
    panel = window.carbon_panel
    qtbot.wait(50)
    before = (panel.status.geometry(), panel.cleanest.geometry(), panel.geometry())
    window.live.progress.emit(0, 40)  # a refresh starts: the bar shows
    qtbot.waitUntil(panel.progress.isVisible, timeout=5000)
    qtbot.wait(50)
    assert (panel.status.geometry(), panel.cleanest.geometry(), panel.geometry()) == before
    window.live.progress.emit(40, 40)  # ... and ends
    qtbot.waitUntil(lambda: not panel.progress.isVisible(), timeout=5000)
    qtbot.wait(50)
    assert (panel.status.geometry(), panel.cleanest.geometry(), panel.geometry()) == before
    window.close()

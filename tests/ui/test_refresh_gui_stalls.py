"""What a live refresh costs the GUI thread (issue 11: the worst GUI stall during a refresh <= 50 ms).

Measured with benchmarks/live_refresh.py: QProgressBar.setValue repaints at once, and a synchronous repaint paints
every dirty part of the window then (the Signals plots too: one slice's progress update stalled 110 ms); the bar
showing and hiding at each refresh's start and end re-laid out the whole left panel. The real window (bundled
replay, no key); the progress arrives as LiveData emits it during a refresh."""

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

from carbon_gui.core.signals import GridSignal, PowerMix, SignalKind, SignalPoint
from carbon_gui.ui.signals_view import SignalsView
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


def count_plot_draws(plot) -> list[int]:
    """Calls of the plot's set_signals (its setData on every curve), counted on the instance."""
    draws: list[int] = []
    original = plot.set_signals

    def counted(*args, **kwargs):
        draws.append(1)
        return original(*args, **kwargs)

    plot.set_signals = counted
    return draws


def refresh_replay(qtbot, window) -> None:
    """A refresh as the Refresh button starts it (no key: the replay), and the redraw that follows it."""
    before = window.live.last_refresh
    window.carbon_panel.refresh.click()
    qtbot.waitUntil(lambda: window.live.last_refresh != before and not window.live.busy, timeout=10_000)
    qtbot.wait(400)  # past the controller's redraw timer


def test_a_refresh_leaves_the_hidden_signals_plots_alone_until_the_tab_is_shown(qtbot):
    window = live_window(qtbot)
    window.views.setCurrentIndex(2)
    view = window.signals_view
    qtbot.waitUntil(lambda: view.intensity is not None and view.intensity.series_count > 0, timeout=5000)
    window.views.setCurrentIndex(0)  # the ranking: the plots are hidden
    draws = count_plot_draws(view.intensity)
    refresh_replay(qtbot, window)
    assert draws == [], "a hidden plot was redrawn"
    assert "2024 replay at this hour" in view.status.text()  # the tab's text still follows
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: len(draws) == 1, timeout=5000)  # caught up once, when shown
    shown = dict(view.shown())
    assert shown and all(shown[name] is window.live.signals[name] for name in shown)
    window.close()


def test_zones_of_regions_not_plotted_do_not_redraw_the_plots(qtbot):
    window = live_window(qtbot)
    window.views.setCurrentIndex(2)
    view = window.signals_view
    qtbot.waitUntil(lambda: view.intensity is not None and view.intensity.series_count > 0, timeout=5000)
    qtbot.wait(300)
    draws = count_plot_draws(view.intensity)
    listed = [view.regions.item(i) for i in range(view.regions.count())]
    item = next(i for i in listed if i.checkState() != Qt.CheckState.Checked and i.text() in window.live.signals)
    other = item.text()
    window.live.signals[other] = window.live.signals[other].merged(window.live.signals[other])  # a zone arrives
    window.live.updated.emit()
    qtbot.wait(400)
    assert draws == [], "the plots were redrawn for a region they do not show"
    assert view._signals[other] is window.live.signals[other]  # ... yet the tab has it, for when it is ticked
    item.setCheckState(Qt.CheckState.Checked)  # the user ticks it
    assert len(draws) == 1 and other in dict(view.shown())
    window.close()


def test_a_refresh_s_status_messages_do_not_re_lay_out_the_left_panel(qtbot):
    """Each refresh says "Fetching…" (one line) and then what it brought (often three): the label used to shrink and
    grow with them, moving every panel below it twice per refresh (a re-layout and repaint of the whole column)."""
    window = live_window(qtbot)
    panel = window.carbon_panel
    brought = ("Electricity Maps data refreshed at 21:07 UTC: no current value for 3 of 40 zones: offline (3); "
               "forecast: endpoint not in your plan (asked again in 24 h) (37); all answers came from the cache")
    window.live.statusChanged.emit(brought)
    qtbot.wait(100)
    column = (panel.geometry(), panel.cleanest.geometry(), window.weights_panel.geometry())
    for message in ("Fetching Electricity Maps data…", brought, "Fetching Electricity Maps data…"):
        window.live.statusChanged.emit(message)
        qtbot.wait(100)
        assert panel.status.text() == message
        assert (panel.geometry(), panel.cleanest.geometry(), window.weights_panel.geometry()) == column, message
    window.close()


def test_the_power_mix_plot_is_redrawn_after_the_intensity_plot_has_had_its_turn(qtbot):
    """One redraw painted both plots in one go (intensity ~10-25 ms, then the mix ~4-10 ms, under load): the mix
    now follows in a later turn of the event loop, so other events (a timer, input) get in between."""
    now = datetime.now(UTC)
    mix = PowerMix(now, {"wind": 3000.0, "gas": 1000.0})
    signal = GridSignal(zone="NL", source="Electricity Maps", kind=SignalKind.AVERAGE_LIFECYCLE, fetched_at=now,
                        latest=SignalPoint(now, 300.0), power_mix=(mix,))  # fmt: skip
    view = SignalsView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_candidates(["europe-west4"], "europe-west4")
    qtbot.wait(50)
    ticks: list[int] = []
    QTimer.singleShot(0, lambda: ticks.append(view.mix.bar_count))  # an event queued before the redraw
    view.set_signals({"europe-west4": signal}, set(), now)
    assert view.intensity.series_count == 1
    assert view.export_mix_action.isEnabled()  # the menu knows at once
    qtbot.waitUntil(lambda: view.mix.bar_count == 1 and bool(ticks), timeout=5000)
    assert ticks == [0], "the power mix was drawn before an event queued ahead of it could run"

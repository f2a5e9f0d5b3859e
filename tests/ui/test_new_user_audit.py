"""Issue 11, found while going through the window as a new user (items 7, 8 and 14): things the earlier fixes left."""

from tests.ui.conftest import open_window


def test_an_intensity_plot_without_any_signal_shows_no_made_up_axes(qtbot, artifacts_dir):
    """Item 8: without a key or replay data, the Signals tab drew 0.2-0.8 'gCO2e/kWh' over a one-second time axis
    (20.500 ... 21.299 s) around 'now'. With nothing to plot, the title says why and no scale pretends otherwise."""
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=30_000)
    window.resize(1024, 640)
    window.views.setCurrentWidget(window.signals_view)
    qtbot.waitUntil(lambda: window.signals_view.intensity is not None, timeout=30_000)
    plot = window.signals_view.intensity
    qtbot.waitUntil(lambda: "no signal" in (plot.getPlotItem().titleLabel.text or ""), timeout=5000)
    assert plot.series_count == 0
    item = plot.getPlotItem()
    assert not item.getAxis("left").isVisible() and not item.getAxis("bottom").isVisible()
    qtbot.wait(200)  # the layout settles
    assert window.grab().save(str(artifacts_dir / "signals_without_any_signal.png"))
    window.close()


def test_the_tab_bar_stays_put_when_the_header_changes_from_one_line_to_two(qtbot):
    """Item 7: the header wrapped from one line ('Finding your location…', a short summary) to two and moved the
    tab bar down under the user's pointer; it keeps room for two lines at 1024 px."""
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=30_000)
    window.resize(1024, 640)
    qtbot.wait(50)
    summary, tab_bar = window.summary, window.views.tabBar()
    line = summary.fontMetrics().lineSpacing()
    assert summary.height() >= 2 * line - 2, "the ranking's summary takes two lines at 1024 px"
    two_lines_at = tab_bar.mapTo(window, tab_bar.rect().topLeft()).y()
    summary.setText("<i>Finding your location…</i>")  # what the window shows before its first ranking
    qtbot.wait(50)
    assert tab_bar.mapTo(window, tab_bar.rect().topLeft()).y() == two_lines_at
    window.close()

"""Issue 11 item 8 (When tab): before its first plan the tab showed two empty plots with made-up axes (0-1 over a
1970 time axis) and said "The plan starts once the ranking is ready" whether or not the ranking was ready, a plan
was running, or no region could be ranked. The real window, its real planner, the bundled data (offline)."""

from PySide6.QtCore import QEventLoop, QTimer

from carbon_gui.ui.main_window import MainWindow
from tests.ui.conftest import open_window


def axes_shown(view) -> dict[str, bool]:
    return {f"{type(plot).__name__} {side}": plot.getPlotItem().getAxis(side).isVisible()
            for plot in (view.heatmap, view.window_plot) for side in ("left", "bottom")}  # fmt: skip


def test_before_a_plan_no_made_up_axes_and_the_message_says_what_is_happening(qtbot):
    window: MainWindow = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None and bool(window.ranking.ranked), timeout=30_000)
    view = window.when_view

    window.views.setCurrentWidget(view)  # the first plan waits for the tab: the ranking is ready, no plan yet
    assert view.plan is None
    assert not any(axes_shown(view).values()), axes_shown(view)  # an empty plot has no axes to pretend a scale
    messages = [view.message.text()]  # (a QLabel has no text-changed signal: sampled every 20 ms)
    while view.plan is None:  # every text shown until the plan arrives
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
        messages.append(view.message.text())
        assert len(messages) < 5000, "no plan within 100 s"
    for text in dict.fromkeys(messages[:-1]):
        assert "once the ranking is ready" not in text, text  # the ranking was ready all along
        assert "Planning" in text, text  # a plan is due or running: say so
    assert all(axes_shown(view).values()), axes_shown(view)  # a plan: real axes

    window.constraints_panel.max_emissions.setValue(0.01)  # no region can be ranked
    qtbot.waitUntil(lambda: not window.ranking.ranked, timeout=3000)
    qtbot.waitUntil(lambda: "No region can be planned" in view.message.text(), timeout=10_000)
    assert "from the previous plan" in view.message.text()
    window.close()


def test_a_window_with_no_region_ranked_says_so_on_the_when_tab_before_any_plan(qtbot):
    window: MainWindow = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=30_000)
    window.constraints_panel.max_emissions.setValue(0.01)
    qtbot.waitUntil(lambda: not window.ranking.ranked, timeout=3000)
    view = window.when_view
    window.views.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "No region can be planned" in view.message.text(), timeout=10_000)
    assert "previous plan" not in view.message.text()
    assert not any(axes_shown(view).values()), axes_shown(view)
    window.close()

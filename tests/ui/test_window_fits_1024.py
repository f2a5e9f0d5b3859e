"""At 1024 x 640 every tab fits and its plots show everything (issue 11, layout): the window used to be at least
1108 px wide (the Hardware pages counted while hidden), the map cut off Asia and Australia, the signals legend
and title were clipped, and an empty power-mix plot showed made-up 0-1 axes."""

import pytest
from PySide6.QtWidgets import QScrollArea

from tests.ui.conftest import open_window

SMALL = (1024, 640)


@pytest.fixture
def small_window(qtbot):
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=30_000)
    window.resize(*SMALL)
    return window


def test_every_tab_fits_1024_by_640(qtbot, small_window, artifacts_dir):
    window = small_window
    for index in range(window.views.count()):
        window.views.setCurrentIndex(index)
        qtbot.wait(50)
        hint = window.minimumSizeHint()
        assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1], (window.views.tabText(index), hint)
        assert (window.width(), window.height()) == SMALL, window.views.tabText(index)
        assert window.grab().save(str(artifacts_dir / f"window_1024x640_tab{index}.png"))


def test_the_plan_panel_scrolls_up_and_down_only_and_clips_nothing(small_window):
    panel = small_window._plan_panel
    assert isinstance(panel, QScrollArea)
    assert not panel.horizontalScrollBar().isVisible()
    assert panel.viewport().width() >= panel.widget().minimumSizeHint().width()


def test_the_map_shows_every_longitude_at_1024(qtbot, small_window):
    window = small_window
    window.views.setCurrentWidget(window.map)
    qtbot.wait(100)
    (x_low, x_high), (y_low, y_high) = window.map.getPlotItem().getViewBox().viewRange()
    assert x_low <= -169 and x_high >= 179, (x_low, x_high)  # Australia and Japan are east of 130 degrees
    assert y_low <= -59 and y_high >= 79


def test_the_signals_plots_fit_and_an_empty_power_mix_has_no_axes(qtbot, small_window):
    window = small_window
    window.views.setCurrentWidget(window.signals_view)
    qtbot.waitUntil(lambda: window.signals_view.intensity is not None, timeout=30_000)
    intensity, mix = window.signals_view.intensity, window.signals_view.mix
    qtbot.wait(100)
    for plot in (intensity, mix):
        item = plot.getPlotItem()
        assert item.sceneBoundingRect().width() <= plot.width() + 1, type(plot).__name__  # nothing pushed out
    legend = intensity.legend.sceneBoundingRect()
    assert legend.right() <= intensity.width() + 1
    mix.set_mixes([], "No power mix for these regions")
    assert not mix.getPlotItem().getAxis("left").isVisible()
    assert not mix.getPlotItem().getAxis("bottom").isVisible()

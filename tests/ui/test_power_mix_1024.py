"""Issue 11 item 8: in LIVE mode at 1024 x 640 the power-mix plot was cut. Its legend (~158 px of rows) got ~90 px,
its region labels overlapped under the bars and its axis was clipped at the bottom of the tab. The window runs
against a local fake Electricity Maps (real HTTP on 127.0.0.1); the plot must show every region's name whole, its
axis and its whole legend, by scrolling the plots if the tab is short, and need no scrolling at 1600 x 1000."""

from datetime import UTC, datetime
from itertools import pairwise

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QScrollArea

from tests.integration.fake_providers import FakeElectricityMaps
from tests.ui.test_live_providers import em_window
from tests.ui.test_live_window import live_window

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


def region_label_rects(plot) -> dict[str, QRectF]:
    """Where each bar's region name is drawn, in the plot widget's coordinates (whichever axis carries them)."""
    item, view = plot.getPlotItem(), plot.getPlotItem().getViewBox()
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        if not axis._tickLevels or not axis.isVisible():
            continue
        metrics = axis.fontMetrics() if hasattr(axis, "fontMetrics") else plot.fontMetrics()
        rects = {}
        box = plot.mapFromScene(axis.sceneBoundingRect()).boundingRect()
        for position, text in axis._tickLevels[0]:
            width, height = metrics.horizontalAdvance(text), metrics.height()
            if side == "bottom":
                x = plot.mapFromScene(view.mapViewToScene(QPointF(position, 0))).x()
                rects[text] = QRectF(x - width / 2, box.top() + axis.style["tickTextOffset"][1], width, height)
            else:
                y = plot.mapFromScene(view.mapViewToScene(QPointF(0, position))).y()
                rects[text] = QRectF(box.right() - width - axis.style["tickTextOffset"][0], y - height / 2, width,
                                     height)  # fmt: skip
        return rects
    return {}


def show_signals(qtbot, window, size: tuple[int, int]):
    window.resize(*size)
    window.views.setCurrentWidget(window.signals_view)
    view = window.signals_view
    qtbot.waitUntil(lambda: view.mix is not None and view.mix.bar_count > 0, timeout=5000)
    qtbot.wait(150)  # layout
    return window.signals_view.mix


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_the_live_power_mix_shows_each_region_its_axis_and_its_legend(qtbot, em, tmp_path, artifacts_dir, size):
    window = em_window(qtbot, em, tmp_path)
    mix = show_signals(qtbot, window, size)
    plot_rect = QRectF(mix.rect())
    regions = window.signals_view.checked_regions()
    labels = region_label_rects(mix)
    assert sorted(labels) == sorted(regions), "a region name per bar"
    ordered = sorted(labels.values(), key=lambda r: (r.top(), r.left()))
    for rect in ordered:
        assert plot_rect.contains(rect), (rect, plot_rect)  # not cut at the plot's edge
    for first, second in pairwise(ordered):
        assert not first.intersects(second), "two region names drawn over each other"
    for side in ("left", "bottom"):
        axis = mix.getPlotItem().getAxis(side)
        box = mix.mapFromScene(axis.parentItem().mapRectToScene(axis.geometry())).boundingRect()  # without its grid
        assert plot_rect.adjusted(0, 0, 1, 1).contains(box), (side, box, plot_rect)
    legend = mix.legend
    legend_rect = mix.mapFromScene(legend.sceneBoundingRect()).boundingRect()
    assert plot_rect.contains(legend_rect), (legend_rect, plot_rect)
    assert legend_rect.height() >= legend.layout.minimumHeight() - 1, "legend rows squeezed"
    names = [label for _sample, label in legend.items]
    assert len(names) >= 4
    for name in names:  # every source's name is inside the plot, none cut by the plot's edge
        assert plot_rect.contains(mix.mapFromScene(name.sceneBoundingRect()).boundingRect()), name.text
    # the plots scroll only up and down, and only when the tab is too short for both
    area = window.signals_view.findChild(QScrollArea, "signalPlots")
    assert area is not None and not area.horizontalScrollBar().isVisible()
    if size == (1600, 1000):
        assert not area.verticalScrollBar().isVisible()
    assert window.grab().save(str(artifacts_dir / f"power_mix_live_{size[0]}x{size[1]}.png"))
    window.close()


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_the_replay_has_no_power_mix_and_no_room_or_scroll_bar_for_it(qtbot, size):
    """Without a key the power mix is only a title saying why: the plots fit the tab without scrolling, and the
    intensity plot gets the room (at 1600 x 1000 an empty white box of 200 px took it)."""
    window = live_window(qtbot)
    window.resize(*size)
    view = window.signals_view
    window.views.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.intensity is not None and view.intensity.series_count > 0, timeout=5000)
    qtbot.wait(150)
    assert view.mix.bar_count == 0
    area = view.findChild(QScrollArea, "signalPlots")
    assert not area.verticalScrollBar().isVisible() and not area.horizontalScrollBar().isVisible()
    assert view.mix.height() <= 2 * view.mix.fontMetrics().height() + 20, view.mix.height()  # its title's line
    window.close()

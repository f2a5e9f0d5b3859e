"""The When tab in the real window, with the real reference data and the bundled hourly data (offline)."""

from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from carbon_gui import time_planning
from carbon_gui.core.forecast import ModelCache
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.replay import load_hourly_history
from carbon_gui.time_planning import plan_when
from carbon_gui.ui.main_window import MainWindow
from carbon_gui.ui.models.region_table_model import BEST_START_COLUMN, NO_PLAN_TOOLTIP
from carbon_gui.ui.when.when_texts import forecast_bands, source_text, start_text
from tests.ui.conftest import error_boxes
from tests.ui.test_live_window import live_window

PLAN_TIMEOUT_MS = 90_000  # the first plan fits the own forecaster for every bundled zone (seconds on a busy machine)


def _planned(window: MainWindow, qtbot, previous=None):
    view = window.when_view
    window.views.setCurrentWidget(view)  # the first plan waits for the tab to be shown
    qtbot.waitUntil(lambda: view.plan is not None and view.plan is not previous and not view.running,
                    timeout=PLAN_TIMEOUT_MS)  # fmt: skip
    return view.plan


def _best_start_cells(window: MainWindow) -> dict[str, tuple[str, str]]:
    model = window.table_model
    return {
        model.index(row, 0).data(Qt.ItemDataRole.UserRole + 1): (
            model.index(row, BEST_START_COLUMN).data(),
            model.index(row, BEST_START_COLUMN).data(Qt.ItemDataRole.ToolTipRole),
        )
        for row in range(model.rowCount())
    }


def test_the_view_fills_and_its_best_pair_is_plan_whens(window: MainWindow, qtbot, reference: ReferenceData) -> None:
    qtbot.wait(1000)
    assert window.when_view.plan is None and not window.when_view.running  # nothing planned before the tab shows
    cells = _best_start_cells(window)
    assert all(text == "" and tip == NO_PLAN_TOOLTIP for text, tip in cells.values())

    plan = _planned(window, qtbot)
    view = window.when_view
    assert plan.best is not None and plan.best.best is not None
    # the same inputs through the planner's function give the same answer
    inputs = view._inputs()
    assert inputs is not None
    request = inputs.request
    again = plan_when(reference, request, plan.deadline, inputs.weights, inputs.constraints, plan.decision_time,
                      history=load_hourly_history())  # fmt: skip
    assert again.best is not None and again.best.best is not None
    assert (again.best.facts.region.name, again.best.best.start_h) == (plan.best.facts.region.name,
                                                                       plan.best.best.start_h)  # fmt: skip
    name = plan.best.facts.region.name
    answer = view.answer.text()
    assert f"Best: {name}, starting {start_text(plan, plan.best.best).replace('now', 'now')}" in answer.replace(
        "starting at ", "starting "
    )
    assert "kg CO₂e" in answer and "estimate" in answer and "first on the yearly data" in answer
    # the heatmap holds every planned region x start, the table names each region's source
    assert view.heatmap.image.image.shape == (len(plan.regions), plan.shift.starts_h.size)
    assert view.heatmap.regions[0] == name
    sources = [view.table.item(row, 5).text() for row in range(view.table.rowCount())]
    assert any("own forecast from" in s for s in sources)
    assert any(s.startswith("yearly figure, no hourly data") for s in sources)
    np.testing.assert_array_equal(view.window_plot.expected.yData, plan.best.series.expected)

    cells = _best_start_cells(window)
    assert cells[name][0] == start_text(plan, plan.best.best)
    assert all(text for text, _ in cells.values() if text != "") and "least expected emissions" in cells[name][1]
    assert not error_boxes(window)


def test_a_planner_change_replans_once_edits_settle(window: MainWindow, qtbot) -> None:
    first = _planned(window, qtbot)
    window.plan_form.hours.setValue(first.run_hours + 2)  # the planner's run length: the view follows it
    second = _planned(window, qtbot, first)
    assert second.run_hours == first.run_hours + 2 == window.when_view.run_hours.value()
    for name, value in (("cost", 100), ("carbon", 0), ("security", 0), ("latency", 0)):  # as a user drags them
        window.weights_panel.sliders[name].setValue(value)
    third = _planned(window, qtbot, second)
    assert third.best is not None and third.best.facts.region.name == window.ranking.ranked[0].name  # cost decides


def test_a_deadline_shorter_than_the_run_says_so_in_the_view(window: MainWindow, qtbot) -> None:
    view = window.when_view
    view.run_hours.setValue(10)
    view.within.setValue(4)
    view.replan()
    assert "cannot finish by the deadline" in view.message.text()
    assert "give a later deadline or a shorter run" in view.message.text()
    assert not view.running and not error_boxes(window)


def test_the_plan_runs_off_the_gui_thread(window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time_planning, "MODELS", ModelCache())  # cold: every zone is fitted, seconds of work
    view = window.when_view
    qtbot.waitUntil(lambda: view._tasks is not None, timeout=5000)
    window.views.setCurrentWidget(view)
    view.replan()
    assert view.running  # replan returned while the plan still runs
    ticks: list[bool] = []
    QTimer.singleShot(0, lambda: ticks.append(view.running))
    qtbot.waitUntil(lambda: bool(ticks), timeout=5000)
    assert ticks == [True]  # the event loop turned while the plan was running
    qtbot.waitUntil(lambda: not view.progress.isHidden(), timeout=10_000)  # > 0.5 s: progress and Cancel show
    assert not view.cancel_button.isHidden()
    plan = _planned(window, qtbot)
    assert plan is not None and view.progress.isHidden()


def test_cancel_keeps_the_previous_plan(window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    view = window.when_view
    first = _planned(window, qtbot)
    monkeypatch.setattr(time_planning, "MODELS", ModelCache())
    view.within.setValue(48)
    view.replan()
    assert view.running
    view.cancel()
    qtbot.wait(300)
    assert view.plan is first and not view.running
    assert "previous plan" in view.message.text()


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_screenshot(window: MainWindow, qtbot, artifacts_dir, size: tuple[int, int]) -> None:
    window.resize(*size)
    window.views.setCurrentWidget(window.when_view)
    plan = _planned(window, qtbot)
    QApplication.processEvents()
    path = artifacts_dir / f"when_view_{size[0]}x{size[1]}.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    assert len(colours) > 50
    assert plan.deadline - plan.decision_time == timedelta(hours=window.when_view.within.value())


def test_the_signals_plot_shows_the_forecast_band_of_planned_regions(qtbot, artifacts_dir) -> None:
    window = live_window(qtbot)  # no keys: the 2024 replay feeds the Signals tab; the plan forecasts its own bands
    plan = _planned(window, qtbot)
    bands = forecast_bands(plan)
    assert bands and all("yearly" not in source_text(w) for w in plan.regions if w.facts.region.name in bands)
    window.views.setCurrentWidget(window.signals_view)
    plot = window.signals_view.intensity
    assert plot is not None
    window.signals_view.set_candidates(list(bands), None)  # tick the planned regions with a forecast
    qtbot.waitUntil(lambda: bool(plot.band_items), timeout=10_000)
    assert set(plot.band_items) <= set(bands)
    name, band = next(iter(plot.band_items.items()))
    x, low, high = bands[name]
    np.testing.assert_array_equal(band.curves[0].xData, x)
    np.testing.assert_array_equal(band.curves[0].yData, low)
    np.testing.assert_array_equal(band.curves[1].yData, high)
    assert np.all(low <= high) and np.any(low < high)
    assert "shaded: forecast interval from the When plan (estimate)" in plot.getPlotItem().titleLabel.text
    QApplication.processEvents()
    assert window.grab().save(str(artifacts_dir / "signals_with_forecast_band.png"))
    window.close()

"""The When tab on live data from a local Electricity Maps stand-in (real HTTP on 127.0.0.1): the provider's
forecast is used and labelled, and the plan is plan_when's on the same signals."""

import pytest

from carbon_gui.sources.replay import load_hourly_history
from carbon_gui.time_planning import plan_when
from carbon_gui.ui.when.when_texts import source_text
from tests.ui.test_live_providers import em, em_window  # noqa: F401 - em is a fixture
from tests.ui_when.test_when_view import _planned


@pytest.mark.timeout(180)
def test_live_signals_give_provider_forecasts_and_the_same_best_pair(qtbot, em, tmp_path, reference) -> None:  # noqa: F811
    window = em_window(qtbot, em, tmp_path)
    plan = _planned(window, qtbot)
    inputs = window.when_view._inputs()
    assert inputs is not None and inputs.signals  # live, not the replay
    sources = {w.facts.region.name: source_text(w) for w in plan.regions}
    assert any(s.startswith("provider forecast (Electricity Maps)") for s in sources.values()), sources
    again = plan_when(reference, inputs.request, plan.deadline, inputs.weights, inputs.constraints, plan.decision_time,
                      signals=inputs.signals, history=load_hourly_history())  # fmt: skip
    assert again.best is not None and plan.best is not None and again.best.best == plan.best.best
    assert again.best.facts.region.name == plan.best.facts.region.name
    window.close()

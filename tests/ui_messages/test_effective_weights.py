"""Issue 11 item 4: when the ranking cannot use a weight (cost without prices), the panel shows the shares the score
really used beside the sliders, as "Why this score" does."""

import pytest
from PySide6.QtCore import Qt

from carbon_gui.ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)


def shown_used(window: MainWindow) -> dict[str, str]:
    return {name: label.text() for name, label in window.weights_panel.used.items() if label.isVisibleTo(window)}


def test_the_shares_used_are_shown_when_cost_is_dropped(qtbot, window: MainWindow):
    assert shown_used(window) == {}  # every weight is used: nothing beside the sliders
    form = window.plan_form
    form.machine.setEditText("n1-standard-8")
    qtbot.keyClick(form.machine.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.gpu.isEnabled(), timeout=3000)
    form.gpu.setCurrentText("nvidia-tesla-t4")  # no list price anywhere: cost is not scored
    qtbot.waitUntil(lambda: "Cost not scored" in window.summary.text(), timeout=3000)
    used = {c.criterion: c.weight for c in window.ranking.ranked[0].criteria}
    assert used["cost"] == 0
    shown = shown_used(window)
    assert set(shown) == {"carbon", "cost", "security", "latency"}, shown
    for name, weight in used.items():
        assert shown[name] == f"used {weight * 100:.0f} %"
    assert "Cost not scored" in window.weights_panel.used["cost"].toolTip()
    form.gpu.setCurrentIndex(0)  # back to no GPU: prices again, every weight used
    qtbot.waitUntil(lambda: "Cost not scored" not in window.summary.text(), timeout=3000)
    assert shown_used(window) == {}

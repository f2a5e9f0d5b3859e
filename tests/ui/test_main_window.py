"""Drive the real window with pytest-qt: sliders, map clicks, bad input, settings, screenshot."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from carbon_gui.core.scoring import Constraints
from carbon_gui.core.security import ResidencyRule, SecurityPolicy
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.settings import UserSettings, load_settings
from tests.ui.conftest import PARIS, broken_loader, error_boxes, make_services, open_window


def table_order(window) -> list[str]:
    proxy = window.proxy
    column = 1  # Region
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def core_order(
    reference, weights: Weights, machine="a2-highgpu-1g", constraints: Constraints | None = None
) -> list[str]:
    ranking = plan(reference, PlanRequest(machine, 12, PARIS), weights, constraints or Constraints())
    return [s.name for s in ranking.ranked]


def set_weights(window, qtbot, **values: int) -> None:
    for name, value in values.items():
        window.weights_panel.sliders[name].setValue(value)


def test_window_shows_the_core_ranking(window, reference):
    assert table_order(window) == core_order(reference, Weights())
    assert window.selected_region() == table_order(window)[0]
    assert "10 regions ranked" in window.summary.text()
    assert window.below.tabText(1) == "Not ranked (35)"


def test_moving_a_slider_reranks_as_the_core_says(window, reference, qtbot):
    before = table_order(window)
    set_weights(window, qtbot, carbon=0, cost=100, security=0, latency=0)
    cost_only = core_order(reference, Weights(0, 1, 0, 0))
    qtbot.waitUntil(lambda: table_order(window) == cost_only, timeout=3000)
    assert cost_only != before
    set_weights(window, qtbot, cost=0, latency=100)
    latency_only = core_order(reference, Weights(0, 0, 0, 1))
    qtbot.waitUntil(lambda: table_order(window) == latency_only, timeout=3000)
    assert latency_only[0] == "europe-west4"  # the only a2-highgpu-1g region near Paris


def test_dragging_is_throttled(window, qtbot):
    """Twenty value changes in one burst (no event processed in between) re-rank at most twice: once at once,
    once when the throttle's timer fires, with the last value."""
    reranked_at: list[int] = []
    slider = window.weights_panel.sliders["carbon"]
    window.weights_panel.weightsChanged.connect(lambda _: reranked_at.append(slider.value()))
    for value in range(40, 60):
        slider.setValue(value)
    during_burst = len(reranked_at)
    qtbot.waitUntil(lambda: bool(reranked_at) and reranked_at[-1] == 59, timeout=3000)
    assert during_burst <= 1
    assert len(reranked_at) <= 2


def test_clicking_a_map_marker_selects_its_row(window, qtbot):
    window.views.setCurrentIndex(1)
    qtbot.waitExposed(window.map)
    target = table_order(window)[3]
    lon, lat = window.map.marker_position(target)
    view_box = window.map.getPlotItem().getViewBox()
    scene_point = view_box.mapViewToScene(QPointF(lon, lat))
    widget_point = window.map.mapFromScene(scene_point)
    qtbot.mouseClick(window.map.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(widget_point))
    qtbot.waitUntil(lambda: window.selected_region() == target, timeout=3000)
    current = window.table.selectionModel().currentIndex()
    assert window.proxy.index(current.row(), 1).data() == target
    assert target in window.details.toPlainText()


def test_details_explain_the_score(window):
    text = window.details.toPlainText()
    top = window.ranking.ranked[0]
    assert f"{top.score * 100:.1f}" in text
    for criterion in ("carbon", "cost", "security", "latency"):
        assert criterion in text
    assert "Google region-carbon-info" in text and "estimate" in text


def test_unknown_machine_shows_a_message_and_keeps_the_plan(window, qtbot):
    before = table_order(window)
    combo = window.plan_form.machine
    combo.setEditText("zz-notamachine")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(error_boxes(window)), timeout=3000)
    box = error_boxes(window)[0]
    assert "Unknown machine type 'zz-notamachine'" in box.text()
    assert "Traceback" not in box.text()
    box.accept()
    assert combo.currentText() == "a2-highgpu-1g"
    assert table_order(window) == before


def test_unknown_city_shows_a_message_and_keeps_the_location(window, qtbot):
    field = window.plan_form.location
    field.setText("Xyzzyville")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(error_boxes(window)), timeout=10000)
    assert "Unknown city 'Xyzzyville'" in error_boxes(window)[0].text()
    assert "Kept: Paris, FR" in window.plan_form.location_info.text()
    assert field.text() == "Xyzzyville"  # what the user typed stays, to be corrected


def test_a_real_city_moves_the_user_and_reranks_latency(window, qtbot, reference):
    set_weights(window, qtbot, carbon=0, cost=0, security=0, latency=100)
    field = window.plan_form.location
    field.setText("Tokyo")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.ranking is not None and window.ranking.ranked[0].name == "asia-northeast1", timeout=10000
    )
    assert "Tokyo, JP" in window.plan_form.location_info.text()


def test_attached_gpu_without_price_drops_cost_with_a_note(window, qtbot):
    form = window.plan_form
    form.machine.setEditText("n1-standard-8")
    qtbot.keyClick(form.machine.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.gpu.isEnabled(), timeout=3000)
    form.gpu.setCurrentText("nvidia-tesla-t4")
    qtbot.waitUntil(lambda: "Cost not scored" in window.summary.text(), timeout=3000)
    assert window.ranking.ranked and all(s.facts.price.usd_per_hour is None for s in window.ranking.ranked)


def test_eu_rule_keeps_only_eu_regions(window, qtbot, reference):
    panel = window.constraints_panel
    panel.rule.setCurrentIndex(panel.rule.findData(ResidencyRule.EU_EEA))
    qtbot.waitUntil(lambda: all(s.facts.region.jurisdiction.in_eu_eea for s in window.ranking.ranked), timeout=3000)
    expected = core_order(reference, Weights(), constraints=Constraints(policy=SecurityPolicy(ResidencyRule.EU_EEA)))
    assert table_order(window) == expected == ["europe-west4"]
    reasons = [e.reason for e in window.ranking.excluded if e.region.name == "us-west1"]
    assert reasons and "outside the EU/EEA" in reasons[0]


def test_max_price_limit_moves_regions_to_not_ranked(window, qtbot):
    window.constraints_panel.max_price.setValue(3.70)
    qtbot.waitUntil(lambda: len(window.ranking.ranked) == 3, timeout=3000)  # the three $3.67/h regions
    assert any("above the maximum $3.70/h" in e.reason for e in window.ranking.excluded)


def test_all_weights_zero_asks_for_one(window, qtbot):
    set_weights(window, qtbot, carbon=0, cost=0, security=0, latency=0)
    qtbot.waitUntil(lambda: "at least one weight" in window.summary.text(), timeout=3000)


def test_trust_tier_edit_changes_the_security_score(window, qtbot):
    window.constraints_panel.countries.click()
    dialog = window.security_dialog
    qtbot.waitExposed(dialog)
    dialog.set_tier("USA", "restricted")
    dialog.accept()
    qtbot.waitUntil(
        lambda: next(s for s in window.ranking.ranked if s.name == "us-west1").security_tier == "restricted",
        timeout=3000,
    )
    us = next(s for s in window.ranking.ranked if s.name == "us-west1")
    assert us.criteria[2].normalised == 0.25


def test_corrupt_data_shows_a_clear_message(qtbot):
    window = open_window(qtbot, services=make_services(load=broken_loader))
    qtbot.waitUntil(lambda: bool(error_boxes(window)), timeout=5000)
    assert "regions.csv line 7" in error_boxes(window)[0].text()
    assert "could not be loaded" in window.summary.text()
    assert not window.plan_form.isEnabled()
    window.close()


def test_settings_survive_a_restart(qtbot, window):
    window.plan_form.hours.setValue(30)
    set_weights(window, qtbot, carbon=80, cost=20, security=0, latency=0)
    window.close()
    saved = load_settings()
    assert saved.hours == 30 and saved.weights["carbon"] == 0.8
    again = open_window(qtbot, settings=saved)
    qtbot.waitUntil(lambda: again.ranking is not None, timeout=15000)
    assert again.plan_form.hours.value() == 30
    assert again.weights_panel.sliders["carbon"].value() == 80
    again.close()


def test_keyboard_reaches_every_control(window):
    labels = [w.text() for w in window.findChildren(type(window.summary)) if w.buddy() is not None]
    for mnemonic in ("&Machine type", "Run &length", "&Your location", "&Carbon", "C&ost", "Max &price"):
        assert mnemonic in labels


def test_screenshot_is_not_blank(window, qtbot, artifacts_dir):
    for index, name in ((0, "main_window.png"), (1, "main_window_map.png")):
        window.views.setCurrentIndex(index)
        QApplication.processEvents()
        path = artifacts_dir / name
        assert window.grab().save(str(path))
        image = QImage(str(path))
        assert image.width() >= 1200 and image.height() >= 800
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 50  # a blank or unpainted window has a handful
    # the map really drew coloured markers: a saturated green from the intensity scale is present
    image = QImage(str(artifacts_dir / "main_window_map.png"))
    greens = sum(
        1
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
        if (c := image.pixelColor(x, y)).green() > 120 and c.red() < 120 and c.blue() < 110
    )
    assert greens > 10


def test_window_opens_before_data_arrives(qtbot):
    """The first paint never waits for the reference data: it loads on the thread pool."""
    import threading

    release = threading.Event()

    def slow_loader():
        release.wait(10)
        from carbon_gui.sources.reference import load_reference

        return load_reference()

    window = open_window(qtbot, settings=UserSettings(), services=make_services(load=slow_loader))
    qtbot.waitExposed(window)
    assert "Loading reference data" in window.summary.text()
    release.set()
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=15000)
    window.close()


def test_older_carbon_year_uses_its_figures_and_lists_regions_without_them(window, qtbot, reference):
    year_box = window.plan_form.year
    year_box.setCurrentIndex(year_box.findData(2019))
    qtbot.waitUntil(lambda: "2019 yearly" in window.ranking.ranked[0].facts.carbon.provenance.as_of, timeout=3000)
    figures = {s.name: s.facts.intensity for s in window.ranking.ranked}
    for name, value in figures.items():
        assert value == reference.catalog.carbon(name, 2019).intensity_gco2_kwh
    assert any("no grid carbon intensity for 2019" in e.reason for e in window.ranking.excluded)
    assert "Google 2019 yearly averages" in window.summary.text()

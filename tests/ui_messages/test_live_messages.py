"""Issue 11 items 1-3: live-mode messages name the real cause. The window against the bundled replay (no key) or
a local fake Electricity Maps on 127.0.0.1 (real HTTP)."""

from datetime import UTC, datetime

import pytest

from carbon_gui.core.signals import CarbonMode
from carbon_gui.ui.main_window import MainWindow
from tests.integration.fake_providers import FakeElectricityMaps, Fault
from tests.ui.conftest import error_boxes
from tests.ui.test_live_providers import em_window, fresh_session, use_mode
from tests.ui.test_live_window import live_window

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


@pytest.fixture
def free_em():
    """A free plan: every forecast request answers 403 'Endpoint not available'."""
    server = FakeElectricityMaps.start(now=datetime.now(UTC), plan="free")
    yield server
    server.stop()


def test_cleanest_without_a_key_names_the_ranked_regions_it_left_out_and_why(qtbot):
    window: MainWindow = live_window(qtbot)
    ranked = [s.name for s in window.ranking.ranked]
    without = [name for name in ranked if name not in window.live.signals]
    assert without, "some ranked regions have no replay data (e.g. northamerica-northeast1)"
    window.carbon_panel.cleanest.click()
    dialog = window.live_controller.cleanest_dialog
    qtbot.waitExposed(dialog)
    compared = len(ranked) - len(without)
    text = dialog.summary.text() + dialog.left_out.text()
    assert f"among the {len(ranked)} ranked regions" not in text  # that claimed the left-out ones were compared
    assert f"{compared} of the {len(ranked)} ranked regions" in text
    for name in without:
        assert name in dialog.left_out.text()
    assert "no value for their grid zone in the bundled 2024 replay" in dialog.left_out.text()
    dialog.accept()
    window.close()


def test_forecast_mode_without_forecasts_names_the_cause_in_the_headline_and_the_cleanest_dialog(
    qtbot, free_em, tmp_path
):
    window: MainWindow = em_window(qtbot, free_em, tmp_path)
    use_mode(qtbot, window, CarbonMode.FORECAST_MEAN)
    assert not window.ranking.ranked
    summary = window.summary.text()
    assert "No region meets every limit" not in summary and "Loosen a limit" not in summary
    no_forecast = sum(1 for e in window.ranking.excluded if e.reason.startswith("no forecast"))
    assert no_forecast >= 10, window.summary.text()
    cause = f"{no_forecast} regions: no forecast covering the run (endpoint not in your plan)"
    assert f"<b>No region can be ranked.</b> {cause}" in summary, summary  # the live cause first
    assert "is not offered in this region" in summary and summary.count("1 region:") <= 1  # grouped, not per region
    window.carbon_panel.cleanest.click()
    qtbot.waitUntil(lambda: bool(error_boxes(window)), timeout=3000)
    message = error_boxes(window)[0].text()
    assert "Refresh, or add a key" not in message
    assert "no forecast covering the run (endpoint not in your plan)" in message
    error_boxes(window)[0].close()
    window.close()


def refresh_and_wait(qtbot, window: MainWindow) -> str:
    window.carbon_panel.refresh.click()
    qtbot.waitUntil(lambda: not window.live.busy, timeout=30000)
    qtbot.waitUntil(lambda: "Fetching" not in window.carbon_panel.status.text(), timeout=5000)
    return window.carbon_panel.status.text()


def test_an_offline_refresh_says_offline_not_refreshed(qtbot, em, tmp_path):
    window: MainWindow = em_window(qtbot, em, tmp_path)
    em.stop()  # the server is gone: connections are refused
    fresh_session(window, tmp_path)
    status = refresh_and_wait(qtbot, window)
    assert "refreshed" not in status, status
    assert status.startswith("Offline: could not connect to Electricity Maps at "), status
    assert status.lower().count("offline") == 1, status  # said once ("Offline: … (offline)" said it twice)
    assert "the last good values stay on screen, marked STALE" in status
    window.close()


def test_a_dropped_connection_says_what_happened_once(qtbot, em, tmp_path):
    window: MainWindow = em_window(qtbot, em, tmp_path)
    fresh_session(window, tmp_path)
    em.faults["carbon-intensity/latest"] = Fault("disconnect")  # the server hangs up without answering
    status = refresh_and_wait(qtbot, window)
    assert status.startswith("Offline: Electricity Maps closed the connection without answering at "), status
    assert "connection lost" not in status and status.lower().count("offline") == 1, status
    window.close()


def test_a_missing_forecast_alone_is_named_not_counted_as_regions_with_problems(qtbot, free_em, tmp_path):
    window: MainWindow = em_window(qtbot, free_em, tmp_path)
    status = window.carbon_panel.status.text()
    assert "reported problems" not in status, status
    assert "Electricity Maps data refreshed at" in status
    assert "forecast: endpoint not in your plan" in status, status
    window.close()


def test_values_served_from_the_cache_say_so_and_are_not_marked_stale(qtbot, em, tmp_path):
    window: MainWindow = em_window(qtbot, em, tmp_path)
    asked = em.count("carbon-intensity/latest")
    status = refresh_and_wait(qtbot, window)  # within the cache's 5 minutes: nothing is asked again
    assert em.count("carbon-intensity/latest") == asked
    assert "from the 5-minute cache" in status, status
    use_mode(qtbot, window, CarbonMode.LATEST)
    as_of = [s.facts.carbon.provenance.as_of for s in window.ranking.ranked]
    assert as_of and not [a for a in as_of if "STALE" in a or "brought no value" in a], as_of[:2]
    window.close()


@pytest.mark.parametrize(
    ("fault", "start"),
    [("401", "Refused: Electricity Maps rejected the key"), (Fault("429", retry_after="30"), "Rate-limited by")],
    ids=["401", "429"],
)
def test_a_refused_or_rate_limited_refresh_says_which(qtbot, em, tmp_path, fault, start):
    window: MainWindow = em_window(qtbot, em, tmp_path)
    fresh_session(window, tmp_path)
    em.faults["carbon-intensity/latest"] = fault
    status = refresh_and_wait(qtbot, window)
    assert status.startswith(start), status
    assert "refreshed" not in status
    window.close()


def test_a_partial_refresh_names_the_zones_without_a_value(qtbot, em, tmp_path):
    window: MainWindow = em_window(qtbot, em, tmp_path)
    fresh_session(window, tmp_path)
    em.intensity_of["NL"] = -5  # one zone answers an impossible value: refused, so that zone has none
    status = refresh_and_wait(qtbot, window)
    assert status.startswith("Electricity Maps data refreshed at"), status
    assert "no current value for 1 of " in status and "reported problems" not in status, status
    window.close()

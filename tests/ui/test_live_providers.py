"""The window against local fake providers (real HTTP on 127.0.0.1): live values rank the regions,
failures become per-region messages, and the last good values stay on screen, marked stale."""

from datetime import UTC, datetime

import pytest

from carbon_gui.core.signals import CarbonMode, SignalKind
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from tests.integration.fake_providers import FakeElectricityMaps, FakeWattTime
from tests.ui.conftest import make_services, open_window


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


def window_with(qtbot, credentials: Credentials, environ: dict[str, str], tmp_path):
    live = LiveService(lambda: credentials, environ=environ, cache_path=tmp_path / "http.sqlite", timeout_s=2)
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": live})
    window = open_window(qtbot, services=services)
    qtbot.waitUntil(lambda: window.live is not None and window.live.provider != "replay" and bool(window.live.signals)
                    and not window.live.busy, timeout=20000)  # fmt: skip
    return window


def test_electricity_maps_values_rank_the_regions(qtbot, em, tmp_path):
    window = window_with(qtbot, Credentials(Secret(em.token), None, None),
                         {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}, tmp_path)  # fmt: skip
    assert window.carbon_panel.current_provider() == "electricitymaps"
    signal = window.live.signals["europe-west4"]
    assert signal.source == "Electricity Maps" and signal.kind is SignalKind.AVERAGE_LIFECYCLE
    assert signal.latest is not None and signal.history and signal.power_mix
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
    qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
    for scored in window.ranking.ranked:
        assert scored.facts.intensity == window.live.signals[scored.name].latest.value
        assert scored.facts.carbon.provenance.source == "Electricity Maps"
    assert "Electricity Maps: latest value (average, lifecycle)" in window.summary.text()
    # the power mix plot has one bar per plotted region
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: window.signals_view.mix.bar_count > 0, timeout=3000)
    window.close()


def test_a_rejected_key_keeps_the_last_good_values_marked_stale(qtbot, em, tmp_path):
    window = window_with(qtbot, Credentials(Secret(em.token), None, None),
                         {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}, tmp_path)  # fmt: skip
    before = window.live.signals["europe-west4"].latest
    window.live._service._clients.clear()  # a new session, so the refresh is not answered from the cache
    window.live._service._client_key.clear()
    (tmp_path / "http.sqlite").unlink()
    em.faults["carbon-intensity/latest"] = "401"
    requests_before = em.count("carbon-intensity/latest")
    window.carbon_panel.refresh.click()
    qtbot.waitUntil(lambda: em.count("carbon-intensity/latest") > requests_before and not window.live.busy,
                    timeout=20000)  # fmt: skip
    signal = window.live.signals["europe-west4"]
    assert signal.latest == before  # the last good value stays
    assert any(p.message == "key rejected" for p in signal.problems)
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
    qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
    assert all("STALE" in s.facts.carbon.provenance.as_of for s in window.ranking.ranked)
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: "key rejected" in window.signals_view.status.text(), timeout=3000)
    qtbot.waitUntil(lambda: "STALE" in window.signals_view.status.text(), timeout=3000)
    window.close()


def test_forecast_refused_by_a_free_plan_is_said_per_region_and_not_asked_again(qtbot, em, tmp_path):
    em.faults["carbon-intensity/forecast"] = "403"
    window = window_with(qtbot, Credentials(Secret(em.token), None, None),
                         {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}, tmp_path)  # fmt: skip
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.FORECAST_MEAN))
    qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
    assert not window.ranking.ranked
    reasons = {e.region.name: e.reason for e in window.ranking.excluded}
    assert "endpoint not in your plan" in reasons["europe-west4"]
    asked = em.count("carbon-intensity/forecast")
    window.live._service._clients.clear()
    window.live._service._client_key.clear()
    (tmp_path / "http.sqlite").unlink()
    panel.refresh.click()
    qtbot.waitUntil(lambda: window.live.busy, timeout=3000)
    qtbot.waitUntil(lambda: not window.live.busy, timeout=20000)
    assert em.count("carbon-intensity/forecast") == asked
    assert any("asked again in 24 h" in p.message for p in window.live.signals["europe-west4"].problems)
    window.close()


def test_watttime_is_marginal_and_never_mixed_with_averages(qtbot, tmp_path):
    with FakeWattTime.start(now=datetime.now(UTC)) as wt:
        credentials = Credentials(None, wt.username, Secret(wt.password))
        window = window_with(qtbot, credentials, {"CARBON_GUI_WATTTIME_URL": wt.api_url}, tmp_path)
        assert window.carbon_panel.current_provider() == "watttime"
        kinds = {s.kind for s in window.live.signals.values()}
        assert kinds == {SignalKind.MARGINAL}
        panel = window.carbon_panel
        panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
        qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
        assert "marginal (MOER)" in window.summary.text()
        assert all(s.facts.carbon.provenance.kind == "marginal (MOER)" for s in window.ranking.ranked)
        window.close()


def test_a_key_saved_in_the_keys_dialog_switches_the_window_to_live_data(qtbot, em, tmp_path):
    """Settings → Keys: the real dialog, an in-memory keyring (no OS keyring in this test), the real
    check against the fake provider, then the window fetches with the saved key."""
    from PySide6.QtCore import Qt

    from carbon_gui.secrets import SecretStore
    from tests.secret_store import MemoryKeyring

    store = SecretStore(MemoryKeyring())
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(store.load, environ=environ, cache_path=tmp_path / "http.sqlite", timeout_s=2)
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": live, "secret_store": lambda: store})
    window = open_window(qtbot, services=services)
    qtbot.waitUntil(lambda: window.live is not None and bool(window.live.signals), timeout=20000)
    assert window.live.provider == "replay"  # no key yet
    window.findChild(type(window.menuBar().actions()[0]), "keysAction").trigger()
    dialog = window.keys_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.token, em.token)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_results["electricitymaps"].text() == "accepted", timeout=10000)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live.provider == "electricitymaps", timeout=10000)
    qtbot.waitUntil(lambda: "europe-west4" in window.live.signals, timeout=20000)
    assert window.live.signals["europe-west4"].source == "Electricity Maps"
    assert em.requests_to("carbon-intensity/latest")[-1].headers.get("auth-token") == em.token
    dialog.close()
    window.close()

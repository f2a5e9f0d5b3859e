"""The window against local fake providers (real HTTP on 127.0.0.1): live values rank the regions,
failures become per-region messages, and the last good values stay on screen, marked stale."""

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from carbon_gui.core.signals import CarbonMode, SignalKind
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.settings import UserSettings, load_settings
from carbon_gui.ui.models.region_table_model import COLUMNS
from carbon_gui.ui.workers import wait_for_background_work
from tests.integration.fake_providers import FakeElectricityMaps, FakeWattTime, Fault
from tests.ui.conftest import make_services, open_window


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


def window_with(qtbot, credentials: Credentials, environ: dict[str, str], tmp_path, timeout_s: float = 2,
                settings: UserSettings | None = None):  # fmt: skip
    live = LiveService(lambda: credentials, environ=environ, cache_path=tmp_path / "http.sqlite", timeout_s=timeout_s)
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": live})
    window = open_window(qtbot, settings=settings, services=services)
    qtbot.waitUntil(lambda: window.live is not None and window.live.provider != "replay" and bool(window.live.signals)
                    and not window.live.busy, timeout=20000)  # fmt: skip
    return window


def fresh_session(window, tmp_path) -> None:
    """A new HTTP session and an empty cache, so the next refresh reaches the provider."""
    window.live._service._clients.clear()
    window.live._service._client_key.clear()
    for cached in tmp_path.rglob("http.sqlite*"):
        cached.unlink()


def em_window(qtbot, em, tmp_path, **kwargs):
    return window_with(qtbot, Credentials(Secret(em.token), None, None),
                       {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}, tmp_path, **kwargs)  # fmt: skip


def use_mode(qtbot, window, mode: CarbonMode) -> None:
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    qtbot.waitUntil(lambda: (window._assessment.live is not None) == (mode is not CarbonMode.YEARLY), timeout=3000)


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
    assert window.ranking.ranked
    for scored in window.ranking.ranked:
        assert scored.facts.intensity == window.live.signals[scored.name].latest.value
        assert scored.facts.carbon.provenance.source == "Electricity Maps"
    assert "Electricity Maps: latest value (average, lifecycle)" in window.summary.text()
    # every label says which intensity is in use; the CFE share stays Google's yearly figure
    model = window.table_model
    tip = {c.header: model.index(0, i).data(Qt.ItemDataRole.ToolTipRole) for i, c in enumerate(COLUMNS)}
    assert "Electricity Maps; average, lifecycle" in tip["Emissions"] and "yearly" not in tip["Emissions"]
    assert "min old" in tip["Intensity"]
    assert "2024 yearly figure, also when the intensity is live" in tip["Google CFE"]
    assert window.map.title.startswith("colour: grid intensity (Electricity Maps: latest value (average, lifecycle))")
    assert window.sources_note.text().startswith("Intensity: Electricity Maps: latest value (average, lifecycle) · ")
    assert "yearly" not in window.sources_note.text()
    use_mode(qtbot, window, CarbonMode.YEARLY)
    assert "Google 2024 yearly averages" in window.map.title and "yearly" in window.sources_note.text()
    # the power mix plot has one bar per plotted region
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: window.signals_view.mix.bar_count > 0, timeout=3000)
    window.close()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("401", "key rejected"),
        ("500", "provider error (HTTP 500)"),
        (Fault("timeout", sleep_s=4), "timed out"),  # the client gives up after 2 s
        ("malformed", "malformed answer from the provider"),
        (Fault("429", retry_after="30"), "rate-limited, retrying in 30 s"),
    ],
    ids=["401", "500", "timeout", "malformed-json", "429"],
)
def test_a_failing_refresh_keeps_the_last_good_values_marked_stale(qtbot, em, tmp_path, fault, message):
    window = em_window(qtbot, em, tmp_path)
    before = window.live.signals["europe-west4"].latest
    assert before is not None and before.value is not None
    fresh_session(window, tmp_path)
    em.faults["carbon-intensity/latest"] = fault
    requests_before = em.count("carbon-intensity/latest")
    window.carbon_panel.refresh.click()
    qtbot.waitUntil(lambda: em.count("carbon-intensity/latest") > requests_before and not window.live.busy,
                    timeout=30000)  # fmt: skip
    signal = window.live.signals["europe-west4"]
    assert signal.latest == before  # the last good value stays
    assert message in [p.message for p in signal.problems]
    use_mode(qtbot, window, CarbonMode.LATEST)
    assert window.ranking.ranked
    assert all("STALE" in s.facts.carbon.provenance.as_of for s in window.ranking.ranked)
    assert all(s.facts.intensity == window.live.signals[s.name].latest.value for s in window.ranking.ranked)
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: message in window.signals_view.status.text(), timeout=3000)
    qtbot.waitUntil(lambda: "STALE" in window.signals_view.status.text(), timeout=3000)
    window.close()


def test_forecast_refused_by_a_free_plan_is_said_per_region_and_not_asked_again(qtbot, em, tmp_path):
    em.faults["carbon-intensity/forecast"] = "403"
    window = em_window(qtbot, em, tmp_path)
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.FORECAST_MEAN))
    qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
    assert not window.ranking.ranked
    reasons = {e.region.name: e.reason for e in window.ranking.excluded}
    assert "endpoint not in your plan" in reasons["europe-west4"]
    asked = em.count("carbon-intensity/forecast")
    fresh_session(window, tmp_path)
    panel.refresh.click()
    qtbot.waitUntil(lambda: window.live.busy, timeout=3000)
    qtbot.waitUntil(lambda: not window.live.busy, timeout=20000)
    assert em.count("carbon-intensity/forecast") == asked
    assert any("asked again in 24 h" in p.message for p in window.live.signals["europe-west4"].problems)
    window.close()


def test_watttime_is_marginal_and_never_mixed_with_averages(qtbot, tmp_path):
    california = {"CAISO_NORTH": (32.0, 42.0, -124.5, -114.0)}  # covers us-west2 (Los Angeles), us-west4
    with FakeWattTime.start(now=datetime.now(UTC), coverage=california) as wt:
        credentials = Credentials(None, wt.username, Secret(wt.password))
        window = window_with(qtbot, credentials, {"CARBON_GUI_WATTTIME_URL": wt.api_url}, tmp_path)
        assert window.carbon_panel.current_provider() == "watttime"
        kinds = {s.kind for s in window.live.signals.values()}
        assert kinds == {SignalKind.MARGINAL}
        panel = window.carbon_panel
        panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
        qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
        assert "marginal (MOER)" in window.summary.text()
        assert window.ranking.ranked, "the covered regions are ranked"
        assert all(s.facts.carbon.provenance.kind == "marginal (MOER)" for s in window.ranking.ranked)
        assert {s.name for s in window.ranking.ranked} <= {"us-west2", "us-west4"}
        reasons = {e.region.name: e.reason for e in window.ranking.excluded}
        assert "no WattTime coverage here" in reasons["europe-west4"]
        window.close()


def test_a_key_saved_in_the_keys_dialog_switches_the_window_to_live_data(qtbot, em, tmp_path):
    """Settings → Keys: the real dialog, an in-memory keyring (no OS keyring in this test), opened on the thread
    pool, the real check against the fake provider, then the window fetches with the saved key. The automatic
    switch to the new key is not saved as the user's choice: the next session chooses again."""
    import threading

    from carbon_gui.secrets import SecretStore
    from tests.secret_store import MemoryKeyring

    store = SecretStore(MemoryKeyring())
    opened_on: list[threading.Thread] = []

    def open_store() -> SecretStore:
        opened_on.append(threading.current_thread())
        return store

    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(store.load, environ=environ, cache_path=tmp_path / "http.sqlite", timeout_s=2)
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": live, "secret_store": open_store})
    window = open_window(qtbot, settings=UserSettings(provider="replay"), services=services)
    qtbot.waitUntil(lambda: window.live is not None and bool(window.live.signals), timeout=20000)
    assert window.live.provider == "replay"  # no key yet
    window.findChild(type(window.menuBar().actions()[0]), "keysAction").trigger()
    qtbot.waitUntil(lambda: window.live_controller.keys_dialog is not None, timeout=5000)  # keyring opens off-thread
    dialog = window.live_controller.keys_dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    qtbot.keyClicks(dialog.token, em.token)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_results["electricitymaps"].text() == "accepted", timeout=10000)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live.provider == "electricitymaps", timeout=10000)
    qtbot.waitUntil(lambda: "europe-west4" in window.live.signals, timeout=20000)
    assert window.live.signals["europe-west4"].source == "Electricity Maps"
    assert em.requests_to("carbon-intensity/latest")[-1].headers.get("auth-token") == em.token
    assert opened_on and threading.main_thread() not in opened_on
    dialog.close()
    window.close()
    assert load_settings().provider == "auto"


def test_rate_limit_is_retried_after_retry_after(qtbot, em, tmp_path):
    em.faults["carbon-intensity/latest"] = Fault("429", times=1, retry_after="30")
    window = em_window(qtbot, em, tmp_path)
    messages = [p.message for s in window.live.signals.values() for p in s.problems]
    assert "rate-limited, retrying in 30 s" in messages
    assert window.live.retry.isActive() and 25_000 < window.live.retry.remainingTime() <= 31_000
    window.live.retry.start(10)  # let the 30 s pass
    first = em.count("carbon-intensity/latest")
    fresh_session(window, tmp_path)  # the retry must reach the server, not the cache
    qtbot.waitUntil(lambda: em.count("carbon-intensity/latest") > first, timeout=5000)
    qtbot.waitUntil(lambda: not window.live.busy, timeout=10000)
    assert not any("rate-limited" in p.message for s in window.live.signals.values() for p in s.problems)
    window.close()


def test_closing_the_window_cancels_a_hung_refresh_without_waiting_for_it(qtbot, tmp_path):
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        # The client would wait longer than the test may run: a close that waited for the fetch would fail it.
        window = em_window(qtbot, em, tmp_path, timeout_s=200)
        fresh_session(window, tmp_path)
        em.faults["carbon-intensity/latest"] = Fault("timeout", sleep_s=200)  # answered when the server stops
        asked = em.count("carbon-intensity/latest")
        window.carbon_panel.refresh.click()
        qtbot.waitUntil(lambda: em.count("carbon-intensity/latest") > asked, timeout=5000)
        fetcher = window.live._fetcher
        window.close()  # returns while the server still holds the request
        assert fetcher is not None and fetcher.cancelled
        assert window.live.busy is False and not window.live.timer.isActive()
    assert wait_for_background_work(30000)  # the server has stopped: the cancelled fetch ends


def test_no_key_reaches_the_disk_after_store_use_rotate_and_export(qtbot, em, tmp_path, monkeypatch):
    """Sentinel keys through the whole window: dialog save, fetch (HTTP cache), rotation, CSV and PNG
    export, settings save on close. Then every file under the config, cache and export dirs and
    the HOME the test gave the app is scanned: zero hits."""
    from PySide6.QtCore import Qt

    from carbon_gui.secrets import SecretStore
    from tests.secret_store import MemoryKeyring, files_containing

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    first, second = "sentinel-em-key-7f3a9c1e2b", "sentinel-em-key-rotated-44d0aa"
    em.token = first
    store = SecretStore(MemoryKeyring())
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(store.load, environ=environ, cache_path=tmp_path / "cache" / "http.sqlite", timeout_s=2)
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": live, "secret_store": lambda: store})
    window = open_window(qtbot, services=services)
    qtbot.waitUntil(lambda: window.live is not None and bool(window.live.signals), timeout=20000)
    for key in (first, second):
        em.token = key  # the provider now accepts the rotated key
        window.live_controller.keys_dialog = None
        window.live_controller.edit_keys()
        qtbot.waitUntil(lambda: window.live_controller.keys_dialog is not None, timeout=5000)
        dialog = window.live_controller.keys_dialog
        qtbot.waitUntil(lambda d=dialog: not d.working, timeout=5000)
        qtbot.keyClicks(dialog.token, key)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda k=key: store.load().electricitymaps_token == Secret(k), timeout=5000)  # saved off-thread
        dialog.close()
        qtbot.waitUntil(lambda: window.live.provider == "electricitymaps", timeout=10000)
        qtbot.waitUntil(lambda: not window.live.busy and "europe-west4" in window.live.signals, timeout=20000)
        fresh_session(window, tmp_path)  # so this refresh reaches the provider with the current key
        window.carbon_panel.refresh.click()
        qtbot.waitUntil(lambda: window.live.busy, timeout=5000)
        qtbot.waitUntil(lambda: not window.live.busy, timeout=20000)
    assert em.requests_to("carbon-intensity/latest")[-1].headers.get("auth-token") == second
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: bool(window.signals_view.shown()), timeout=3000)
    exports = tmp_path / "exports"
    exports.mkdir()
    window.live_controller.export(str(exports / "signals.csv"), window.signals_view.csv_text().encode())
    window.live_controller.export(str(exports / "signals.png"), window.signals_view.grab().toImage())
    qtbot.waitUntil(lambda: len(list(exports.iterdir())) == 2, timeout=5000)
    window.close()
    assert (tmp_path / "config" / "settings.json").exists() and (tmp_path / "cache" / "http.sqlite").exists()
    assert em.count("carbon-intensity/latest") > 0
    for key in (first, second):
        assert files_containing(key, tmp_path) == []


def test_an_automatic_provider_is_saved_as_auto_and_a_picked_one_as_picked(qtbot, em, tmp_path):
    window = em_window(qtbot, em, tmp_path)
    assert window.live.provider == "electricitymaps"  # chosen automatically: the first with a key
    window.close()
    assert load_settings().provider == "auto"

    again = em_window(qtbot, em, tmp_path, settings=load_settings())
    combo = again.carbon_panel.provider
    combo.setCurrentIndex(combo.findData("replay"))  # what the user does with the mouse or keyboard
    qtbot.waitUntil(lambda: again.live.provider == "replay" and bool(again.live.signals), timeout=10000)
    again.close()
    assert load_settings().provider == "replay"

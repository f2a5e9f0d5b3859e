"""The window's live-data side without keys: the bundled 2024 replay feeds the Signals tab, the
'latest' carbon mode and the cleanest-region button, always labelled as a replay."""

from carbon_gui.core.signals import CarbonMode
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials
from carbon_gui.sources.replay import REPLAY_SOURCE
from tests.ui.conftest import load_settings, make_services, open_window


def live_window(qtbot):
    services = make_services()
    services = type(services)(**{**services.__dict__, "live": LiveService(lambda: Credentials())})
    window = open_window(qtbot, services=services)
    qtbot.waitUntil(lambda: window.ranking is not None and window.live is not None and bool(window.live.signals),
                    timeout=15000)  # fmt: skip
    return window


def test_without_keys_the_replay_is_used_and_says_so(qtbot):
    window = live_window(qtbot)
    assert window.carbon_panel.current_provider() == "replay"
    assert "replaying 2024 Electricity Maps data" in window.carbon_panel.status.text()
    window.views.setCurrentIndex(2)
    view = window.signals_view
    qtbot.waitUntil(lambda: view.intensity.series_count > 0, timeout=5000)
    assert "REPLAY of 2024" in view.intensity.getPlotItem().titleLabel.text
    assert "2024 replay at this hour" in view.status.text()
    # only zones in the bundled data have a signal: europe-west4 (NL) is not among the 16
    assert "europe-west3" in window.live.signals and "europe-west4" not in window.live.signals
    window.close()


def test_latest_mode_ranks_on_the_replayed_values_and_lists_regions_without_one(qtbot):
    window = live_window(qtbot)
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
    qtbot.waitUntil(lambda: window._assessment.live is not None, timeout=3000)
    assert window.ranking.ranked, "the regions of the 16 replayed zones are ranked"
    for scored in window.ranking.ranked:
        signal = window.live.signals[scored.name]
        assert scored.facts.intensity == signal.latest.value
        assert scored.facts.carbon.provenance.source == REPLAY_SOURCE
    assert "2024 replay" in window.summary.text()
    reasons = {e.region.name: e.reason for e in window.ranking.excluded}
    assert reasons["europe-west4"] == "no live signal for this region's grid zone"
    # back to the yearly figures
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.YEARLY))
    qtbot.waitUntil(lambda: window._assessment.live is None, timeout=3000)
    assert "Google 2024 yearly averages" in window.summary.text()
    window.close()


def test_cleanest_button_names_the_lowest_current_value_and_the_values_compared(qtbot):
    window = live_window(qtbot)
    window.plan_form.machine.setEditText("n1-standard-8")
    window.plan_form.machineChanged.emit()
    qtbot.waitUntil(lambda: window.ranking.ranked[0].facts.region.name != "us-west1", timeout=3000)
    window.carbon_panel.cleanest.click()
    dialog = window.live_controller.cleanest_dialog
    qtbot.waitExposed(dialog)
    candidates = {s.name for s in window.ranking.ranked}
    values = {r: s.latest.value for r, s in window.live.signals.items() if r in candidates and s.latest}
    assert values
    best = min(values, key=values.get)
    assert dialog.summary.text().startswith(f"<b>{best}</b>")
    assert "replay of 2024 data, not live" in dialog.summary.text()
    assert window.selected_region() == best
    # every compared value says its source, kind, whether it is estimated, and its age
    assert dialog.table.rowCount() == min(len(values), 12)
    assert dialog.cell(0, 0) == best and dialog.cell(0, 1) == f"{values[best]:.0f}"
    assert dialog.cell(0, 3) == REPLAY_SOURCE and dialog.cell(0, 4) == "average, lifecycle"
    assert dialog.cell(0, 5) in ("yes", "no")
    assert "2024 replay of this date and hour (not live)" in dialog.cell(0, 6)
    dialog.accept()
    window.close()


def test_csv_export_carries_provenance_and_writes_off_the_gui_thread(qtbot, tmp_path):
    window = live_window(qtbot)
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: bool(window.signals_view.shown()), timeout=3000)  # redraws are coalesced
    text = window.signals_view.csv_text()
    header, first = text.splitlines()[:2]
    assert header.startswith("region,zone,time_utc,series,value,unit,estimated,source,kind,replay")
    assert "True" in first.split(",")[-2:]  # the replay flag
    target = tmp_path / "signals.csv"
    window.live_controller.export(str(target), text.encode())
    qtbot.waitUntil(target.exists, timeout=3000)
    assert target.read_bytes() == text.encode()
    png = tmp_path / "signals.png"
    window.live_controller.export(str(png), window.signals_view.grab().toImage())
    qtbot.waitUntil(lambda: png.exists() and png.stat().st_size > 1000, timeout=3000)
    window.close()


def test_a_signal_index_is_shown_in_the_region_details_and_never_ranked(qtbot):
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from carbon_gui.core.signals import RelativeIndex

    window = live_window(qtbot)
    region = next(s.name for s in window.ranking.ranked if s.name in window.live.signals)
    window.select_region(region)
    scores = [(s.name, s.score) for s in window.ranking.ranked]
    at = datetime.now(UTC) - timedelta(minutes=3)
    window.live.signals[region] = replace(window.live.signals[region], index=RelativeIndex(at, 77.0))
    window.select_region(region)
    line = "WattTime signal-index: now at the 77th percentile of the next 24 h (lower is cleaner)"
    assert line in window.details.toPlainText()
    window.live.updated.emit()  # as after a fetch: the Signals tab shows it too, the ranking does not change
    window.views.setCurrentIndex(2)
    qtbot.waitUntil(lambda: line in window.signals_view.status.text(), timeout=3000)
    assert [(s.name, s.score) for s in window.ranking.ranked] == scores
    window.close()


def test_settings_keep_auto_when_the_replay_was_chosen_for_lack_of_a_key(qtbot):
    window = live_window(qtbot)
    assert window.live.provider == "replay"
    window.close()
    assert load_settings().provider == "auto"

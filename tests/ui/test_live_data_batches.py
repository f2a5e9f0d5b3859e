"""LiveData applies arriving zones in batches on the GUI thread (issue 11, "longest GUI stall during a refresh"):
a refresh whose answers all come at once (a fast provider, or the HTTP cache) used to cost one queued signal, one
merge, one progress update and one `updated` per zone, back to back; now the arrivals wait in one inbox, are taken
in slices of a few milliseconds, and each slice tells the window once. A real LiveService against a real local
fake Electricity Maps (no latency: every zone arrives in one burst), the real thread pool."""

import threading
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QTimer

from carbon_gui.live_service import LiveService
from carbon_gui.providers import ELECTRICITYMAPS
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources.reference import load_reference
from carbon_gui.ui import live_data
from carbon_gui.ui.live_data import LiveData
from carbon_gui.ui.workers import BackgroundTasks
from tests.integration.fake_providers import FakeElectricityMaps


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    yield server
    server.stop()


@pytest.fixture
def regions():
    return list(load_reference().catalog.regions)


class RecordedService(LiveService):
    """The real LiveService; it also says when a fetch has returned (every zone handed over), so a test can keep the
    GUI thread away until then and find every zone waiting at once, as after a burst."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.returned = threading.Event()

    def fetch(self, *args, **kwargs) -> None:
        try:
            super().fetch(*args, **kwargs)
        finally:
            self.returned.set()


def live_for(em, tmp_path, regions) -> LiveData:
    credentials = Credentials(Secret(em.token), None, None)
    service = RecordedService(lambda: credentials, environ={"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url},
                              cache_path=tmp_path / "http.sqlite")  # fmt: skip
    data = LiveData(service, BackgroundTasks())
    data.set_regions(regions)
    data.provider = ELECTRICITYMAPS  # set_provider would refresh at once; the test starts the refresh itself
    return data


def refresh_after_burst(qtbot, data: LiveData) -> tuple[int, list[tuple[int, int]]]:
    """Refresh, keep the GUI thread busy until every zone has arrived, then let it apply them: (updates, progress)."""
    updates: list[int] = []
    progress: list[tuple[int, int]] = []
    data.updated.connect(lambda: updates.append(1))
    data.progress.connect(lambda done, expected: progress.append((done, expected)))
    live_data._live_fetcher()  # loaded already, as after a first refresh: this one's fetch starts at once
    data.refresh()
    progress.clear()  # (the 0 of N at the start)
    assert data._service.returned.wait(20)
    qtbot.waitUntil(lambda: not data.busy, timeout=20000)
    return len(updates), progress


def test_a_burst_of_zones_is_applied_at_once_with_every_zone_kept(qtbot, em, tmp_path, regions, monkeypatch):
    monkeypatch.setattr(live_data, "APPLY_SLICE_S", 60.0, raising=False)  # a slice long enough for every zone
    data = live_for(em, tmp_path, regions)
    zones = {r.grid_zone for r in regions if r.grid_zone}
    updates, progress = refresh_after_burst(qtbot, data)
    assert {s.zone for s in data.signals.values()} == zones  # nothing lost on the way
    assert set(data.signals) == {r.name for r in regions if r.grid_zone}
    assert progress[-1] == (len(zones), len(zones))
    assert updates == 1, f"{updates} window updates for one burst of {len(zones)} zones"
    assert progress == [(len(zones), len(zones))] * len(progress) and len(progress) <= 2  # (and once at the end)


def test_a_slice_stops_at_its_time_budget_and_the_rest_follows_after_other_events(qtbot, em, tmp_path, regions,
                                                                                  monkeypatch):  # fmt: skip
    """With no time budget at all each slice applies one zone, and timers run between slices."""
    monkeypatch.setattr(live_data, "APPLY_SLICE_S", 0.0, raising=False)
    data = live_for(em, tmp_path, regions)
    applied_at_tick: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: applied_at_tick.append(len({s.zone for s in data.signals.values()})))
    timer.start(0)
    updates, progress = refresh_after_burst(qtbot, data)
    timer.stop()
    zones = {r.grid_zone for r in regions if r.grid_zone}
    assert {s.zone for s in data.signals.values()} == zones
    assert updates == len(zones)
    assert [done for done, _ in progress[: len(zones)]] == list(range(1, len(zones) + 1))
    # a timer ran while the zones were being applied, not only before and after
    assert any(0 < n < len(zones) for n in applied_at_tick)


def test_a_late_zone_of_a_cancelled_refresh_is_not_applied(qtbot, em, tmp_path, regions):
    data = live_for(em, tmp_path, regions)
    em.latency_s = 0.3
    data.refresh()
    qtbot.wait(100)
    data.cancel()
    qtbot.wait(800)  # the cancelled fetch's answers have come back by now
    assert data.signals == {}

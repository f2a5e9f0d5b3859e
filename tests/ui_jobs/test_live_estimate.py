"""Issue 10 item 4: a running job's estimate uses the intensity the window re-fetched while it runs, not the value
at launch. The real window against a local Electricity Maps server (real HTTP on 127.0.0.1), a real local run and
the real ledger."""

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.quantities import mass_text
from carbon_gui.core.signals import GridSignal, SignalKind, SignalPoint
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.settings import UserSettings
from carbon_gui.ui.jobs.job_estimates import live_intensity
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import estimate_text
from tests.integration.fake_providers import FakeElectricityMaps
from tests.ui.conftest import make_services, open_window
from tests.ui_jobs.conftest import WAIT_MS, launch
from tests.ui_jobs.test_jobs_table_model import ESTIMATE, NOW, timeline, vertex_job

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("local_env")]

REGION, ZONE, LIVE_G = "europe-west4", "NL", 123.0  # far from the 2024 yearly 208.81 g the launch would use
SLOW = """
import time

def train():
    time.sleep(20)
"""


@pytest.fixture
def em():
    server = FakeElectricityMaps.start(now=datetime.now(UTC))
    server.intensity_of[ZONE] = LIVE_G
    yield server
    server.stop()


def test_a_running_jobs_estimate_uses_the_latest_live_intensity_of_the_window(
    qtbot, em: FakeElectricityMaps, service: JobService, tmp_path: Path
) -> None:
    environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
    live = LiveService(lambda: Credentials(Secret(em.token), None, None), environ=environ,
                       cache_path=tmp_path / "http.sqlite")  # fmt: skip
    services = dataclasses.replace(make_services(), live=live, jobs=lambda: service)
    window = open_window(qtbot, UserSettings(), services)
    qtbot.waitUntil(lambda: window.live is not None and REGION in window.live.signals and not window.live.busy,
                    timeout=WAIT_MS)  # fmt: skip
    assert window.live.signals[REGION].latest.value == LIVE_G
    qtbot.waitUntil(lambda: window.jobs_controller.view is not None, timeout=WAIT_MS)
    view = window.jobs_controller.view
    script = tmp_path / "slow.py"
    script.write_text(SLOW)
    record = launch(service, LaunchRequest("local", REGION, script, "n1-standard-8", 1.0))
    view.select(record.id)

    def running_estimate() -> str:
        snapshot = view.model.find(record.id)
        return estimate_text(snapshot, datetime.now(UTC))[1] if snapshot and snapshot.is_active else ""

    qtbot.waitUntil(lambda: "Electricity Maps" in running_estimate(), timeout=WAIT_MS)
    tooltip = running_estimate()
    # accounted hour by hour since the hourly accounting of running jobs: the hour it runs in is at the live value
    assert f"latest {LIVE_G:,.0f} gCO₂e/kWh" in tooltip and "Intensity hour by hour" in tooltip
    service.cancel(record.id)  # the run need not go on
    window.close()


def _signal(value: float, *, replay: bool = False, age: timedelta = timedelta(minutes=5)) -> GridSignal:
    point = SignalPoint(NOW - age, value, False)
    return GridSignal(zone=ZONE, source="Electricity Maps", kind=SignalKind.AVERAGE_LIFECYCLE, latest=point,
                      fetched_at=NOW - age, is_replay=replay)  # fmt: skip


def test_only_a_fresh_live_value_replaces_the_launch_intensity() -> None:
    figure = live_intensity(_signal(LIVE_G), NOW, stale_after_s=1800)
    assert figure is not None and figure.intensity_gco2_kwh == LIVE_G
    assert figure.provenance.source == "Electricity Maps"
    assert live_intensity(_signal(LIVE_G, replay=True), NOW, 1800) is None  # 2024 replayed: not re-fetched
    assert live_intensity(_signal(LIVE_G, age=timedelta(hours=2)), NOW, 1800) is None  # stale
    assert live_intensity(None, NOW, 1800) is None


def test_a_running_vertex_jobs_so_far_figure_uses_the_live_intensity_and_an_ended_one_keeps_the_launch_value() -> None:
    live = CarbonFigure(LIVE_G, None, Provenance("Electricity Maps", "average, lifecycle", False, "5 min old"))
    running = JobSnapshot(vertex_job("running"), timeline(("running", 60)), live_intensity=live)
    cell, tooltip = estimate_text(running, NOW)
    kwh, _ = ESTIMATE.so_far(1.0)
    assert cell.startswith(f"≈ 440 Wh, {mass_text(kwh * LIVE_G / 1000)} CO₂e so far")  # 400 W × 1 h × PUE 1.1
    assert f"in place of {ESTIMATE.intensity_gco2_kwh:,.0f} gCO₂e/kWh" in tooltip
    ended = dataclasses.replace(running, record=vertex_job("succeeded", ended_at=NOW))
    assert mass_text(kwh * ESTIMATE.intensity_gco2_kwh / 1000) in estimate_text(ended, NOW)[0]

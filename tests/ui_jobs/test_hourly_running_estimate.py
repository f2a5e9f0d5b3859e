"""Issue 10 item 4: a running job's so-far estimate is summed hour by hour, each hour at the live intensity the window
fetched for it (kept as they came), not the whole run at the latest value. Through the functions the Jobs tab calls
on every poll (with_live_intensities, then estimate_text), checked against core.accounting.account."""

from datetime import timedelta

from carbon_gui.core.accounting import PowerRange, account
from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.quantities import mass_text
from carbon_gui.ui.jobs.job_estimates import with_live_intensities
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import estimate_text
from tests.ui_jobs.test_jobs_table_model import ESTIMATE, NOW, timeline, vertex_job


def _figure(value: float, age: str) -> CarbonFigure:
    return CarbonFigure(value, None, Provenance("Electricity Maps", "average, lifecycle", False, age))


def test_each_hour_run_keeps_the_live_value_fetched_for_it() -> None:
    running = JobSnapshot(vertex_job("running"), timeline(("running", 150)))  # started 09:30, now 12:00
    kept: dict = {}
    live = {"value": _figure(100.0, "10 min old")}
    for at, value in ((NOW - timedelta(minutes=110), 100.0), (NOW - timedelta(minutes=40), 250.0), (NOW, 250.0)):
        live["value"] = _figure(value, "10 min old")  # what the window's refresh brought at `at`
        [snapshot] = with_live_intensities((running,), lambda _region: live["value"], kept, at)
    cell, tooltip = estimate_text(snapshot, NOW)

    # 09:30-10:30 before any live value: the launch intensity; 10:30-11:30 at 10:00's 100 g; 11:30-12:00 at 250 g
    power = PowerRange(ESTIMATE.watts, ESTIMATE.watts, ESTIMATE.watts)
    hourly = [ESTIMATE.intensity_gco2_kwh, 100.0, 250.0]
    expected = account(NOW - timedelta(minutes=150), 2.5, hourly, hourly, hourly, power, ESTIMATE.pue, [])
    assert f"{mass_text(expected.operational_kg)} CO₂e so far (estimate)" in cell, cell
    flat = ESTIMATE.so_far(2.5)[0] * 250.0 / 1000  # the whole run at the latest value: what it used to show
    assert mass_text(flat) not in cell
    assert "hour by hour" in tooltip and "Electricity Maps" in tooltip and "10 min old" in tooltip


def test_an_ended_job_and_a_job_without_live_values_keep_the_launch_figure() -> None:
    ended = JobSnapshot(vertex_job("succeeded", ended_at=NOW), timeline(("running", 60), ("succeeded", 0)))
    [snapshot] = with_live_intensities((ended,), lambda _region: _figure(50.0, "now"), {}, NOW)
    assert mass_text(ESTIMATE.so_far(1.0)[1]) in estimate_text(snapshot, NOW)[0]
    running = JobSnapshot(vertex_job("running"), timeline(("running", 60)))
    [snapshot] = with_live_intensities((running,), lambda _region: None, {}, NOW)
    assert mass_text(ESTIMATE.so_far(1.0)[1]) in estimate_text(snapshot, NOW)[0]

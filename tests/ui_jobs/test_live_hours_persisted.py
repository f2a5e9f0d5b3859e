"""Issue 10 leftover: the live intensity a running job's hour-by-hour estimate uses is kept in the ledger, so it
survives the window closing: the Jobs tab (JobsView, real widgets) writes it while the job runs, a new JobsView on
the same ledger file shows the same hours. An older ledger (schema 2) is upgraded in place; a value that cannot be
read (damaged by hand, or from elsewhere) is ignored, never a damaged job: the job is still polled and shown."""

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import SCHEMA_VERSION, Ledger
from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.quantities import mass_text
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.jobs.job_estimates import kept_hours_json, with_live_intensities
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import estimate_text
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.workers import BackgroundTasks
from tests.ui_jobs.conftest import FAST, WAIT_MS, launch, row_state
from tests.ui_jobs.test_jobs_table_model import ESTIMATE, NOW, timeline, vertex_job
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.timeout(120)
LIVE_G = 123.0
LIVE = CarbonFigure(LIVE_G, None, Provenance("Electricity Maps", "average, lifecycle", False, "4 min old"))


def _view(qtbot, service: JobService, tasks: BackgroundTasks, live: CarbonFigure | None) -> JobsView:
    view = JobsView(lambda: service, tasks, FAST, intensity=lambda _region: live)
    qtbot.addWidget(view)
    view.show()
    view.start()
    return view


@pytest.mark.usefixtures("cloud_env")
def test_the_hours_seen_while_a_job_runs_survive_a_restart_of_the_jobs_tab(
    qtbot, service: JobService, tasks: BackgroundTasks, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "run")
    first = _view(qtbot, service, tasks, LIVE)
    qtbot.waitUntil(lambda: (service.ledger.job(record.id) or record).live_hours is not None, timeout=WAIT_MS)
    first.stop()
    first.close()

    again = _view(qtbot, service, tasks, None)  # after a restart: no live value fetched yet
    qtbot.waitUntil(lambda: row_state(again, record.id) == "running", timeout=WAIT_MS)
    again.select(record.id)
    qtbot.waitUntil(lambda: "hour by hour" in again.details.estimate_source.text(), timeout=WAIT_MS)
    assert f"latest {LIVE_G:,.0f} gCO₂e/kWh" in again.details.estimate_source.text()
    assert "Electricity Maps" in again.details.estimate_source.text()
    again.stop()


def test_a_ledger_of_schema_2_is_upgraded_and_keeps_its_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    ledger = Ledger()
    ledger.add_job(vertex_job("running"))
    with sqlite3.connect(ledger.path) as db:  # what schema 2 looked like: no live hours
        db.execute("ALTER TABLE jobs DROP COLUMN live_hours")
        db.execute("PRAGMA user_version = 2")
    reopened = Ledger()
    [job] = reopened.jobs()
    assert reopened.notice is None and job.id == vertex_job("running").id and job.live_hours is None
    with sqlite3.connect(reopened.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    hours = kept_hours_json(((NOW.replace(minute=0), LIVE),))
    reopened.set_live_hours(job.id, hours)
    assert Ledger().jobs()[0].live_hours == hours


DAMAGED = ("{not json", '{"a": 1}', '[["2026-11-22T11:00:00+00:00", "x"]]', "[1, 2]", "",
           '[{"hour": "yesterday", "gco2_kwh": 1}]', '[{"hour": "2026-11-22T11:00:00"}]')  # fmt: skip


@pytest.mark.parametrize("stored", DAMAGED)
def test_a_value_that_cannot_be_read_is_ignored_and_the_job_is_still_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    ledger = Ledger()
    ledger.add_job(vertex_job("running"))
    with sqlite3.connect(ledger.path) as db:
        db.execute("UPDATE jobs SET live_hours = ?", (stored,))
    [record] = Ledger().jobs()  # not withheld as damaged: it is still polled, cancelled, cleaned up
    assert Ledger().damaged() == []
    running = JobSnapshot(record, timeline(("running", 60)))
    [shown] = with_live_intensities((running,), lambda _region: None, {}, NOW)
    cell, tooltip = estimate_text(shown, NOW)
    assert mass_text(ESTIMATE.so_far(1.0)[1]) in cell and "hour by hour" not in tooltip  # the launch figure
    [shown] = with_live_intensities((running,), lambda _region: LIVE, {}, NOW)  # a new value: counted again
    assert "hour by hour" in estimate_text(shown, NOW)[1]


def test_an_ended_job_keeps_the_hours_seen_while_it_ran() -> None:
    seen = ((NOW - timedelta(hours=1), LIVE),)
    ended = JobSnapshot(replace(vertex_job("succeeded", ended_at=NOW), live_hours=kept_hours_json(seen)),
                        timeline(("running", 90), ("succeeded", 0)))  # fmt: skip
    [shown] = with_live_intensities((ended,), lambda _region: None, {}, NOW + timedelta(hours=5))
    cell, tooltip = estimate_text(shown, NOW + timedelta(hours=5))
    assert "hour by hour" in tooltip and cell.endswith("(estimate)") and "so far" not in cell
    assert mass_text(ESTIMATE.so_far(1.5)[1]) not in cell  # not the whole run at the launch intensity


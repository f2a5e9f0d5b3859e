"""The monitor against the local Vertex AI server and a real local run: states progress one per poll, a failed
poll becomes a note on that job only, state changes are announced, polls never overlap, and the intervals."""

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from carbon_gui.cloud.ledger import JobRecord, StateChange
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.ui.jobs.job_monitor import JobMonitor
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.jobs_view import JobsView
from carbon_gui.ui.jobs.poll_intervals import PollIntervals
from carbon_gui.ui.workers import BackgroundTasks
from tests.jobs.conftest import REGION
from tests.ui_jobs.conftest import WAIT_MS, launch, row_state
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.timeout(120)


def _snapshot(target: str, state: str) -> JobSnapshot:
    record = JobRecord(id=f"cg-{target}", target=target, region=REGION, display_name="x",  # type: ignore[arg-type]
                       machine_type="n1-standard-8", script_path="x.py", state=state)  # fmt: skip
    return JobSnapshot(record, (StateChange(record.id, state, record.created_at),))


def test_intervals_one_second_for_a_local_run_ten_for_vertex_doubling_to_sixty_while_nothing_changes() -> None:
    intervals = PollIntervals()
    vertex, local = [_snapshot("vertex", "running")], [_snapshot("vertex", "running"), _snapshot("local", "running")]
    assert intervals.next(None, vertex, changed=False) == 10
    waits = [10.0]
    for _ in range(4):
        waits.append(intervals.next(waits[-1], vertex, changed=False))
    assert waits == [10, 20, 40, 60, 60]
    assert intervals.next(60, vertex, changed=True) == 10  # something moved: back to 10 s
    assert intervals.next(60, local, changed=False) == 1  # a local run's output is live
    assert intervals.next(20, [_snapshot("local", "succeeded")], changed=False) == 40  # ended: no need to hurry


@pytest.mark.usefixtures("cloud_env")
def test_states_progress_through_the_monitor_and_each_change_is_announced(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    record = launch(service, vertex_request, fake_vertex, "succeed")
    changes: list[tuple[str, str, str]] = []
    notices: list[str] = []
    view.monitor.state_changed.connect(lambda *change: changes.append(change))
    view.monitor.notify.connect(notices.append)  # offscreen: no system tray, so the status-bar signal
    view.start()
    qtbot.waitUntil(lambda: row_state(view, record.id) == "succeeded", timeout=WAIT_MS)
    assert [(old, new) for _id, old, new in changes] == [("queued", "pending"), ("pending", "running"),
                                                         ("running", "succeeded")]  # fmt: skip
    assert notices[-1] == f"{record.display_name} ({record.id}) is now succeeded."
    assert [c.state for c in view.selected().history][-4:] == ["queued", "pending", "running", "succeeded"]
    timeline = [view.details.timeline.topLevelItem(i).text(1) for i in range(view.details.timeline.topLevelItemCount())]
    assert timeline[-4:] == ["queued", "pending", "running", "succeeded"]


@pytest.mark.usefixtures("cloud_env")
def test_a_failed_poll_is_a_note_on_that_job_and_the_other_job_still_updates(
    qtbot, service: JobService, tasks: BackgroundTasks, vertex_request: LaunchRequest, fake_vertex: FakeVertex
) -> None:
    older = launch(service, vertex_request, fake_vertex, "succeed")
    newer = launch(service, vertex_request, fake_vertex, "succeed")
    fake_vertex.inject("unavailable", on="get", times=1)  # the first GET of the first poll: the newest job's
    monitor = JobMonitor(lambda: service, tasks, PollIntervals(vertex_s=40, longest_s=60))
    polls: list[tuple[JobSnapshot, ...]] = []
    monitor.jobs_changed.connect(polls.append)
    monitor.poll_now()
    qtbot.waitUntil(lambda: len(polls) == 1, timeout=WAIT_MS)
    by_id = {s.id: s for s in polls[0]}
    assert by_id[newer.id].note == (
        "Could not update: Vertex AI is unavailable right now (HTTP 503). Try again in a few minutes — retrying in 40 s"
    )
    assert by_id[older.id].note is None
    asked = [r.path for r in fake_vertex.requests if r.method == "GET"]
    assert asked[-1].endswith(older.vertex_name)  # it was asked after the other one failed
    monitor.poll_now()  # the next poll (the timer would wait 40 s)
    qtbot.waitUntil(lambda: len(polls) == 2, timeout=WAIT_MS)
    by_id = {s.id: s for s in polls[1]}
    assert by_id[older.id].record.state == "pending"  # the server moved it on at the first poll's GET
    assert by_id[newer.id].note is None and by_id[newer.id].record.state == "queued"  # one step behind, now answered
    monitor.stop()


@pytest.mark.usefixtures("cloud_env")
def test_while_vertex_ai_fails_a_local_run_keeps_updating(
    qtbot, view: JobsView, service: JobService, vertex_request: LaunchRequest, fake_vertex: FakeVertex, script: Path
) -> None:
    remote = launch(service, vertex_request, fake_vertex, "run")
    fake_vertex.inject("unavailable", on="get", times=10_000)  # every poll of the Vertex AI job fails
    local = launch(service, LaunchRequest("local", REGION, script, "n1-standard-8", 1.0))
    view.start()
    qtbot.waitUntil(lambda: row_state(view, local.id) == "succeeded", timeout=WAIT_MS)
    note = view.model.find(remote.id).note
    assert note is not None and "unavailable right now (HTTP 503)" in note and "retrying in" in note
    assert row_state(view, remote.id) == "queued"
    view.select(remote.id)
    assert view.details.note.isVisible() and "HTTP 503" in view.details.note.text()


class CountingService:
    """A JobService whose polling of the watched jobs is slow and counts how many run at once."""

    def __init__(self, service: JobService) -> None:
        self._service, self._lock = service, threading.Lock()
        self.running = self.most = self.calls = 0

    def refresh_watched(self) -> dict[str, str]:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        time.sleep(0.3)
        with self._lock:
            self.running -= 1
        return self._service.refresh_watched()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)


@pytest.mark.usefixtures("local_env")
def test_never_two_polls_at_once(qtbot, service: JobService, tasks: BackgroundTasks) -> None:
    counting = CountingService(service)
    monitor = JobMonitor(lambda: counting, tasks)  # type: ignore[arg-type,return-value]
    for _ in range(5):
        monitor.poll_now()
    qtbot.waitUntil(lambda: counting.calls == 2 and not monitor.polling, timeout=WAIT_MS)
    assert counting.most == 1  # the four extra requests became one poll right after the first
    assert monitor.interval_s == 20  # no jobs and nothing changed on the second poll: 10 s doubled
    monitor.stop()

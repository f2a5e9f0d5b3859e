"""DryRun: plans are debounced (a burst of edits makes one plan) and an answer to an older request is dropped."""

import threading
from pathlib import Path

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.jobs.request import LaunchPlan, LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.launch.dry_run import DryRun
from tests.jobs.conftest import PROJECT, REGION
from tests.ui_launch.conftest import WAIT_MS

SLOW = "n1-standard-4"


class HeldService(JobService):
    """Counts plans; the plan of the SLOW machine waits until the test releases it."""

    def __init__(self, reference: ReferenceData) -> None:
        super().__init__(lambda: reference, Ledger())
        self.calls: list[str] = []
        self.slow_started = threading.Event()
        self.release = threading.Event()

    def plan(self, request: LaunchRequest, live=None, today=None) -> LaunchPlan:
        self.calls.append(request.machine_type)
        if request.machine_type == SLOW:
            self.slow_started.set()
            assert self.release.wait(WAIT_MS / 1000)
        return super().plan(request, live, today)


def _request(script: Path, machine_type: str) -> LaunchRequest:
    return LaunchRequest("vertex", REGION, script, machine_type, 1.0, PROJECT)


def test_a_burst_of_edits_makes_one_plan_for_the_last_of_them(qtbot, reference, tasks, script, local_env) -> None:
    held = HeldService(reference)
    dry_run = DryRun(held, tasks, None, delay_ms=1000)
    with qtbot.waitSignal(dry_run.planned, timeout=WAIT_MS) as planned:
        for machine in ("n1-standard-8", "n1-standard-16", "n1-highmem-8"):
            dry_run.update(_request(script, machine))
    assert held.calls == ["n1-highmem-8"] and planned.args[0].request.machine_type == "n1-highmem-8"
    assert not dry_run.pending


def test_the_answer_to_an_older_request_is_dropped(qtbot, reference, tasks, script, local_env) -> None:
    held = HeldService(reference)
    dry_run = DryRun(held, tasks, None, delay_ms=10)
    answers: list[str] = []
    dry_run.planned.connect(lambda plan: answers.append(plan.request.machine_type))
    dry_run.update(_request(script, SLOW))
    qtbot.waitUntil(held.slow_started.is_set, timeout=WAIT_MS)  # the slow plan is on the pool
    with qtbot.waitSignal(dry_run.planned, timeout=WAIT_MS):
        dry_run.update(_request(script, "n1-highmem-8"))
    held.release.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT_MS)  # the slow answer has come back, and was dropped
    assert answers == ["n1-highmem-8"] and held.calls == [SLOW, "n1-highmem-8"]


def test_answers_for_a_deleted_wizard_are_dropped(qtbot, service, tasks, script) -> None:
    from PySide6.QtCore import QObject
    from shiboken6 import isValid

    from carbon_gui.ui.launch import LaunchWizard

    wizard = LaunchWizard(service, tasks, REGION, "n1-standard-8", None, 0, 1.0, PROJECT)
    assert tasks.busy  # the machine and image lists are being read on the pool
    watcher = QObject()
    wizard.destroyed.connect(watcher.deleteLater)
    wizard.deleteLater()  # its window went away without closing it first
    qtbot.waitUntil(lambda: not isValid(watcher), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT_MS)  # the answer came back to nobody, without an error

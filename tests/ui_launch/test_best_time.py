"""Issue 10 item 4 in the window: "Launch at best time" on the wizard's review page. It plans the start with the
least expected emissions before a deadline (default 24 h) off the GUI thread, shows the start, the expected
emissions and the savings against starting now, and only on the user's confirmation records the job in the ledger
as scheduled, through the same JobService methods as `carbon-gui launch --at best`. The real wizard (pytest-qt),
the real ledger file in tmp and the bundled hourly data."""

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.core.quantities import mass_text
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import BestStart, JobService, Signals
from carbon_gui.sources.reference import ReferenceData
from tests.conftest import ARTIFACTS
from tests.ui_launch.conftest import WAIT_MS, MakeWizard, click_button, current_images, go_to_review

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(180)]
COMMIT = QWizard.WizardButton.CommitButton


def _click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not clickable"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_best_time_shows_the_plan_then_schedules_it_on_confirmation(
    qtbot, make_wizard: MakeWizard, script: Path, service: JobService
) -> None:
    # europe-west3: the bundled hourly data covers its grid, so the start is planned on an hourly forecast
    wizard = make_wizard(region="europe-west3", accelerator=None, accelerator_count=0, hours=3.0)
    go_to_review(qtbot, wizard, str(script))
    box = wizard.review_page.best_time
    assert box.deadline.value() == 24.0 and not box.confirm_button.isVisible()
    asked = datetime.now(UTC)
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(lambda: box.best is not None, timeout=WAIT_MS)
    best = box.best
    assert service.jobs() == []  # nothing is recorded before the user confirms

    # the same plan as the service gives for this request and deadline (its "now" moved a little)
    expected = service.best_start(wizard.plan.request, asked + timedelta(hours=24), asked)
    assert abs(best.start - expected.start) <= timedelta(minutes=5)
    assert best.emissions_kg == pytest.approx(expected.emissions_kg, rel=0.05)
    assert best.start + timedelta(hours=3) <= asked + timedelta(hours=24, minutes=5)
    text = box.result.text()
    assert f"{best.start:%Y-%m-%d %H:%M} UTC" in text and mass_text(best.emissions_kg) in text
    assert "own forecast" in text  # the hourly data it rests on
    saved = best.savings()
    assert best.now_kg is not None and saved is not None and mass_text(best.now_kg) in text  # vs starting now
    assert f"saves {mass_text(saved[0])} ({saved[1]:.0f} %)" in text if saved[0] > 0 else "no later start" in text
    assert box.confirm_button.isVisible() and box.confirm_button.isEnabled()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wizard.grab().save(str(ARTIFACTS / "launch_best_time.png"))

    _click(qtbot, box.confirm_button)
    qtbot.waitUntil(lambda: box.job_id is not None, timeout=WAIT_MS)
    [job] = Ledger().jobs()
    assert job.id == box.job_id == wizard.plan.job_id and job.state == "scheduled"
    assert job.scheduled_for is not None and best.start <= job.scheduled_for <= max(best.start, datetime.now(UTC))
    how = json.loads(job.launch_json)
    assert how["at_best"] and how["planned_kg"] == pytest.approx(best.emissions_kg)
    deadline = datetime.fromisoformat(how["deadline"])
    assert abs(deadline - (asked + timedelta(hours=24))) < timedelta(minutes=5)
    assert f"{job.id} is scheduled" in box.result.text()
    assert not wizard.button(COMMIT).isEnabled()  # this job is recorded: launching it now too would run it twice
    with qtbot.waitSignal(wizard.show_job, timeout=WAIT_MS) as shown:
        _click(qtbot, box.show_button)
    assert shown.args == [job.id]


def test_a_deadline_shorter_than_the_run_is_one_message_and_records_nothing(
    qtbot, make_wizard: MakeWizard, script: Path, service: JobService
) -> None:
    wizard = make_wizard(hours=6.0)
    go_to_review(qtbot, wizard, str(script))
    box = wizard.review_page.best_time
    box.deadline.setValue(4.0)
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(lambda: "cannot finish by the deadline" in box.result.text(), timeout=WAIT_MS)
    assert "\n" not in box.result.text() and "Traceback" not in box.result.text()
    assert box.best is None and not box.confirm_button.isVisible()
    assert service.jobs() == []


def test_a_best_start_that_no_longer_fits_its_deadline_says_what_to_do_here(
    qtbot, make_wizard: MakeWizard, script: Path, service: JobService
) -> None:
    """A 1 h run to finish within 1 h: its only start is now, and by the time Schedule is clicked now is later, so the
    run would end after the deadline. The message said 'give an earlier start or a later --deadline', a CLI option."""
    wizard = make_wizard(hours=1.0)
    go_to_review(qtbot, wizard, str(script))
    box = wizard.review_page.best_time
    box.deadline.setValue(1.0)
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(lambda: box.best is not None, timeout=WAIT_MS)
    qtbot.wait(1100)  # the clock moves past the planned start (the schedule rounds to the minute it is given)
    _click(qtbot, box.confirm_button)
    qtbot.waitUntil(lambda: "Not scheduled" in box.result.text(), timeout=WAIT_MS)
    text = box.result.text()
    assert "ends after the deadline" in text and "--" not in text and "Finish within" in text, text
    assert service.jobs() == []


def test_a_local_run_can_be_launched_at_the_best_time(
    qtbot, make_wizard: MakeWizard, script: Path, service: JobService
) -> None:
    wizard = make_wizard(project=None)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.hardware_page.local.click()
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.dry_run.pending, timeout=WAIT_MS)
    box = wizard.review_page.best_time
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(lambda: box.best is not None, timeout=WAIT_MS)
    _click(qtbot, box.confirm_button)
    qtbot.waitUntil(lambda: box.job_id is not None, timeout=WAIT_MS)
    [job] = service.jobs()
    assert job.target == "local" and job.state == "scheduled"


def test_best_time_is_disabled_while_the_dry_run_has_problems(qtbot, make_wizard: MakeWizard, script: Path) -> None:
    wizard = make_wizard(project=None)  # Vertex AI without a project: a problem
    go_to_review(qtbot, wizard, str(script))
    box = wizard.review_page.best_time
    assert wizard.review_page.problems_shown
    assert not box.plan_button.isEnabled() and "problem" in box.plan_button.toolTip()


class HeldService(JobService):
    """A real JobService whose planning of a start waits until the test lets it go."""

    def __init__(self, reference: ReferenceData) -> None:
        super().__init__(lambda: reference, Ledger(), images=current_images())
        self.started = threading.Event()
        self.release = threading.Event()

    def best_start(self, request: LaunchRequest, deadline: datetime, now: datetime | None = None,
                   signals: Signals | None = None) -> BestStart:  # fmt: skip
        self.started.set()
        assert self.release.wait(WAIT_MS / 1000), "the test never released the plan"
        return super().best_start(request, deadline, now, signals)


def test_planning_runs_off_the_gui_thread_and_a_changed_input_drops_its_answer(
    qtbot, make_wizard: MakeWizard, script: Path, reference: ReferenceData
) -> None:
    held = HeldService(reference)
    wizard = make_wizard(jobs=held)
    go_to_review(qtbot, wizard, str(script))
    box = wizard.review_page.best_time
    _click(qtbot, box.plan_button)
    qtbot.waitUntil(held.started.is_set, timeout=WAIT_MS)  # planning, and the GUI thread is free meanwhile
    assert "Planning" in box.result.text() and not box.plan_button.isEnabled()
    click_button(qtbot, wizard, QWizard.WizardButton.BackButton)
    wizard.hardware_page.hours.setValue(5.0)  # the plan being made is for the old inputs
    held.release.set()
    qtbot.waitUntil(lambda: not wizard.dry_run.pending, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not wizard._tasks.busy, timeout=WAIT_MS)  # the held answer has come back, and was dropped
    assert box.best is None and not box.confirm_button.isVisible()

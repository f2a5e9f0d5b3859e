"""Everything the window and the CLI do with training jobs, in one object: plan (dry run), launch,
poll, cancel, clean up, find orphans, recover after a crash. No Qt; blocking calls belong on a worker."""

import dataclasses
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from carbon_gui.cloud.gcp_auth import GcpAccess, resolve_access
from carbon_gui.cloud.ledger import BucketRecord, DamagedRecord, JobRecord, Ledger, LedgerError
from carbon_gui.cloud.local import LineCallback
from carbon_gui.core.cleanup_policy import Orphan
from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_ids import new_job_id
from carbon_gui.core.job_states import ACTIVE_STATES, SCHEDULED, is_terminal
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.training_images import TrainingImage
from carbon_gui.jobs import cleanup, monitor, recovery
from carbon_gui.jobs.cleanup import CleanupPreview, LocalOrphan
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.launcher import Progress, launch
from carbon_gui.jobs.launcher import schedule as record_schedule
from carbon_gui.jobs.outputs import output_text
from carbon_gui.jobs.planner import make_plan
from carbon_gui.jobs.request import LaunchPlan, LaunchRequest
from carbon_gui.jobs.schedule import DEFAULT_DEADLINE, GRACE, Schedule, check_start, due, moved, scheduled
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.training_images import load_training_images

if TYPE_CHECKING:  # numpy and the bundled hourly data load when a start is planned
    from carbon_gui.core.signals import GridSignal
    from carbon_gui.sources.replay import GridHistory

Signals = Mapping[str, "GridSignal"]  # region -> live signal (the provider's forecast and history)

MEASURE_WAIT = timedelta(minutes=30)  # how long after its end a job is polled for codecarbon's figures


@dataclass(frozen=True)
class BestStart:
    """The start with the least expected emissions for a run in its region, finishing by the deadline."""

    start: datetime
    emissions_kg: float
    source: str  # where the hourly data came from
    now_kg: float | None = None  # the expected emissions of starting now instead (None: unknown)

    def savings(self) -> tuple[float, float] | None:
        """(kg, %) saved against starting now; None when starting now is unknown or would emit nothing."""
        if self.now_kg is None or self.now_kg <= 0:
            return None
        saved = self.now_kg - self.emissions_kg
        return saved, 100.0 * saved / self.now_kg


@dataclass(frozen=True)
class Replanned:
    record: JobRecord
    message: str | None  # what changed, when the start moved by more than schedule's thresholds


class JobService:
    def __init__(
        self,
        reference: Callable[[], ReferenceData],
        ledger: Ledger | None = None,
        access: Callable[[], GcpAccess] | None = None,
        environ: Mapping[str, str] = os.environ,
        images: tuple[TrainingImage, ...] | None = None,
    ) -> None:
        """`access` gives the Google Cloud credentials (default: gcp_auth.resolve_access without a key); `images` the
        prebuilt training images (default: the bundled list, read on first use)."""
        self._reference = reference
        self._ledger = ledger
        self._clouds = Clouds(access or (lambda: resolve_access(None, environ)))
        self._images = images
        self._history: GridHistory | None = None
        self._lock = threading.Lock()

    @property
    def ledger(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                self._ledger = Ledger()
            return self._ledger

    def forget_credentials(self) -> None:
        """Call after the user changed the Google Cloud key or project settings."""
        self._clouds.forget_credentials()

    def images(self) -> tuple[TrainingImage, ...]:
        with self._lock:
            if self._images is None:
                self._images = load_training_images()
            return self._images

    def plan(self, request: LaunchRequest, live: LiveCarbon | None = None, today: date | None = None) -> LaunchPlan:
        """The dry run: no credentials needed, nothing created."""
        return make_plan(self._reference(), self.images(), request, new_job_id(), today or date.today(), live)

    def launch(
        self, plan: LaunchPlan, progress: Progress, cancel: threading.Event, on_line: LineCallback | None = None
    ) -> JobRecord:
        return launch(plan, self.ledger, self._clouds, progress, cancel, on_line)

    # --- scheduled jobs (jobs/schedule.py) ------------------------------------------------------------------

    def best_start(
        self, request: LaunchRequest, deadline: datetime, now: datetime | None = None, signals: Signals | None = None
    ) -> BestStart:
        """Plan the request's run in its region (time_planning.plan_when, carbon only): on the live `signals` where
        they have a forecast or history, else on the bundled hourly data; BestStart.source says which."""
        from carbon_gui.core.scoring import Constraints
        from carbon_gui.core.weights import parse_weights
        from carbon_gui.planning import PlanRequest
        from carbon_gui.sources.places import default_location
        from carbon_gui.sources.replay import load_hourly_history
        from carbon_gui.time_planning import plan_when

        now = now or datetime.now(UTC)
        with self._lock:
            if self._history is None:
                self._history = load_hourly_history()
            history = self._history
        count = request.accelerator_count if request.accelerator_type else 1
        wanted = PlanRequest(request.machine_type, request.hours, default_location(), None, request.accelerator_type,
                             count)  # fmt: skip
        plan = plan_when(self._reference(), wanted, deadline, parse_weights("carbon=1"), Constraints(), now,
                         (request.region,), signals, history)  # fmt: skip
        if plan.best is None or plan.best.best is None:
            raise UserFacingError(f"No start for {request.region} could be planned: give a time with --at instead.")
        now_kg = plan.best.now.emissions_kg if plan.best.now else None
        return BestStart(plan.start_time(plan.best.best), plan.best.best.emissions_kg, plan.best.series.source, now_kg)

    def schedule_best(self, plan: LaunchPlan, best: BestStart, deadline: datetime, now: datetime | None = None
                      ) -> JobRecord:  # fmt: skip
        """Record the job to start at a planned best start (one the user saw may have come meanwhile: then now)."""
        now = now or datetime.now(UTC)
        how = Schedule(plan.request, True, deadline, best.emissions_kg, best.source)
        return self.schedule(plan, max(best.start, now), how, now)

    def schedule_at_best(self, plan: LaunchPlan, deadline: datetime | None, now: datetime | None = None,
                         signals: Signals | None = None) -> tuple[JobRecord, BestStart]:  # fmt: skip
        """Plan the best start before the deadline (default: DEFAULT_DEADLINE from now) and record the job for it."""
        now = now or datetime.now(UTC)
        deadline = deadline or now + DEFAULT_DEADLINE
        best = self.best_start(plan.request, deadline, now, signals)
        return self.schedule_best(plan, best, deadline, now), best

    def schedule(self, plan: LaunchPlan, start: datetime, how: Schedule, now: datetime | None = None) -> JobRecord:
        """Record the job to be launched at `start` (checked: not past, ends by the deadline)."""
        check_start(start, now or datetime.now(UTC), plan.request.hours, how.deadline)
        return record_schedule(plan, self.ledger, start, how.to_json())

    def schedule_of(self, record: JobRecord) -> Schedule:
        if record.state != SCHEDULED or record.launch_json is None:
            raise LedgerError(f"{record.id} is not scheduled (it is {record.state}).")
        return Schedule.from_json(record.launch_json)

    def submit_scheduled(
        self, job_id: str, progress: Progress, cancel: threading.Event, on_line: LineCallback | None = None
    ) -> JobRecord:
        """Launch a scheduled job now, checked afresh (the script may have changed since it was scheduled)."""
        record = self.job(job_id)
        request = self.schedule_of(record).request
        plan = make_plan(self._reference(), self.images(), request, record.id, date.today())
        if not plan.ready:
            problems = " ".join(plan.problems)
            self.ledger.drop_scheduled(job_id, f"Not launched at its scheduled time: {problems}")
            raise UserFacingError(f"{job_id} was not launched and is dropped: {problems}")
        return launch(plan, self.ledger, self._clouds, progress, cancel, on_line, scheduled=True)

    def drop(self, job_id: str) -> JobRecord:
        """Cancel a scheduled job before it starts."""
        if not self.ledger.drop_scheduled(job_id, "Dropped before its scheduled start."):
            raise LedgerError(f"{job_id} is not scheduled (it is {self.job(job_id).state}): nothing was dropped.")
        return self.job(job_id)

    def replan(self, job_id: str, now: datetime | None = None, signals: Signals | None = None) -> Replanned:
        """Plan the best start again from now (a missed start, or new data: `signals`); says so when it moved much."""
        now = now or datetime.now(UTC)
        record = self.job(job_id)
        how = self.schedule_of(record)
        deadline = how.deadline
        if deadline is None or deadline < now + timedelta(hours=how.request.hours):
            deadline = now + max(DEFAULT_DEADLINE, timedelta(hours=how.request.hours))
        best = self.best_start(how.request, deadline, now, signals)
        updated = dataclasses.replace(how, at_best=True, deadline=deadline, planned_kg=best.emissions_kg,
                                      source=best.source)  # fmt: skip
        if not self.ledger.reschedule(job_id, best.start, updated.to_json()):
            raise LedgerError(f"{job_id} is no longer scheduled: nothing was re-planned.")
        assert record.scheduled_for is not None
        message = moved(record.scheduled_for, how.planned_kg, best.start, best.emissions_kg)
        return Replanned(self.job(job_id), message)

    def launch_due(self, now: datetime | None = None) -> list[str]:
        """Launch every scheduled job whose start has come (schedule.due); one line per job saying what happened.
        A job that cannot launch is said so and does not stop the others."""
        lines = []
        for job in due(self.jobs(), now or datetime.now(UTC)):
            try:
                record = self.submit_scheduled(job.id, lambda *_: None, threading.Event())
                lines.append(f"Launched {record.id} at its scheduled start: it is {record.state}.")
            except UserFacingError as err:
                lines.append(f"{job.id} was not launched at its scheduled start: {err}")
        return lines

    def replan_waiting(self, now: datetime | None = None, signals: Signals | None = None) -> list[str]:
        """Re-plan every scheduled job whose start the planner chose and that is not due yet (new data may have
        moved its best start); one line per job whose start moved by more than schedule's thresholds."""
        now = now or datetime.now(UTC)
        lines = []
        for job in scheduled(self.jobs()):
            if job.scheduled_for is None or job.scheduled_for <= now + GRACE or not self.schedule_of(job).at_best:
                continue
            try:
                replanned = self.replan(job.id, now, signals)
            except UserFacingError as err:
                lines.append(f"{job.id}: could not re-plan its start ({err}); it keeps its start.")
                continue
            if replanned.message:
                lines.append(f"{job.id}: {replanned.message}")
        return lines

    def notices(self) -> list[str]:
        """What the user must hear about the ledger itself (a damaged file set aside); each said once."""
        ledger = self.ledger
        notice, ledger.notice = ledger.notice, None
        return [notice] if notice else []

    def jobs(self) -> list[JobRecord]:
        """Every job, newest first, except damaged ones."""
        return self.ledger.jobs()

    def damaged(self) -> list[DamagedRecord]:
        """Ledger rows that cannot be read: shown, never acted on (no poll, no cancel, no cleanup)."""
        return self.ledger.damaged()

    def job(self, job_id: str) -> JobRecord:
        record = self.ledger.job(job_id)
        if record is None:
            raise LedgerError(f"No job {job_id} in the ledger: `carbon-gui jobs` lists them.")
        return record

    def refresh(self, job_id: str) -> JobRecord:
        record = self.job(job_id)
        if record.state == SCHEDULED:
            return record  # nothing exists to poll before it starts
        return monitor.refresh(record, self.ledger, self._clouds)

    def refresh_watched(self) -> dict[str, str]:
        """Poll every watched job once. One failing poll never stops the others: returns, per job that could
        not be updated, why (its record stays as last known)."""
        failures: dict[str, str] = {}
        with self._clouds.refresh_limit():  # N jobs against a server that never answers: not N deadlines
            for job in self.watched():
                try:
                    self.refresh(job.id)
                except UserFacingError as err:
                    failures[job.id] = str(err)
                except Exception as err:  # noqa: BLE001 - a bug with one job must not stop the others from updating
                    failures[job.id] = f"Unexpected error ({type(err).__name__}: {err}). Please report it."
        return failures

    def watched(self, now: datetime | None = None) -> list[JobRecord]:
        """Jobs worth polling: active, or ended recently without codecarbon's figures read yet (the
        bucket's emissions.csv may appear a little after the end; a run that never wrote one is not
        asked about forever)."""
        now = now or datetime.now(UTC)

        def waiting_for_figures(job: JobRecord) -> bool:
            ended = job.ended_at or job.updated_at
            return is_terminal(job.state) and job.measured is None and ended is not None and now - ended < MEASURE_WAIT

        return [j for j in self.jobs() if j.state in ACTIVE_STATES or waiting_for_figures(j)]

    def cancel(self, job_id: str) -> JobRecord:
        record = self.job(job_id)
        if record.state == SCHEDULED:
            return self.drop(job_id)
        return monitor.cancel(record, self.ledger, self._clouds)

    def output(self, job_id: str, last: int = 200) -> list[str]:
        return monitor.local_output(self.job(job_id), self._clouds, last)

    def output_file(self, job_id: str, name: str) -> str | None:
        """A file the job wrote to its output directory (AIP_MODEL_DIR), as text; None while it is not there."""
        return output_text(self.job(job_id), self._clouds, name)

    def cleanup_preview(self, job_id: str) -> CleanupPreview:
        return cleanup.preview(self.job(job_id), self.ledger, self._clouds)

    def cleanup(self, job_id: str) -> str:
        return cleanup.delete(self.job(job_id), self.ledger, self._clouds)

    def recover(self) -> list[str]:
        with self._clouds.refresh_limit():
            return recovery.recover(self.ledger, self._clouds)

    def orphans(self, now: datetime | None = None) -> list[Orphan[BucketRecord]]:
        return cleanup.find_orphans(self.ledger, now or datetime.now(UTC))

    def local_orphans(self, now: datetime | None = None) -> list[LocalOrphan]:
        return cleanup.find_local_orphans(self.ledger, now or datetime.now(UTC))

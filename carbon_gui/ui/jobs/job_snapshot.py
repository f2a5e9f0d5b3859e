"""One job as the Jobs tab shows it: its ledger record with its timeline, launch steps and what the last poll
said. Built off the GUI thread (ui/jobs/job_poll.py); pure data here, no Qt and no I/O."""

import json
from dataclasses import dataclass, replace
from datetime import datetime

from carbon_gui.cloud.ledger import JobRecord, StateChange, StepRecord
from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.job_states import ACTIVE_STATES, is_terminal
from carbon_gui.core.measured_emissions import MeasuredEmissions
from carbon_gui.core.run_estimate import RunEstimate

STARTED_STATES = ("pending", "running")  # the clock starts when the job leaves the queue


@dataclass(frozen=True)
class LocalEstimate:
    """A local run's estimate from this machine's CPU (ui/jobs/job_estimates.py), or why there is none."""

    estimate: RunEstimate | None
    basis: str  # the power the estimate rests on, or why there is no estimate
    cpu_model: str | None = None


@dataclass(frozen=True)
class JobSnapshot:
    record: JobRecord
    history: tuple[StateChange, ...] = ()
    steps: tuple[StepRecord, ...] = ()
    note: str | None = None  # why the last poll could not update this job, and when it retries
    staging_left: bool = False  # its staging bucket (or local directory) is still there, as far as the app knows
    console_url: str | None = None  # Vertex AI jobs, once submitted
    logs_url: str | None = None
    staging_deleted: bool = False  # its staging bucket (or local directory) existed and was cleaned up
    local: LocalEstimate | None = None  # a local run: None until the Jobs tab knows this machine's CPU
    live_intensity: CarbonFigure | None = None  # a running job: its region's latest live value, re-fetched
    # a running job: the live values seen while it ran, one per clock hour (the hour's start), oldest first
    live_hours: tuple[tuple[datetime, CarbonFigure], ...] = ()

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def is_local(self) -> bool:
        return self.record.target == "local"

    @property
    def is_active(self) -> bool:
        return self.record.state in ACTIVE_STATES

    @property
    def is_scheduled(self) -> bool:
        """Waiting for its scheduled start (`launch --at`): nothing exists yet; it can be dropped."""
        return self.record.state == "scheduled"

    @property
    def has_ended(self) -> bool:
        return is_terminal(self.record.state)

    def started_at(self) -> datetime | None:
        return next((c.at for c in self.history if c.state in STARTED_STATES), None)

    def ended_at(self) -> datetime | None:
        if not self.has_ended:
            return None
        return self.record.ended_at or next((c.at for c in self.history if is_terminal(c.state)), None)

    def elapsed_seconds(self, now: datetime) -> float | None:
        """From the first pending/running state to the end (or `now`); None if it never started."""
        start = self.started_at()
        if start is None:
            return None
        end = self.ended_at() or (now if not self.has_ended else start)
        return max(0.0, (end - start).total_seconds())

    def estimate(self) -> RunEstimate | None:
        """The planner's estimate recorded at launch (for a local run, the one from this machine's CPU); while the
        job runs, at the latest live intensity of its region when the window has one."""
        estimate = self.launch_estimate()
        live = self.live_intensity
        if estimate is None or live is None or live.intensity_gco2_kwh is None or not self.is_active:
            return estimate
        return replace(estimate, intensity_gco2_kwh=live.intensity_gco2_kwh, intensity=live.provenance)

    def launch_estimate(self) -> RunEstimate | None:
        """The estimate as it was made: at launch, or for a local run from this machine's CPU."""
        if self.is_local:
            return self.local.estimate if self.local else None
        if not self.record.estimate_json:
            return None
        try:
            return RunEstimate.from_dict(json.loads(self.record.estimate_json))
        except (ValueError, TypeError, KeyError):
            return None

    def measured(self) -> MeasuredEmissions | None:
        """codecarbon's figures, once the monitor has read them."""
        if not self.record.measured:
            return None
        try:
            return MeasuredEmissions(**json.loads(self.record.measured))
        except (ValueError, TypeError):
            return None

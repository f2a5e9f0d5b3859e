"""Everything the window and the CLI do with training jobs, in one object: plan (dry run), launch,
poll, cancel, clean up, find orphans, recover after a crash. No Qt; blocking calls belong on a worker."""

import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta

from carbon_gui.cloud.gcp_auth import GcpAccess, resolve_access
from carbon_gui.cloud.ledger import BucketRecord, DamagedRecord, JobRecord, Ledger, LedgerError
from carbon_gui.cloud.local import LineCallback
from carbon_gui.core.cleanup_policy import Orphan
from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_ids import new_job_id
from carbon_gui.core.job_states import ACTIVE_STATES, is_terminal
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.training_images import TrainingImage
from carbon_gui.jobs import cleanup, monitor, recovery
from carbon_gui.jobs.cleanup import CleanupPreview, LocalOrphan
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.launcher import Progress, launch
from carbon_gui.jobs.outputs import output_text
from carbon_gui.jobs.planner import make_plan
from carbon_gui.jobs.request import LaunchPlan, LaunchRequest
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.sources.training_images import load_training_images

MEASURE_WAIT = timedelta(minutes=30)  # how long after its end a job is polled for codecarbon's figures


class JobService:
    def __init__(
        self,
        reference: Callable[[], ReferenceData],
        ledger: Ledger | None = None,
        access: Callable[[], GcpAccess] | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        """`access` gives the Google Cloud credentials (default: gcp_auth.resolve_access without a key)."""
        self._reference = reference
        self._ledger = ledger
        self._clouds = Clouds(access or (lambda: resolve_access(None, environ)))
        self._images: tuple[TrainingImage, ...] | None = None
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
        return monitor.refresh(self.job(job_id), self.ledger, self._clouds)

    def refresh_watched(self) -> dict[str, str]:
        """Poll every watched job once. One failing poll never stops the others: returns, per job that could
        not be updated, why (its record stays as last known)."""
        failures: dict[str, str] = {}
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
        return monitor.cancel(self.job(job_id), self.ledger, self._clouds)

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
        return recovery.recover(self.ledger, self._clouds)

    def orphans(self, now: datetime | None = None) -> list[Orphan[BucketRecord]]:
        return cleanup.find_orphans(self.ledger, now or datetime.now(UTC))

    def local_orphans(self, now: datetime | None = None) -> list[LocalOrphan]:
        return cleanup.find_local_orphans(self.ledger, now or datetime.now(UTC))

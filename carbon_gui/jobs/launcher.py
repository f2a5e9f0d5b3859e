"""Launch a planned job, one recorded step at a time.

Every step is written to the ledger as an intent before it is taken and as done (or failed) after, so
a crash at any point leaves a ledger that says what may exist in the cloud (see jobs/recovery.py).
Vertex AI: create the staging bucket in the region → package the script → upload → submit.
This machine: stage the script in a local directory and start the process.
"""

import dataclasses
import json
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from carbon_gui.cloud.access_check import PROBE_JOB_ID
from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.cloud.local import LineCallback, process_start_time, staging_dir_for, start_local_run
from carbon_gui.cloud.packaging import COUNTRY_ENV, PACKAGE_FILE, build_package
from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.job_ids import bucket_labels
from carbon_gui.core.job_states import SCHEDULED
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.request import LOCAL, PACKAGE_DIR, LaunchPlan

STEP_BUCKET = "create bucket"
STEP_PACKAGE = "package script"
STEP_UPLOAD = "upload package"
STEP_SUBMIT = "submit job"
STEP_START = "start process"
VERTEX_STEPS = (STEP_BUCKET, STEP_PACKAGE, STEP_UPLOAD, STEP_SUBMIT)
LOCAL_STEPS = (STEP_START,)

Progress = Callable[[str, str], None]  # (step, "started" | "done" | "failed: <message>")


class LaunchCancelled(UserFacingError):
    """The user cancelled the launch before the job was submitted."""


def launch(
    plan: LaunchPlan,
    ledger: Ledger,
    clouds: Clouds,
    progress: Progress,
    cancel: threading.Event,
    on_line: LineCallback | None = None,
    scheduled: bool = False,
) -> JobRecord:
    """Run the launch steps; the job's record in the ledger says where it stopped if anything fails.
    `scheduled`: the plan's job is in the ledger as scheduled; it launches only if it still is."""
    if not plan.ready:
        raise UserFacingError("The job cannot be launched: " + " ".join(plan.problems))
    if plan.request.target != LOCAL:
        _preflight(plan, clouds)
    if not scheduled:
        ledger.add_job(_record(plan))
    elif not ledger.claim_scheduled(_record(plan)):
        raise UserFacingError(f"{plan.job_id} is no longer scheduled (launched or dropped elsewhere): nothing done.")
    steps = _Steps(plan.job_id, ledger, progress, cancel)
    try:
        if plan.request.target == LOCAL:
            _launch_local(plan, ledger, clouds, steps, on_line)
        else:
            _launch_vertex(plan, ledger, clouds, steps)
    except LaunchCancelled as err:
        ledger.set_state(plan.job_id, "cancelled", error=str(err))
        raise
    except UserFacingError as err:
        ledger.set_state(plan.job_id, "failed", error=str(err))
        raise
    record = ledger.job(plan.job_id)
    assert record is not None
    return record


def schedule(plan: LaunchPlan, ledger: Ledger, start: datetime, launch_json: str) -> JobRecord:
    """Record the planned job as scheduled to start at `start`; nothing is created in the cloud yet."""
    if not plan.ready:
        raise UserFacingError("The job cannot be scheduled: " + " ".join(plan.problems))
    record = dataclasses.replace(
        _record(plan), state=SCHEDULED, scheduled_for=start, launch_json=launch_json, staging_dir=None, pid=None,
        pid_started_at=None,
    )  # fmt: skip
    ledger.add_job(record)
    return record


def _preflight(plan: LaunchPlan, clouds: Clouds) -> None:
    """One read-only Vertex AI call before anything is created: missing credentials, a project without the
    Vertex AI API or without permission fail here, so no bucket is left behind by a launch that could not work."""
    assert plan.request.project is not None
    try:
        clouds.vertex(plan.request.project, plan.request.region).find_by_label(PROBE_JOB_ID)
    except CloudError as err:
        raise CloudError(f"Nothing was created. {err.message}", status=err.status, step="check access") from None


class _Steps:
    def __init__(self, job_id: str, ledger: Ledger, progress: Progress, cancel: threading.Event) -> None:
        self.job_id, self._ledger, self._progress, self._cancel = job_id, ledger, progress, cancel

    def run(self, step: str, action: Callable[[], str]) -> None:
        if self._cancel.is_set():
            raise LaunchCancelled(f"Launch cancelled before '{step}': nothing more was created.")
        self._ledger.begin(self.job_id, step)
        self._progress(step, "started")
        try:
            detail = action()
        except UserFacingError as err:
            self._ledger.failed(self.job_id, step, str(err))
            self._progress(step, f"failed: {err}")
            raise
        self._ledger.done(self.job_id, step, detail)
        self._progress(step, "done")


def _record(plan: LaunchPlan) -> JobRecord:
    request, estimate, spec = plan.request, plan.estimate, plan.job_request
    return JobRecord(
        id=plan.job_id,
        target=request.target,  # type: ignore[arg-type]  # checked by the plan
        region=request.region,
        display_name=plan.display_name,
        machine_type=request.machine_type,
        script_path=str(request.script),
        project=request.project if request.target != LOCAL else None,
        accelerator_type=spec.accelerator_type if spec else request.accelerator_type,
        accelerator_count=spec.accelerator_count if spec else request.accelerator_count,
        image_uri=plan.image_uri if request.target != LOCAL else None,
        staging_dir=str(staging_dir_for(plan.job_id)) if request.target == LOCAL else None,
        spec_json=plan.body_json or None,
        state="draft",
        estimate_kwh=estimate.energy_kwh if estimate else None,
        estimate_kg=estimate.emissions_kg if estimate else None,
        estimate_usd=estimate.cost_usd if estimate else None,
        estimate_json=json.dumps(estimate.to_dict()) if estimate else None,
        # the process launching it (for a local run, replaced by the run's own): recovery leaves a launch
        # alone while this process lives
        pid=os.getpid(),
        pid_started_at=process_start_time(os.getpid()),
    )


def _launch_vertex(plan: LaunchPlan, ledger: Ledger, clouds: Clouds, steps: _Steps) -> None:
    request, job_id, bucket = plan.request, plan.job_id, plan.bucket
    assert request.project is not None and bucket is not None and plan.body is not None
    project = request.project
    storage = clouds.storage(project)
    vertex = clouds.vertex(project, request.region)
    labels = bucket_labels(job_id)

    def create_bucket() -> str:
        ledger.intend_bucket(bucket, project, request.region, job_id, labels)
        storage.create_bucket(bucket, request.region, labels)
        ledger.bucket_created(bucket)
        return f"gs://{bucket} in {request.region}"

    def submit() -> str:
        name = vertex.submit(plan.body or {})
        ledger.set_vertex_name(job_id, name)
        return name

    ledger.set_state(job_id, "creating-bucket")
    steps.run(STEP_BUCKET, create_bucket)
    ledger.set_state(job_id, "uploading")
    with tempfile.TemporaryDirectory(prefix="carbon-gui-package-") as folder:
        built: list[Path] = []

        def package() -> str:
            built.append(build_package(request.script, Path(folder), request.requirements, request.function).path)
            return f"{built[0].name}, {built[0].stat().st_size:,} bytes"

        steps.run(STEP_PACKAGE, package)
        steps.run(STEP_UPLOAD, lambda: storage.upload_file(bucket, built[0], f"{PACKAGE_DIR}/{PACKAGE_FILE}"))
    ledger.set_state(job_id, "submitting")
    steps.run(STEP_SUBMIT, submit)
    ledger.set_state(job_id, "queued")


def _launch_local(
    plan: LaunchPlan, ledger: Ledger, clouds: Clouds, steps: _Steps, on_line: LineCallback | None
) -> None:
    request, job_id = plan.request, plan.job_id
    country = plan.env.get(COUNTRY_ENV, "")
    user_env = {k: v for k, v in plan.env.items() if k != COUNTRY_ENV}

    def start() -> str:
        run = start_local_run(
            job_id, request.script, request.function, country, request.args, user_env, on_line=on_line
        )
        clouds.keep_run(run)
        ledger.set_local_process(job_id, run.pid, run.started_at)
        return f"pid {run.pid}, staging directory {run.staging_dir}"

    steps.run(STEP_START, start)
    ledger.set_state(job_id, "running")

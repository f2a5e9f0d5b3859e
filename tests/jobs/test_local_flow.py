"""The same flow on this machine: launch, follow the output, codecarbon's figures, cancel, cleanup, and a
restarted app that picks up a run an earlier app process started."""

import json
import threading
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import Ledger
from carbon_gui.cloud.local import staging_dir_for
from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData
from tests.jobs.conftest import REGION, wait_until

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(180)]

SLOW = """
import time

def train():
    for step in range(600):
        print(f"step {step}", flush=True)
        time.sleep(0.1)
"""


def _local(script: Path) -> LaunchRequest:
    return LaunchRequest(target="local", region=REGION, script=script, machine_type="n1-standard-8", hours=1.0)


def _launch(service: JobService, script: Path):
    plan = service.plan(_local(script))
    assert plan.ready, plan.problems
    assert plan.body is None and plan.gcloud is None  # nothing to send to Google Cloud
    return service.launch(plan, lambda *_: None, threading.Event())


def test_a_local_run_is_followed_to_the_end_and_measured_by_codecarbon(service: JobService, script: Path) -> None:
    record = _launch(service, script)
    assert record.state == "running" and record.pid
    wait_until(lambda: service.refresh(record.id).state == "succeeded", "the run to succeed")
    wait_until(lambda: service.refresh(record.id).measured is not None, "codecarbon's figures")
    measured = json.loads(service.job(record.id).measured)
    assert measured["country_iso"] == "NLD"  # europe-west4's grid
    assert measured["energy_kwh"] > 0
    assert any(line.startswith("loss") for line in service.output(record.id))
    preview = service.cleanup_preview(record.id)
    assert preview.allowed and preview.objects >= 3
    service.cleanup(record.id)
    assert not staging_dir_for(record.id).exists()


def test_cancel_stops_the_run_and_cleanup_waits_until_it_has_ended(service: JobService, tmp_path: Path) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text(SLOW)
    record = _launch(service, slow)
    wait_until(lambda: any(line.startswith("step 3") for line in service.output(record.id)), "some output")
    assert not service.cleanup_preview(record.id).allowed  # still running
    assert service.cancel(record.id).state == "cancelled"
    assert service.cleanup_preview(record.id).allowed


def test_a_restarted_app_follows_a_run_it_did_not_start(
    reference: ReferenceData, service: JobService, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text(SLOW)
    record = _launch(service, slow)
    restarted = JobService(lambda: reference, Ledger())  # a new app process: no LocalRun object, only the ledger
    assert restarted.refresh(record.id).state == "running"
    wait_until(lambda: any(line.startswith("step 2") for line in restarted.output(record.id)), "output from run.log")
    assert restarted.cancel(record.id).state == "cancelling"  # SIGTERM to the run's process group
    wait_until(lambda: restarted.refresh(record.id).state in ("cancelled", "failed"), "the run to end")
    assert restarted.job(record.id).state == "cancelled"


def test_an_ended_run_without_figures_is_not_polled_forever(service: JobService, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    plain = tmp_path / "plain.py"
    plain.write_text("print('no tracker here')\n")
    plan = service.plan(LaunchRequest("local", REGION, plain, "n1-standard-8", 1.0, function=None))
    record = service.launch(plan, lambda *_: None, threading.Event())
    assert record.staging_dir == str(staging_dir_for(record.id))
    wait_until(lambda: service.refresh(record.id).state in ("succeeded", "failed"), "the run to end")
    ended = service.job(record.id)
    if ended.measured is None:  # codecarbon could not write here: the job is still watched for a while
        assert [j.id for j in service.watched()] == [record.id]
    assert service.watched(now=datetime.now(UTC) + timedelta(hours=1)) == []

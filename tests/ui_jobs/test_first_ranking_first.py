"""The first ranking does not queue behind the Jobs and Hardware tabs' start-up work: the pool has a thread per
core, and the job service (Google clients, the ledger) took them while the reference data waited."""

import dataclasses
import time

import pytest

from carbon_gui.jobs.service import JobService
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import load_reference
from tests.ui.conftest import make_services, open_window
from tests.ui_jobs.conftest import WAIT_MS

pytestmark = pytest.mark.usefixtures("local_env")


def test_the_reference_data_loads_before_the_job_service_is_asked_for(qtbot, service: JobService) -> None:
    started: dict[str, float] = {}

    def reference():
        started.setdefault("reference", time.monotonic())
        return load_reference()

    def jobs() -> JobService:
        started.setdefault("jobs", time.monotonic())
        return service

    services = dataclasses.replace(make_services(reference), jobs=jobs)
    window = open_window(qtbot, UserSettings(), services)
    qtbot.waitUntil(lambda: window.ranking is not None and window.jobs_controller.view is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "jobs" in started, timeout=WAIT_MS)  # the Jobs tab still starts
    assert started["reference"] < started["jobs"]
    window.close()

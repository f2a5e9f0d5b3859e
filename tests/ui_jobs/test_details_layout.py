"""The job details' energy panel shows its figures and how they were made in full, at the window's sizes (issue 11
item 7: "the Jobs energy panel is cut"): word-wrapped labels get the height their text needs."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from carbon_gui.jobs.local_power import LocalCpu
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.jobs.job_details import JobDetails
from carbon_gui.ui.jobs.job_estimates import ThisMachine, local_estimate
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from tests.ui_jobs.test_jobs_table_model import MEASURED, timeline, vertex_job

CPU = LocalCpu("Intel(R) Xeon(R) Processor", 8.0, False, 2, 24.0)


@pytest.mark.parametrize(("width", "height"), [(1200, 480), (1000, 300), (760, 260)])
def test_the_estimate_and_the_measurement_are_shown_in_full(
    qtbot, reference: ReferenceData, width: int, height: int
) -> None:
    catalog = reference.catalog
    machine = ThisMachine(CPU, catalog.carbon_by_year[catalog.latest_carbon_year])
    record = vertex_job("succeeded", target="local", project=None, estimate_json=None, staging_dir="/tmp/cg",
                        measured=json.dumps(dataclasses.asdict(MEASURED)))  # fmt: skip
    snapshot = JobSnapshot(record, timeline(("running", 10), ("succeeded", 5)),
                           local=local_estimate(record.region, machine))  # fmt: skip
    details = JobDetails()
    qtbot.addWidget(details)
    details.resize(width, height)
    details.show()
    details.show_job(snapshot, datetime.now(UTC))
    qtbot.wait(50)  # the layout settles
    for label in (details.estimate, details.estimate_source, details.measured, details.measured_source):
        assert label.text() and label.height() >= label.heightForWidth(label.width()), label.objectName()


def test_a_long_error_shown_after_another_job_is_shown_in_full(qtbot) -> None:
    details = JobDetails()
    qtbot.addWidget(details)
    details.resize(1000, 300)
    details.show()
    details.show_job(JobSnapshot(vertex_job("running"), timeline(("running", 5))), datetime.now(UTC))
    qtbot.wait(50)
    error = "Vertex AI refused the job: " + "quota exceeded for NVIDIA_T4_GPUS in europe-west4; " * 6
    failed = vertex_job("failed", id="cg-20261122-110000-cd34", error=error)
    details.show_job(JobSnapshot(failed, timeline(("running", 5), ("failed", 1))), datetime.now(UTC))
    qtbot.wait(50)
    label = details.error
    assert label.isVisible() and label.height() >= label.heightForWidth(label.width())


@pytest.mark.parametrize(("width", "height"), [(1000, 300), (760, 260)])
def test_a_long_staging_path_wraps_inside_the_pane(qtbot, artifacts_dir, width: int, height: int) -> None:
    """The staging line did not wrap: a local run's directory under a long home ran past the pane's right edge at
    1024 px (the pane scrolls up and down only), cut mid-path. It now wraps, between path parts."""
    staging = ("/home/a.long.user.name/.local/share/carbon-gui/local_jobs/cg-20261122-100000-ab12/"
               "staging/output/checkpoints/final_model_weights_and_optimizer_state")  # fmt: skip
    record = vertex_job("running", target="local", project=None, estimate_json=None, staging_dir=staging)
    details = JobDetails()
    qtbot.addWidget(details)
    details.resize(width, height)
    details.show()
    details.show_job(JobSnapshot(record, timeline(("running", 5))), datetime.now(UTC))
    qtbot.wait(50)  # the layout settles
    links = details.links
    assert links.isVisible() and f"Staging directory: {staging}" in links.text()
    room = details.info_area.viewport().width()
    assert links.mapTo(details.info_area.viewport(), links.rect().topRight()).x() < room, "cut on the right"
    assert links.minimumSizeHint().width() <= links.width() <= room
    assert links.height() >= links.heightForWidth(links.width()), "its last line cut"
    assert links.visibleRegion().boundingRect() == links.rect()
    assert details.grab().save(str(artifacts_dir / f"job_details_staging_{width}x{height}.png"))

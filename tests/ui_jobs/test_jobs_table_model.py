"""The jobs table model without a window: what each column says about a job, with its unit and kind."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from carbon_gui.cloud.ledger import JobRecord, StateChange
from carbon_gui.core.measured_emissions import MeasuredEmissions
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.run_estimate import RunEstimate
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot, LocalEstimate
from carbon_gui.ui.jobs.job_texts import duration_text
from carbon_gui.ui.jobs.output_follow import new_lines
from carbon_gui.ui.models.jobs_table_model import COLUMNS, JOB_ID_ROLE, JobsTableModel

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DISPLAY, TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
ESTIMATE = RunEstimate(
    hours=2.0,
    watts=400.0,
    pue=1.1,
    intensity_gco2_kwh=300.0,
    intensity=Provenance("Google region-carbon-info", "average grid intensity", False, "2024 yearly average"),
    usd_per_hour=0.73,
)
MEASURED = MeasuredEmissions(
    duration_s=3600, energy_kwh=0.247, emissions_kg=0.19, country_iso="NLD", country_name="The Netherlands",
    cpu_power_w=42.5, gpu_power_w=70.0, ram_power_w=11.0, cpu_model="Intel Xeon", gpu_count=0, gpu_model="",
    codecarbon_version="2.8.0", cpu_mode="cpu_load",
)  # fmt: skip


def column(name: str) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c.header.startswith(name))


def vertex_job(state: str, **changes: object) -> JobRecord:
    record = JobRecord(
        id="cg-20261122-100000-ab12",
        target="vertex",
        region="europe-west4",
        display_name="resnet-sweep",
        machine_type="n1-standard-8",
        script_path="/home/me/train.py",
        project="carbon-test",
        accelerator_type="nvidia-tesla-t4",
        accelerator_count=1,
        state=state,
        estimate_json=json.dumps(ESTIMATE.to_dict()),
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def timeline(*states_minutes_ago: tuple[str, int]) -> tuple[StateChange, ...]:
    return tuple(StateChange("cg", state, NOW - timedelta(minutes=ago)) for state, ago in states_minutes_ago)


def model_with(*snapshots: JobSnapshot) -> JobsTableModel:
    model = JobsTableModel(clock=lambda: NOW)
    model.set_jobs(snapshots)
    return model


def cell(model: JobsTableModel, name: str, role: Qt.ItemDataRole = DISPLAY, row: int = 0) -> str:
    return str(model.data(model.index(row, column(name)), role))


def test_a_running_vertex_job_shows_where_what_how_long_and_the_estimate_so_far() -> None:
    history = timeline(("queued", 95), ("pending", 90), ("running", 80))
    model = model_with(JobSnapshot(vertex_job("running"), history))
    assert cell(model, "Job") == "resnet-sweep"
    assert "cg-20261122-100000-ab12" in cell(model, "Job", TOOLTIP)
    assert model.data(model.index(0, 0), JOB_ID_ROLE) == "cg-20261122-100000-ab12"
    assert cell(model, "Where") == "Vertex AI carbon-test/europe-west4"
    assert cell(model, "Machine") == "n1-standard-8 + 1 × nvidia-tesla-t4"
    assert cell(model, "State") == "running"
    assert cell(model, "Elapsed") == "1 h 30 min"  # from the first pending, not from the queue
    kwh, kg = ESTIMATE.so_far(1.5)  # 400 W × 1.5 h × 1.1 = 0.66 kWh; × 300 g/kWh = 198 g
    assert (kwh, kg) == pytest.approx((0.66, 0.198))
    assert cell(model, "Energy") == "≈ 660 Wh, 198 g CO₂e so far (estimate)"
    assert "not a measurement" in cell(model, "Energy", TOOLTIP)
    assert "Google region-carbon-info" in cell(model, "Energy", TOOLTIP)
    assert "for the 1 h 30 min the job ran so far" in cell(model, "Energy", TOOLTIP)
    assert cell(model, "codecarbon") == "after the run"


def test_an_ended_job_shows_the_estimate_for_its_actual_length_and_codecarbons_figures_with_their_kind() -> None:
    history = timeline(("queued", 200), ("pending", 190), ("running", 185), ("succeeded", 70))
    record = vertex_job("succeeded", ended_at=NOW - timedelta(minutes=70), measured=json.dumps(MEASURED.__dict__))
    model = model_with(JobSnapshot(record, history))
    assert cell(model, "Elapsed") == "2 h 00 min"  # stops at the end, not now
    assert cell(model, "Energy") == "≈ 880 Wh, 264 g CO₂e (estimate)"
    assert cell(model, "codecarbon") == "247 Wh, 190 g CO₂e (estimated)"
    tooltip = cell(model, "codecarbon", TOOLTIP)
    assert "estimated" in tooltip and MEASURED.source in tooltip  # how codecarbon got them: TDP model, no RAPL


def test_a_local_run_names_its_grid_says_estimating_until_this_machine_is_known_and_codecarbon_partly_measured(
) -> None:  # fmt: skip
    measured = dataclasses.replace(MEASURED, gpu_count=1, gpu_model="Tesla T4")
    record = vertex_job("succeeded", target="local", project=None, estimate_json=None,
                        measured=json.dumps(measured.__dict__))  # fmt: skip
    model = model_with(JobSnapshot(record, timeline(("running", 10), ("succeeded", 5))))
    assert cell(model, "Where") == "This machine (grid: europe-west4)"
    assert cell(model, "Machine") == "this machine"
    assert cell(model, "Energy") == "estimating…" and "this machine's CPU" in cell(model, "Energy", TOOLTIP)
    assert cell(model, "codecarbon").endswith("(partly measured)")


def test_a_local_run_without_a_known_cpu_power_says_why_it_has_no_estimate() -> None:
    record = vertex_job("succeeded", target="local", project=None, estimate_json=None)
    why = "No estimate: codecarbon cannot tell this machine's CPU power."
    snapshot = JobSnapshot(record, timeline(("running", 10), ("succeeded", 5)), local=LocalEstimate(None, why))
    model = model_with(snapshot)
    assert cell(model, "Energy") == "—" and cell(model, "Energy", TOOLTIP) == why
    assert cell(model, "Machine") == "this machine"


def test_a_job_that_never_started_has_no_elapsed_time_and_no_figures() -> None:
    record = vertex_job("failed", error="Vertex AI refused the job: Machine type is not supported.")
    model = model_with(JobSnapshot(record, timeline(("draft", 5), ("submitting", 4), ("failed", 4))))
    assert cell(model, "Elapsed") == "—"
    assert cell(model, "Energy") == "—" and "never ran" in cell(model, "Energy", TOOLTIP)
    assert cell(model, "codecarbon") == "—"
    assert "Machine type is not supported" in cell(model, "State", TOOLTIP)


def test_a_failed_poll_marks_the_state_and_explains_in_the_tooltip() -> None:
    note = "Could not update: Cannot reach Vertex AI — retrying in 40 s"
    model = model_with(JobSnapshot(vertex_job("running"), timeline(("running", 1)), note=note))
    assert cell(model, "State") == "running (not updated)"
    assert cell(model, "State", TOOLTIP) == note


def test_same_jobs_update_in_place_and_new_jobs_reset(qtbot) -> None:
    first = JobSnapshot(vertex_job("running"), timeline(("running", 1)))
    model = model_with(first)
    with qtbot.waitSignal(model.dataChanged), qtbot.assertNotEmitted(model.modelReset):
        model.set_jobs([dataclasses.replace(first, record=vertex_job("succeeded"))])
    assert cell(model, "State") == "succeeded"
    other = JobSnapshot(vertex_job("queued", id="cg-20261122-110000-cd34"))
    with qtbot.waitSignal(model.modelReset):
        model.set_jobs([other, first])
    assert model.rowCount() == 2 and model.row_of(first.id) == 1


def test_durations_and_new_output_lines() -> None:
    assert [duration_text(s) for s in (None, 12, 192, 7500, 273_600)] == ["—", "12 s", "3 min 12 s", "2 h 05 min",
                                                                          "3 d 4 h"]  # fmt: skip
    assert new_lines(["a", "b"], ["a", "b", "c"]) == ["c"]
    assert new_lines(["x", "a", "b"], ["b", "c", "d"]) == ["c", "d"]  # the batch is the run's last lines
    assert new_lines(["a"], ["q", "r"]) == ["q", "r"]
    assert new_lines(["a", "b"], ["a", "b"]) == []

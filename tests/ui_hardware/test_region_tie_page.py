"""Hardware → Optimise with "Pick the region too" and an objective the region does not change (energy): the
answer was in the first ticked region of the list, africa-south1 at 657 gCO₂e/kWh, and "Launch with this" sent the
job there. The region with the least CO₂e at that answer must be chosen, named with the reason in the answer's
notes, and handed to the launch wizard. A real page, a real solve of the small synthetic benchmark."""

from PySide6.QtCore import Qt

from tests.jobs.conftest import local_env  # noqa: F401 - fixture
from tests.ui_hardware.test_optimise_page import cli_answer, launched, machines, page, solve, tick  # noqa: F401
from tests.ui_jobs.conftest import tasks  # noqa: F401 - fixture

TICKED = ("africa-south1", "asia-south1", "europe-north1", "us-central1")  # ~657, 679, 39, 413 gCO₂e/kWh


def test_energy_objective_picks_and_launches_the_cleanest_region(qtbot, page, machines, launched, capsys):  # noqa: F811
    folder, data, surrogates = machines
    page.set_fitted(data, surrogates)
    tick(page, TICKED)
    assert page.selected_regions()[0] == "africa-south1"  # the list's order: the dirty region comes first
    page.objective.setCurrentText("totEnergy(kW)")
    solve(qtbot, page)

    answer = page.result.answer
    assert answer.feasible and answer.region == "europe-north1", answer.notes
    expected = cli_answer(capsys, folder, "--minimize", "totEnergy(kW)",
                          *[a for r in page.selected_regions() for a in ("--region", r)])  # fmt: skip
    assert answer.hardware == expected["hardware"] and answer.configuration == expected["configuration"]
    assert answer.region == expected["region"]
    text = page.answer_view.toPlainText()
    assert f"{answer.hardware} in europe-north1" in text
    assert "europe-north1 chosen: this answer's totEnergy(kW) is the same in africa-south1, asia-south1, " in text
    assert "least CO₂e" in text

    assert page.launch_button.isEnabled(), page.launch_button.toolTip()
    assert " in europe-north1," in page.launch_button.toolTip()
    qtbot.mouseClick(page.launch_button, Qt.MouseButton.LeftButton)
    [prefill] = launched
    assert prefill.region == "europe-north1"

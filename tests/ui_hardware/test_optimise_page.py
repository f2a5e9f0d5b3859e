"""The Hardware tab's Optimise page, driven for real with pytest-qt on a small synthetic benchmark the tests write
(two platforms, hyperparameters `layers` and `lr`): its answers must be the CLI's (`carbon-gui dimension --json`)."""

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QPushButton

from carbon_gui.cli import main
from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.regional import RegionCarbon
from carbon_gui.core.dimensioning.request import AT_LEAST, AT_MOST, Constraint
from carbon_gui.dimensioning.fitting import Surrogates, fit_surrogates
from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.ui.hardware.optimise_page import WINDOW_MNEMONICS, LaunchPrefill, OptimisePage, split_hardware_id
from carbon_gui.ui.workers import BackgroundTasks
from tests.dimensioning.conftest import toy_rows, write_pair
from tests.jobs.conftest import (  # noqa: F401 - fixtures for the real launch wizard (local servers, no cloud)
    _emulator_and_proxy,
    cloud_env,
    emulator,
    fake_vertex,
    local_env,
    network_guard,
    script,
    service,
)
from tests.ui_jobs.conftest import tasks  # noqa: F401 - fixture: background work that ends before the servers
from tests.ui_launch.conftest import MakeWizard, go_to_review, make_wizard  # noqa: F401 - fixture

WAIT_MS = 60_000
MACHINES = ("n1-standard-4", "n1-standard-8")  # HW_IDs that are Compute Engine machine types: priced per region
REGIONS = ("europe-north1", "europe-west1", "us-central1")


def benchmark(folder: Path, hardware: tuple[str, ...]) -> tuple[Path, BenchmarkSet, Surrogates]:
    for index, hw in enumerate(hardware):
        write_pair(folder, hw, price=1.0 + 2 * index)
    data = load_benchmarks(folder)
    return folder, data, fit_surrogates(data)  # every target, depth by cross-validation: as the models page fits


@pytest.fixture
def machines(tmp_path: Path) -> tuple[Path, BenchmarkSet, Surrogates]:
    return benchmark(tmp_path / "machines", MACHINES)


@pytest.fixture
def launched() -> list[LaunchPrefill]:
    return []


@pytest.fixture
def page(qtbot, tasks: BackgroundTasks, launched: list[LaunchPrefill]) -> OptimisePage:  # noqa: F811
    optimise = OptimisePage(tasks, launched.append)
    qtbot.addWidget(optimise)
    optimise.resize(1200, 760)
    optimise.show()
    qtbot.waitUntil(lambda: optimise.regions.count() > 0, timeout=WAIT_MS)  # the catalogue arrived from the pool
    return optimise


def cli_answer(capsys, folder: Path, *args: str) -> dict:
    capsys.readouterr()
    assert main(["dimension", "--data", str(folder), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def solve(qtbot, page: OptimisePage) -> None:
    qtbot.mouseClick(page.optimise_button, Qt.MouseButton.LeftButton)
    assert page.running, page.status.text()
    qtbot.waitUntil(lambda: not page.running, timeout=WAIT_MS)


def tick(page: OptimisePage, regions: tuple[str, ...]) -> None:
    page.choose_region.setChecked(True)
    for i in range(page.regions.count()):
        item = page.regions.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in regions:
            item.setCheckState(Qt.CheckState.Checked)


def test_the_answer_is_the_clis_with_predictions_and_measured_checks_labelled(qtbot, page, machines, capsys):
    folder, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.objective.setCurrentText("totEnergy(kW)")
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 60))
    page.constraints.add_row(Constraint("acc", AT_LEAST, 0.6))
    solve(qtbot, page)

    expected = cli_answer(capsys, folder, "--minimize", "totEnergy(kW)", "--constraint", "time(sec)<=60",
                          "--constraint", "acc>=0.6")  # fmt: skip
    answer = page.result.answer
    assert expected["feasible"] and answer.feasible
    assert (answer.hardware, answer.configuration) == (expected["hardware"], expected["configuration"])
    assert answer.predicted == pytest.approx(expected["predicted"])
    assert answer.raw_check == pytest.approx(expected["raw_check"])
    assert answer.binding == expected["binding"]
    text = page.answer_view.toPlainText()
    config = ", ".join(f"{k} = {v}" for k, v in expected["configuration"].items())
    assert expected["hardware"] in text and config in text
    assert "predicted by the surrogate" in text and "measured" in text
    for target, value in expected["predicted"].items():
        unit = f" {target[target.index('(') + 1 : -1]}" if "(" in target else ""  # acc has no unit
        assert f"{value:.4g}{unit}" in text
    for target, share in expected["raw_check"].items():
        assert f"{share:.0%}" in text, target
    assert "HiGHS" in text and " ms" in text
    for target in expected["predicted"]:
        model = answer.surrogates[target]
        assert f"{target}: decision tree of depth {model['depth']} ({model['depth_chosen_by']})" in text
    assert page.status.text() == ""


def test_carbon_by_region_is_each_regions_own_optimum_and_launch_opens_the_wizard_with_it(
    qtbot, page, machines, launched, capsys
):
    folder, data, surrogates = machines
    page.set_fitted(data, surrogates)
    tick(page, REGIONS)
    page.objective.setCurrentText("CO2e(kg)")
    page.constraints.add_row(Constraint("acc", AT_LEAST, 0.7))
    solve(qtbot, page)

    region_args = [a for r in REGIONS for a in ("--region", r)]
    joint = cli_answer(capsys, folder, "--minimize", "CO2e(kg)", "--constraint", "acc>=0.7", *region_args)
    assert (page.result.answer.hardware, page.result.answer.region) == (joint["hardware"], joint["region"])
    table = page.region_choice.table
    shown = {table.item(row, 0).text(): (table.item(row, 1).text(), table.item(row, 2).text())
             for row in range(table.rowCount())}  # fmt: skip
    assert set(shown) == set(REGIONS)
    for region in REGIONS:
        alone = cli_answer(capsys, folder, "--minimize", "CO2e(kg)", "--constraint", "acc>=0.7", "--region", region)
        assert shown[region] == (alone["hardware"], f"{alone['predicted']['CO2e(kg)']:.4g} kg")
    caption = page.region_choice.caption.text()
    assert "estimate" in caption and "Google" in caption
    assert ("The same hardware wins in every region" in caption) == (len({hw for hw, _ in shown.values()}) == 1)
    assert set(page.region_choice.plot.bars) == {hw for hw, _ in shown.values()}
    assert page.region_choice.plot.isVisibleTo(page.region_choice)

    assert page.launch_button.isEnabled(), page.launch_button.toolTip()
    qtbot.mouseClick(page.launch_button, Qt.MouseButton.LeftButton)
    [prefill] = launched
    machine, accelerator, count = split_hardware_id(joint["hardware"])
    assert (prefill.machine_type, prefill.accelerator, prefill.accelerator_count) == (machine, accelerator, count)
    assert prefill.region == joint["region"]
    expected_args = [part for k, v in joint["configuration"].items() for part in (f"--{k}", str(v))]
    assert list(prefill.arguments) == expected_args
    assert prefill.hours is not None and prefill.hours > 0


def test_launch_with_this_fills_the_real_launch_wizard(
    qtbot, page, tmp_path, launched, make_wizard: MakeWizard, script: Path  # noqa: F811
):
    folder = tmp_path / "gpu"
    write_pair(folder, "n1-standard-4", price=1.0)
    write_pair(folder, "n1-standard-8+1xnvidia-tesla-t4", rows=toy_rows(2.0, seed=3), price=3.0)  # twice as fast
    data = load_benchmarks(folder)
    page.set_fitted(data, fit_surrogates(data))
    tick(page, ("us-central1",))
    page.objective.setCurrentText("CO2e(kg)")
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 15))  # only the GPU platform is fast enough
    solve(qtbot, page)
    qtbot.mouseClick(page.launch_button, Qt.MouseButton.LeftButton)
    [prefill] = launched
    gpu_machine = ("n1-standard-8", "nvidia-tesla-t4", 1)
    assert (prefill.machine_type, prefill.accelerator, prefill.accelerator_count) == gpu_machine
    assert prefill.region == "us-central1"

    # What the window's "Launch with this" does with it (JobsController.open_prefilled_wizard), on the real wizard.
    wizard = make_wizard(prefill.region, machine_type=prefill.machine_type, accelerator=prefill.accelerator,
                         accelerator_count=prefill.accelerator_count, hours=prefill.hours)  # fmt: skip
    wizard.hardware_page.args.setText(prefill.script_arguments)
    go_to_review(qtbot, wizard, str(script))
    request = wizard.request()
    assert request is not None and wizard.plan is not None
    assert (request.region, request.machine_type, request.accelerator_type, request.accelerator_count) == (
        "us-central1", "n1-standard-8", "nvidia-tesla-t4", 1
    )
    config = page.result.answer.configuration
    assert request.args == tuple(part for k, v in config.items() for part in (f"--{k}", str(v)))
    assert request.hours == pytest.approx(prefill.hours, abs=0.01)


def test_launch_arguments_keep_every_digit_of_a_hyperparameter(qtbot, page, tmp_path, launched):
    precise = {0.01: 0.0012345678, 0.1: 0.1234567891, 0.3: 0.3456789012}  # more digits than "{:g}" keeps
    folder = tmp_path / "precise"
    for hw in MACHINES:
        rows = [[layers, precise[lr], *rest] for layers, lr, *rest in toy_rows(1.0, seed=len(hw))]
        write_pair(folder, hw, rows=rows)
    data = load_benchmarks(folder)
    page.set_fitted(data, fit_surrogates(data))
    solve(qtbot, page)
    qtbot.mouseClick(page.launch_button, Qt.MouseButton.LeftButton)
    [prefill] = launched
    lr = prefill.arguments[prefill.arguments.index("--lr") + 1]
    assert float(lr) in precise.values(), prefill.arguments
    assert f"lr = {lr}" in page.answer_view.toPlainText()  # what is shown is what is launched


def test_launch_is_disabled_with_a_reason_when_the_hardware_is_not_a_machine_type(qtbot, page, tmp_path):
    _, data, surrogates = benchmark(tmp_path / "free", ("cpu-slow", "gpu-fast"))
    page.set_fitted(data, surrogates)
    solve(qtbot, page)
    assert page.result.answer.feasible
    assert not page.launch_button.isEnabled()
    assert "not a Compute Engine machine type" in page.launch_button.toolTip()


def test_an_infeasible_request_names_the_conflicting_limits_and_how_far_each_is(qtbot, page, machines, capsys):
    folder, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 15))
    page.constraints.add_row(Constraint("acc", AT_LEAST, 0.8))
    solve(qtbot, page)

    expected = cli_answer(capsys, folder, "--minimize", "totEnergy(kW)", "--constraint", "time(sec)<=15",
                          "--constraint", "acc>=0.8")  # fmt: skip
    assert not expected["feasible"] and expected["conflicts"]
    text = page.answer_view.toPlainText()
    assert "No hardware and configuration meets every limit" in text
    for constraint, distance in expected["conflict_distance"].items():
        target = constraint.partition("<=")[0].partition(">=")[0]
        assert target in text
        assert f"the best reachable is {distance:.4g}" in text
    assert not page.launch_button.isEnabled()
    assert not page.region_choice.plot.isVisibleTo(page.region_choice)  # no regions: no empty plot


def test_bad_requests_get_one_clear_line_and_nothing_runs(qtbot, page, machines):
    _, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.choose_region.setChecked(True)  # ... but no region ticked
    qtbot.mouseClick(page.optimise_button, Qt.MouseButton.LeftButton)
    assert not page.running and page.result is None
    assert page.status.text() == "Tick at least one region, or untick 'Pick the region too'."

    page.choose_region.setChecked(False)
    row = page.constraints.add_row()
    row.target.setCurrentText("time(sec)")
    assert row.value.placeholderText().startswith("measured ")  # the runs' range as a hint
    qtbot.keyClicks(row.value, "3OO")
    qtbot.mouseClick(page.optimise_button, Qt.MouseButton.LeftButton)
    assert not page.running and page.result is None
    assert page.status.text().startswith("The limit on time(sec) must be a number in sec, not '3OO': type e.g. ")
    row.value.setText("0.00035")
    assert page.constraints.constraints()[0].bound == 0.00035  # any precision, not a spin box's 4 decimals

    assert "cost(USD)" not in [page.objective.itemText(i) for i in range(page.objective.count())]
    page.clear()
    assert not page.optimise_button.isEnabled() and page.objective.count() == 0


def test_enter_solves_and_cancel_drops_the_answer(qtbot, page, machines):
    _, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 100))
    page.use_margin.setChecked(True)
    page.margin.setFocus()
    qtbot.keyClick(page.margin, Qt.Key.Key_Return)
    assert page.running and page.busy.isVisible() and page.cancel_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert not page.running and not page.busy.isVisible() and page.status.text() == "Cancelled."
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    qtbot.wait(50)  # the worker's own result, if any, is delivered now: it must be ignored
    assert page.result is None and page.status.text() == "Cancelled."

    qtbot.keyClick(page.margin, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: page.result is not None, timeout=WAIT_MS)
    assert page.result.request.margin_quantile == pytest.approx(0.9)
    assert "± " in page.answer_view.toPlainText()

    qtbot.keyClick(page.margin, Qt.Key.Key_Return)
    assert page.running
    page.set_fitted(data, surrogates)  # new models while solving: the old request's answer must not appear
    assert not page.running and page.result is None
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    qtbot.wait(50)
    assert page.result is None and not page.busy.isVisible()


def test_targets_the_models_page_did_not_fit_are_fitted_for_the_request(qtbot, page, machines):
    _, data, _ = machines
    page.set_fitted(data, fit_surrogates(data, ["acc"]))
    page.objective.setCurrentText("time(sec)")
    solve(qtbot, page)
    assert page.result.answer.feasible, page.status.text()
    assert page.result.fitted_here == ["time(sec)"]
    assert "Fitted for this request" in page.answer_view.toPlainText()


def test_targets_fitted_for_the_request_are_the_same_kind_of_model_as_the_models_pages(qtbot, page, machines):
    _, data, _ = machines
    page.set_fitted(data, fit_surrogates(data, ["acc"], kind="boosting", depth=2))
    page.objective.setCurrentText("time(sec)")
    solve(qtbot, page)
    assert page.result.answer.feasible and page.result.fitted_here == ["time(sec)"], page.status.text()
    assert page.result.answer.surrogates["time(sec)"]["kind"] == "boosting"
    assert page.result.answer.surrogates["time(sec)"]["depth"] == 2


def test_closing_the_page_stops_its_solve(qtbot, tasks, machines):  # noqa: F811
    _, data, surrogates = machines
    page = OptimisePage(tasks, lambda prefill: None)
    page.set_fitted(data, surrogates)
    page.start()
    cancel = page._cancel
    assert cancel is not None and not cancel.is_set()
    page.deleteLater()
    qtbot.waitUntil(cancel.is_set, timeout=WAIT_MS)


def test_an_infeasible_screenshot(qtbot, page, machines, artifacts_dir):
    _, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 15))
    page.constraints.add_row(Constraint("acc", AT_LEAST, 0.8))
    page.resize(1024, 640)
    solve(qtbot, page)
    assert page.grab().save(str(artifacts_dir / "optimise_infeasible_1024x640.png"))
    page.results.setCurrentIndex(1)
    assert page.grab().save(str(artifacts_dir / "optimise_no_regions_1024x640.png"))


def test_every_mnemonic_is_unique_in_the_window(page):
    texts = [w.text() for w in [*page.findChildren(QLabel), *page.findChildren(QAbstractButton)]]
    texts += [w.title() for w in page.findChildren(QGroupBox)]
    texts += [page.results.tabText(i) for i in range(page.results.count())]
    letters = [t[t.index("&") + 1].upper() for t in texts if "&" in t.replace("&&", "")]
    assert len(letters) >= 9  # the mnemonics are found at all (Cancel has Esc instead of a letter)
    assert len(letters) == len(set(letters)), sorted(letters)
    assert not set(letters) & WINDOW_MNEMONICS


HADA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "hada"  # tests only: never shipped


def test_the_shared_hada_data_in_every_region(qtbot, page, artifacts_dir, capsys):
    if not (HADA_DIR / "anticipate_mbp19.csv").is_file():
        pytest.skip(f"the shared HADA data is absent ({HADA_DIR})")
    data = load_benchmarks(HADA_DIR)
    page.set_fitted(data, fit_surrogates(data))
    page.choose_region.setChecked(True)
    [tick_all] = [b for b in page.choose_region.findChildren(QPushButton) if b.text() == "Tick all"]
    qtbot.mouseClick(tick_all, Qt.MouseButton.LeftButton)
    page.objective.setCurrentText("CO2e(kg)")
    limits = (Constraint("time(sec)", AT_MOST, 300), Constraint("sol(keuro)", AT_MOST, 350),
              Constraint("memAvg(MB)", AT_MOST, 350))  # fmt: skip
    for limit in limits:
        page.constraints.add_row(limit)
    page.resize(1600, 1000)
    solve(qtbot, page)

    regions = page.selected_regions()
    assert len(regions) == page.regions.count() > 40
    args = [a for c in limits for a in ("--constraint", c.text())] + [a for r in regions for a in ("--region", r)]
    expected = cli_answer(capsys, HADA_DIR, "--minimize", "CO2e(kg)", *args)
    answer = page.result.answer
    assert (answer.hardware, answer.region, answer.configuration) == (
        expected["hardware"], expected["region"], expected["configuration"]
    )
    assert page.region_choice.table.rowCount() == len(regions) == len(page.result.by_region)
    assert len(page.region_choice.plot.labels) == len({a.hardware for a in page.result.by_region.values()})
    # Showing the answer runs on the GUI thread. A text item per bar made it stall 90-190 ms for 45 regions; the
    # label count above (one per hardware, not per bar) guards that without a timed assertion on a shared machine.
    page.results.setCurrentIndex(1)
    assert page.grab().save(str(artifacts_dir / "optimise_hada_regions_1600x1000.png"))


@pytest.mark.parametrize("size", [(1024, 640), (1600, 1000)])
def test_screenshots(qtbot, page, machines, artifacts_dir, size):
    _, data, surrogates = machines
    page.set_fitted(data, surrogates)
    tick(page, REGIONS)
    page.objective.setCurrentText("CO2e(kg)")
    page.constraints.add_row(Constraint("acc", AT_LEAST, 0.7))
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 120))
    page.resize(*size)
    solve(qtbot, page)
    assert page.result.by_region
    for index, name in enumerate(("answer", "regions")):
        page.results.setCurrentIndex(index)
        qtbot.wait(50)
        assert page.grab().save(str(artifacts_dir / f"optimise_{name}_{size[0]}x{size[1]}.png"))


def test_carbon_by_region_uses_the_planners_current_figure_where_it_has_one(qtbot, tasks, machines):  # noqa: F811
    """A live (or forecast) figure from the planner replaces Google's yearly one: with europe-north1 made the
    dirtiest grid and us-central1 the cleanest, the carbon-optimal region follows the planner's figures."""
    _, data, surrogates = machines
    live = "Electricity Maps; average, lifecycle; published figure; live 12:00 UTC"
    planner = {
        "europe-north1": RegionCarbon("europe-north1", 900.0, 1.1, live),
        "us-central1": RegionCarbon("us-central1", 1.0, 1.1, live),
    }
    page = OptimisePage(tasks, lambda prefill: None, planner_carbon=lambda: planner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.regions.count() > 0, timeout=WAIT_MS)
    page.set_fitted(data, surrogates)
    tick(page, REGIONS)
    page.objective.setCurrentText("CO2e(kg)")
    solve(qtbot, page)
    assert page.result is not None and page.result.answer.region == "us-central1"
    by_source = {r.region: r.source for r in page.result.regions}
    assert by_source["us-central1"] == live and by_source["europe-north1"] == live
    assert "Google" in by_source["europe-west1"]  # no planner figure there: the yearly one, labelled as such
    assert any(live in note for note in page.result.answer.notes)

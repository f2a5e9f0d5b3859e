"""The Models page driven as a user does: real scikit-learn fitting on the thread pool (progress, Cancel), the table
of depth / CV MAE / R² / margin with units, the plot of measured runs and the surrogate, its PNG and CSV exports."""

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.ui.hardware.models_page import ModelsPage
from carbon_gui.ui.hardware.surrogate_plot import MEASURED, PREDICTED
from carbon_gui.ui.models.surrogate_table_model import target_unit, value_text
from carbon_gui.ui.workers import BackgroundTasks
from tests.dimensioning.conftest import toy_rows, write_pair

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HADA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "hada"


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bench"
    write_pair(folder, "cpu-slow", price=1.0)
    write_pair(folder, "gpu-fast", price=3.0)
    return folder


@pytest.fixture
def page(qtbot):
    widget = ModelsPage()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    tasks = BackgroundTasks()
    widget.attach(tasks)
    yield widget
    widget.cancel()
    tasks.shutdown()


def save_screenshots(qtbot, widget, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1024, 640), (1600, 1000)):
        widget.resize(width, height)
        qtbot.wait(100)  # the axes size themselves to their tick labels in a second layout pass
        widget.grab().save(str(ARTIFACTS / f"hardware-{name}-{width}x{height}.png"))


def fit(qtbot, page: ModelsPage, timeout: int = 60000):
    with qtbot.waitSignal(page.fitted, timeout=timeout) as fitted:
        qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    return fitted.args[1]


def rows(page: ModelsPage) -> list[list[str]]:
    model = page.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_units_come_from_the_target_names() -> None:
    assert target_unit("time(sec)") == "sec" and target_unit("CO2e(kg)") == "kg" and target_unit("acc") == ""
    assert value_text(12.3456, "memAvg(MB)") == "12.3 MB"
    assert value_text(0.25, "acc") == "0.25"


def test_fitting_by_cross_validation_fills_the_table_with_units(qtbot, page: ModelsPage, toy_dir: Path) -> None:
    data = load_benchmarks(toy_dir)
    page.set_data(data, str(toy_dir))
    assert page.fit_button.isEnabled() and not page.cancel_button.isEnabled()
    progress: list[tuple[int, int]] = []
    page.bar.valueChanged.connect(lambda value: progress.append((value, page.bar.maximum())))
    surrogates = fit(qtbot, page)
    table = rows(page)
    assert len(table) == 6 and {(r[0], r[1]) for r in table} == set(surrogates.by_key)
    for row in table:
        s = surrogates.get(row[0], row[1])
        assert row[2] == f"{s.depth} (CV)" and s.depth_chosen_by == "cross-validation"
        assert row[3] == value_text(s.cv_mae, s.target) and row[4] == f"{s.cv_r2:.3f}"
        assert row[5] == value_text(float(np.quantile(s.abs_errors, 0.9)), s.target)
    time_row = next(r for r in table if r[1] == "time(sec)")
    assert time_row[3].endswith(" sec") and float(time_row[4]) > 0.9  # time grows cleanly with layers
    tooltip = Qt.ItemDataRole.ToolTipRole
    assert page.model.headerData(5, Qt.Orientation.Horizontal, tooltip).startswith("The 0.90 quantile")
    assert (6, 6) in progress  # the bar followed the fit to its end
    assert "6 models fitted" in page.status.text()

    page.use_margin.setChecked(False)  # no margin: the column says so and shows zero
    assert page.model.headerData(5, Qt.Orientation.Horizontal, tooltip).startswith("No margin")
    assert rows(page)[0][5] == "0 sec"


def test_a_depth_set_by_the_user_is_used_for_every_model(qtbot, page: ModelsPage, toy_dir: Path) -> None:
    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    assert not page.depth_box.isEnabled()
    qtbot.mouseClick(page.fixed, Qt.MouseButton.LeftButton)
    assert page.depth_box.isEnabled()
    page.depth_box.setValue(2)
    surrogates = fit(qtbot, page)
    assert {s.depth for s in surrogates.by_key.values()} == {2}
    assert {r[2] for r in rows(page)} == {"2 (set)"}


def test_gradient_boosting_is_a_choice_with_shallow_trees_counted_by_cv(qtbot, page: ModelsPage, toy_dir: Path) -> None:
    from carbon_gui.core.dimensioning.surrogate import BoostedTrees

    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    page.kind.setCurrentIndex(page.kind.findData("boosting"))
    assert "trees by cross-validation" in page.by_cv.text().replace("&", "")
    qtbot.mouseClick(page.fixed, Qt.MouseButton.LeftButton)
    assert page.depth_box.maximum() == 3 and page.depth_box.value() == 3  # 10 clamped: boosted trees stay shallow
    page.depth_box.setValue(2)
    surrogates = fit(qtbot, page)
    assert all(isinstance(s.model, BoostedTrees) and s.depth == 2 for s in surrogates.by_key.values())
    assert {r[2] for r in rows(page)} == {"2 (set)"}
    tooltip = page.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "boosted trees of depth 2" in tooltip
    s = surrogates.get(page.plot.hardware.currentText(), page.plot.target.currentText())
    assert f"{s.trees} boosted trees of depth 2" in page.plot.caption.text()
    page.kind.setCurrentIndex(page.kind.findData("tree"))  # back to one tree: its full depth range returns
    assert page.depth_box.maximum() == 30 and page.by_cv.text().replace("&", "") == "Depth by cross-validation"


def many_targets_dir(tmp_path: Path, targets: int = 60) -> Path:
    """Two platforms × `targets` targets: enough fits that Cancel lands while they run."""
    folder = tmp_path / "many"
    names = [f"t{i}(sec)" for i in range(targets)]
    for hardware in ("cpu-slow", "gpu-fast"):
        base = toy_rows(1.0, len(hardware))
        extra = [[*row[:2], *(row[2] * (1 + i / 10) for i in range(targets))] for row in base]
        write_pair(folder, hardware, extra, targets=[{"ID": n} for n in names])
    return folder


def test_cancel_stops_fitting_and_keeps_no_half_fitted_models(qtbot, page: ModelsPage, tmp_path: Path) -> None:
    page.set_data(load_benchmarks(many_targets_dir(tmp_path)), "many")
    fitted: list[object] = []
    page.fitted.connect(lambda *args: fitted.append(args))

    def cancel_on_first_progress(value: int) -> None:
        if value >= 1 and page.cancel_button.isEnabled():
            qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)

    page.bar.valueChanged.connect(cancel_on_first_progress)
    qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    assert page.cancel_button.isEnabled() and not page.fit_button.isEnabled()
    qtbot.waitUntil(lambda: "Cancelled" in page.status.text(), timeout=60000)
    assert not fitted and page.surrogates is None and page.model.rowCount() == 0
    assert page.fit_button.isEnabled() and not page.cancel_button.isEnabled()


def step_values_at(plot, xs: np.ndarray) -> np.ndarray:
    """What the drawn step line shows at each x: the value of the step whose edges hold it."""
    edges, values = plot.predicted.getData()
    return values[np.searchsorted(edges, xs, side="right") - 1]


def test_a_domain_of_a_million_values_is_drawn_with_one_point_per_step(qtbot, page: ModelsPage, tmp_path) -> None:
    """A step line over every value would make the GUI thread walk the tree a million times on each redraw."""
    folder = tmp_path / "wide"
    rows = [[n, lr, n / 1000, 0.5, n * 1e-7] for n in range(1, 1_000_001, 50_000) for lr in (0.01, 0.1)]
    wide = {"ID": "layers", "description": None, "type": "int", "LB": 1, "UB": 1_000_000}
    hyperparameters = [wide, {"ID": "lr", "description": None, "type": "float", "LB": None, "UB": None}]
    for hardware in ("cpu-slow", "gpu-fast"):
        write_pair(folder, hardware, rows, hyperparams=hyperparameters)
    page.set_data(load_benchmarks(folder), "wide")
    page.fixed.setChecked(True)
    page.depth_box.setValue(4)
    surrogates = fit(qtbot, page)
    page.plot.select("cpu-slow", "time(sec)")
    page.plot.axis.setCurrentText("layers")
    edges, values = page.plot.predicted.getData()
    assert len(values) <= 16 and len(edges) == len(values) + 1  # a depth-4 tree has at most 16 leaves
    probe = np.array([1.0, 2.0, 49_999.0, 50_001.0, 333_333.0, 700_000.0, 999_999.0, 1_000_000.0])
    held = float(page.plot.fixed["lr"].currentText())
    expected = surrogates.get("cpu-slow", "time(sec)").model.predict(np.column_stack([probe, np.full(8, held)]))
    assert list(step_values_at(page.plot, probe)) == list(expected)


def test_the_plot_shows_measured_runs_and_the_surrogate_with_labels(qtbot, page: ModelsPage, toy_dir: Path) -> None:
    data = load_benchmarks(toy_dir)
    page.set_data(data, str(toy_dir))
    surrogates = fit(qtbot, page)
    plot = page.plot
    plot.select("gpu-fast", "time(sec)")
    selected = page.model.surrogate(page.table.currentIndex().row())
    assert (selected.hardware, selected.target) == ("gpu-fast", "time(sec)")  # the table follows the plot
    plot.axis.setCurrentText("layers")
    plot.fixed["lr"].setCurrentText("0.1")
    platform = data.platform("gpu-fast")
    at_lr = platform.inputs[:, 1] == 0.1
    x, y = plot.measured.getData()
    assert sorted(x) == sorted(platform.inputs[at_lr, 0]) and len(x) == 16  # 8 layers x 2 repetitions at lr 0.1
    assert sorted(y) == sorted(platform.targets["time(sec)"][at_lr])
    surrogate = surrogates.get("gpu-fast", "time(sec)")
    layers = np.arange(1.0, 9.0)
    expected = surrogate.model.predict(np.column_stack([layers, np.full(8, 0.1)]))
    assert list(step_values_at(plot, layers)) == list(expected)
    assert plot.predicted.getData()[0][[0, -1]].tolist() == [0.5, 8.5]  # the line spans the whole domain
    assert plot.plot_item.getAxis("left").labelText == "time(sec)"
    assert plot.plot_item.getAxis("bottom").labelText.startswith("layers (hyperparameter, int)")
    assert [label.text for _, label in plot.legend.items] == [MEASURED, PREDICTED]
    legend_box = plot.legend.sceneBoundingRect()
    assert not legend_box.intersects(plot.plot_item.vb.sceneBoundingRect())  # never over the data
    caption = plot.caption.text()
    assert (
        "16 measured runs from toy_gpu-fast.csv" in caption and "lr = 0.1" in caption and "not a measurement" in caption
    )
    save_screenshots(qtbot, page, "models")


def test_the_plot_exports_png_and_csv(qtbot, page: ModelsPage, toy_dir: Path, tmp_path: Path) -> None:
    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    assert not page.export_png_button.isEnabled()
    fit(qtbot, page)
    assert page.export_png_button.isEnabled() and page.export_csv_button.isEnabled()
    page.plot.select("cpu-slow", "acc")
    from carbon_gui.ui.plots.plot_export import render_plot

    table = tmp_path / "plot.csv"
    page.plot.export_csv(table)
    image = QImage.fromData(render_plot(page.plot.graphics.ci, 800, 450))
    assert not image.isNull() and image.width() > 300 and image.height() > 200
    with open(table, newline="") as file:
        lines = list(csv.reader(file))
    x_measured, _ = page.plot.measured.getData()
    assert len(lines) >= len(x_measured) + 1
    first_column = [float(line[0]) for line in lines[1:] if line and line[0]]
    assert sorted(first_column[: len(x_measured)]) == sorted(x_measured)


def test_export_through_the_buttons_writes_the_file_the_user_chose(
    qtbot, page: ModelsPage, toy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbon_gui.ui.plots.plot_export import ExportChoice

    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    fit(qtbot, page)
    target = tmp_path / "chosen.png"
    # The file dialogs are the OS's: no local counterpart a test can click through, so their answers are given here
    # (the PNG's file and size through the page's chooser, as the Signals tab's tests do).
    page.choose_export = lambda parent, name: ExportChoice(target, 1200, 700)
    monkeypatch.setattr(
        "carbon_gui.ui.hardware.models_page.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(tmp_path / "grabbed.png"), ""),
    )
    qtbot.mouseClick(page.export_png_button, Qt.MouseButton.LeftButton)
    assert target.is_file() and f"Exported the plot to {target}" in page.status.text()
    image = QImage(str(target))  # the plot item rendered at the chosen size (legend included), not a widget grab
    assert (image.width(), image.height()) == (1200, 700)
    colours = {image.pixelColor(x, y).name() for x in range(0, 1200, 10) for y in range(0, 700, 10)}
    assert len(colours) > 3  # axes, dots and the step line: not a blank canvas
    monkeypatch.setattr(
        "carbon_gui.ui.hardware.models_page.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(tmp_path / "missing" / "x.csv"), ""),
    )
    qtbot.mouseClick(page.export_csv_button, Qt.MouseButton.LeftButton)
    assert "Not exported" in page.status.text()


@pytest.mark.skipif(not (HADA_DIR / "anticipate_mbp19.csv").is_file(), reason="shared HADA data absent (not shipped)")
def test_the_shared_hada_data_fits_and_plots(qtbot, page: ModelsPage) -> None:
    page.set_data(load_benchmarks(HADA_DIR), str(HADA_DIR))
    surrogates = fit(qtbot, page, timeout=120000)
    assert len(surrogates.by_key) == page.model.rowCount() >= 18
    page.plot.select("mbp19", "CO2e(kg)")
    assert len(page.plot.measured.getData()[0]) > 100
    save_screenshots(qtbot, page, "models-hada")


def test_enter_in_the_depth_box_fits(qtbot, page: ModelsPage, toy_dir: Path) -> None:
    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    page.fixed.setChecked(True)
    page.depth_box.setFocus()
    with qtbot.waitSignal(page.fitted, timeout=60000) as fitted:
        qtbot.keyClick(page.depth_box, Qt.Key.Key_Return)
    assert {s.depth for s in fitted.args[1].by_key.values()} == {10}


def test_runs_at_a_held_value_with_many_digits_are_shown(qtbot, page: ModelsPage, tmp_path: Path) -> None:
    """The held value is the one run, not its rounded text (0.0012345678 showed as 0.00123457 and matched no run)."""
    folder = tmp_path / "digits"
    rows = [[layers, lr, layers * 10.0, 0.5, 0.001] for layers in range(1, 9) for lr in (0.0012345678, 0.1)]
    for hardware in ("cpu-slow", "gpu-fast"):
        write_pair(folder, hardware, rows)
    page.set_data(load_benchmarks(folder), "digits")
    fit(qtbot, page)
    page.plot.select("cpu-slow", "time(sec)")
    page.plot.axis.setCurrentText("layers")
    page.plot.fixed["lr"].setCurrentIndex(0)
    assert page.plot.fixed["lr"].currentText() == "0.0012345678"
    assert len(page.plot.measured.getData()[0]) == 8


def test_new_data_while_fitting_leaves_the_page_ready_to_fit_it(qtbot, page: ModelsPage, tmp_path: Path) -> None:
    page.set_data(load_benchmarks(many_targets_dir(tmp_path)), "many")
    fitted: list[object] = []
    page.fitted.connect(lambda *args: fitted.append(args))
    qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    folder = tmp_path / "toy"
    write_pair(folder, "cpu-slow")
    write_pair(folder, "gpu-fast")
    page.set_data(load_benchmarks(folder), "toy")  # what the Data page does when another folder loads
    assert page.fit_button.isEnabled() and not page.cancel_button.isEnabled()
    surrogates = fit(qtbot, page)
    assert len(surrogates.by_key) == 6 and len(fitted) == 1  # only the new data's models arrived
    qtbot.wait(200)  # the old fit, cancelled, must not deliver anything late either
    assert len(fitted) == 1 and page.model.rowCount() == 6 and page.bar.value() == page.bar.maximum() == 6

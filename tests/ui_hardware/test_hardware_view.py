"""The Hardware tab driven as a user does: the real window (Ctrl+5), the real loader on the thread pool, real fitting,
and a real local benchmark (child processes under codecarbon, offline) through the real job service and ledger.
The data is synthetic, written by the tests (tests/dimensioning/conftest.py): two platforms, two hyperparameters."""

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton

from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.sources.reference import load_reference
from carbon_gui.ui.hardware.benchmark_page import BenchmarkServices
from carbon_gui.ui.hardware.hardware_view import HardwareView
from carbon_gui.ui.workers import BackgroundTasks
from tests.benchmark_runner.conftest import SOLVER, dataset_rows, write_script
from tests.cloud.conftest import _emulator_and_proxy, emulator, network_guard  # noqa: F401 - fixtures
from tests.dimensioning.conftest import write_pair
from tests.jobs.conftest import IMAGE, PROJECT, REGION, cloud_env, fake_vertex  # noqa: F401 - fixtures
from tests.ui.conftest import PARIS, open_window
from tests.vertex.fake_vertex import FakeVertex

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BENCHMARK_TIMEOUT_MS = 240_000  # 4 to 8 child processes, each starting Python and codecarbon, on a shared machine


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The ledger and local staging directories of a benchmark stay in the test's folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bench"
    write_pair(folder, "cpu-slow", price=1.0)
    write_pair(folder, "gpu-fast", price=3.0)
    return folder


def job_service():  # the real one, made on the pool as the window makes it
    from carbon_gui.jobs.service import JobService

    return JobService(load_reference)


@pytest.fixture
def view(qtbot) -> HardwareView:
    launches: list[object] = []
    services = BenchmarkServices(job_service, load_reference, lambda: PARIS)
    widget = HardwareView(services, launches.append)
    widget.launches = launches  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    tasks = BackgroundTasks()
    widget.attach(tasks)
    yield widget
    widget.shutdown()
    tasks.shutdown()


def load(qtbot, view: HardwareView, folder: Path) -> None:
    """Type the folder and press Enter, as a user without the file dialog does."""
    view.pages.setCurrentWidget(view.data_page)
    view.data_page.folder.clear()
    qtbot.keyClicks(view.data_page.folder, str(folder))
    qtbot.keyClick(view.data_page.folder, Qt.Key.Key_Return)


def platform_rows(out: Path) -> list[dict[str, str]]:
    [path] = out.glob("*.csv")
    return dataset_rows(path)


def cell(view: HardwareView, row: int, column: int) -> str:
    item = view.data_page.table.item(row, column)
    return item.text() if item else ""


def save_screenshots(widget, name: str) -> None:
    from PySide6.QtWidgets import QApplication

    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1024, 640), (1600, 1000)):
        widget.resize(width, height)
        for _ in range(3):  # let the layouts settle (plots size their axes in a second pass)
            QApplication.processEvents()
        widget.grab().save(str(ARTIFACTS / f"hardware-{name}-{width}x{height}.png"))


def test_the_hardware_tab_is_ctrl_5_and_the_four_views_keep_ctrl_1_to_4(qtbot) -> None:
    window = open_window(qtbot)
    shortcuts = {a.text(): a.shortcut().toString() for a in window.view_menu.actions()}
    assert shortcuts == {
        "Ranking": "Ctrl+1",
        "Map": "Ctrl+2",
        "Signals": "Ctrl+3",
        "Jobs": "Ctrl+4",
        "Hardware": "Ctrl+5",
        "When": "Ctrl+6",
    }
    [hardware] = [a for a in window.view_menu.actions() if a.shortcut() == QKeySequence("Ctrl+5")]
    hardware.trigger()
    assert window.views.currentWidget() is window.hardware_view
    # the plan and the ranking's details make room for the tab's plots and tables, and come back with the ranking
    assert not window.plan_form.isVisible() and not window.details.isVisible()
    qtbot.waitUntil(lambda: window.hardware_view.width() > 0.9 * window.width(), timeout=2000)
    window.views.setCurrentWidget(window.table)
    assert window.plan_form.isVisible() and window.details.isVisible()
    hardware.trigger()
    # after the first paint the pages get the background tasks, and the Optimise page is built
    qtbot.waitUntil(lambda: window.hardware_view.optimise_page is not None, timeout=15000)
    assert window.hardware_view.data_page.load_button.isEnabled()
    save_screenshots(window, "window")
    window.close()


def test_a_folder_loads_off_the_gui_thread_and_shows_each_platform(qtbot, view: HardwareView, toy_dir: Path) -> None:
    with qtbot.waitSignal(view.data_page.loaded, timeout=10000) as loaded:
        load(qtbot, view, toy_dir)
    data = loaded.args[0]
    assert isinstance(data, BenchmarkSet) and data.hardware == ["cpu-slow", "gpu-fast"]
    assert view.data_page.table.rowCount() == 2
    assert [cell(view, r, 0) for r in range(2)] == ["cpu-slow", "gpu-fast"]
    assert cell(view, 0, 1) == "48"  # 8 layers x 3 learning rates x 2 repetitions
    assert cell(view, 0, 2).splitlines() == ["layers (int, 1 … 8)", "lr (float, bounds from the runs)"]
    assert cell(view, 1, 3) == "time(sec), acc, totEnergy(kW)"
    assert cell(view, 1, 4).startswith("3 ") and cell(view, 0, 5) == "toy_cpu-slow.csv"
    status = view.data_page.status.text()
    assert "toy" in status and "2 hardware platform(s)" in status and "96 measured runs" in status
    assert view.models_page.fit_button.isEnabled()  # the Models page has the data
    save_screenshots(view, "data")


def test_a_bad_folder_shows_the_loaders_message_and_leaves_nothing_loaded(
    qtbot, view: HardwareView, toy_dir: Path, tmp_path: Path
) -> None:
    with qtbot.waitSignal(view.data_page.loaded, timeout=10000):
        load(qtbot, view, toy_dir)
    bad = tmp_path / "bad"
    write_pair(bad, "cpu-slow")
    csv = write_pair(bad, "gpu-fast")
    lines = csv.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[2], "fast", 1)  # text in the time(sec) column, line 4 of the file
    csv.write_text("\n".join(lines) + "\n")

    with qtbot.waitSignal(view.data_page.cleared, timeout=10000):
        load(qtbot, view, bad)
    qtbot.waitUntil(lambda: "Not loaded" in view.data_page.status.text(), timeout=10000)
    status = view.data_page.status.text()
    assert "toy_gpu-fast.csv" in status and "row 4" in status and "time(sec)" in status, status
    assert "Traceback" not in status
    assert view.data_page.data is None and view.data_page.table.rowCount() == 0
    assert not view.models_page.fit_button.isEnabled() and view.models_page.data is None


def test_an_empty_path_says_what_to_do(qtbot, view: HardwareView) -> None:
    view.data_page.folder.clear()
    qtbot.keyClick(view.data_page.folder, Qt.Key.Key_Return)
    assert "Type a benchmark folder's path" in view.data_page.status.text()


def test_fitting_hands_the_data_and_models_to_the_optimise_page(qtbot, view: HardwareView, toy_dir: Path) -> None:
    with qtbot.waitSignal(view.data_page.loaded, timeout=10000):
        load(qtbot, view, toy_dir)
    received: list[tuple[object, object]] = []
    page = view.optimise_page
    original = page.set_fitted
    page.set_fitted = lambda data, surrogates: (received.append((data, surrogates)), original(data, surrogates))
    view.pages.setCurrentWidget(view.models_page)
    with qtbot.waitSignal(view.models_page.fitted, timeout=60000):
        qtbot.mouseClick(view.models_page.fit_button, Qt.MouseButton.LeftButton)
    [(data, surrogates)] = received
    assert data is view.data_page.data and set(surrogates.by_key) == {
        (h, t) for h in ("cpu-slow", "gpu-fast") for t in ("time(sec)", "acc", "totEnergy(kW)")
    }
    view.pages.setCurrentWidget(view.optimise_page.parentWidget())
    save_screenshots(view, "optimise")
    cleared: list[bool] = []
    page.clear = lambda: cleared.append(True)
    with qtbot.waitSignal(view.data_page.loaded, timeout=10000):
        load(qtbot, view, toy_dir)  # new data: the old models no longer apply anywhere
    assert cleared and view.models_page.surrogates is None and view.models_page.model.rowCount() == 0


def test_a_local_benchmark_from_the_window_fills_a_dataset_and_resumes(qtbot, view: HardwareView, tmp_path) -> None:
    script = write_script(tmp_path, SOLVER)
    out = tmp_path / "dataset"
    page = view.benchmark_page
    view.pages.setCurrentWidget(page)
    page.script.setText(str(script))
    page.grid.setPlainText("n=1..2\nscale=1,2")
    page.repeat.setValue(1)
    page.local_region.setText("europe-west4")
    page.out.setText(str(out))
    seen_totals: list[int] = []
    page.bar.valueChanged.connect(lambda _: seen_totals.append(page.bar.maximum()))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert page.cancel_button.isEnabled() and not page.start_button.isEnabled()
    qtbot.waitUntil(lambda: not page.running, timeout=BENCHMARK_TIMEOUT_MS)
    status = page.status.text()
    assert status.startswith("<b>Done.</b> 4 new run(s)"), status
    assert page.bar.value() == page.bar.maximum() == 4 and 4 in seen_totals
    save_screenshots(view, "benchmark")

    with qtbot.waitSignal(view.data_page.loaded, timeout=10000) as loaded:
        qtbot.mouseClick(page.load_button, Qt.MouseButton.LeftButton)  # "offer to load the folder"
    assert view.pages.currentWidget() is view.data_page
    [platform] = loaded.args[0].platforms
    assert platform.runs == 4 and {h.name for h in platform.hyperparameters} == {"n", "scale"}

    view.pages.setCurrentWidget(page)
    page.repeat.setValue(2)  # resume: the 4 recorded runs count as the first repetitions
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)  # the dry run says so before anything runs
    qtbot.waitUntil(lambda: "already recorded" in page.status.text(), timeout=60000)
    assert page.status.text().endswith("4 run(s) already recorded, skipped; 4 to run"), page.status.text()
    assert len(platform_rows(out)) == 4 and not page.running
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already recorded" in page.status.text() or not page.running, timeout=60000)
    assert "4 run(s) already recorded, skipped; 4 to run" in page.status.text(), page.status.text()
    qtbot.waitUntil(lambda: not page.running, timeout=BENCHMARK_TIMEOUT_MS)
    assert page.status.text().startswith("<b>Done.</b> 4 new run(s)"), page.status.text()
    assert len(platform_rows(out)) == 8  # every configuration twice now


def test_benchmark_form_problems_are_one_clear_line(qtbot, view: HardwareView, tmp_path: Path) -> None:
    page = view.benchmark_page
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Choose the script to benchmark" in page.status.text() and not page.running
    page.script.setText(str(write_script(tmp_path, SOLVER)))
    page.grid.setPlainText("n=1..")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Not started" in page.status.text() and "'1..' for n" in page.status.text() and not page.running
    page.grid.setPlainText("")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Type the grid" in page.status.text() and "--grid" not in page.status.text()
    page.grid.setPlainText("n=1..2")
    page.local.setChecked(False)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Choose where to benchmark" in page.status.text()
    page.machine.setText("n1-standard-4")
    page.accelerator.setText("nvidia-tesla-t4:x")
    page.vertex_region.setText("europe-west4")
    [add] = [b for b in page.findChildren(QPushButton) if b.text() == "Add Vertex AI platform"]
    add.click()
    assert "GPU count" in page.status.text() and page.vertex_list.count() == 0


def test_launch_with_this_opens_the_wizard_filled_in(qtbot) -> None:
    from carbon_gui.ui.hardware.optimise_page import LaunchPrefill
    from tests.ui.conftest import make_services

    services = replace(make_services(), jobs=job_service)
    window = open_window(qtbot, services=services)
    qtbot.waitUntil(lambda: window.jobs_controller.launch_action.isEnabled(), timeout=15000)
    arguments = ("--layers", "3", "--lr", "0.1")
    prefill = LaunchPrefill("n1-standard-8", "NVIDIA_TESLA_T4", 1, "europe-west4", 0.5, arguments)
    window.hardware_view.optimise_page._open_launch_wizard(prefill)  # what its "Launch with this" button calls
    wizard = window.jobs_controller.wizard
    choice = wizard.hardware_page.choice()
    assert wizard.windowTitle() == "Launch a training job in europe-west4"
    assert choice.machine_type == "n1-standard-8" and choice.hours == 0.5
    assert choice.args == arguments
    wizard.reject()
    window.close()


@pytest.mark.usefixtures("cloud_env")
def test_a_vertex_benchmark_from_the_window_launches_a_job_per_platform_and_stop_cancels_them(
    qtbot,
    view: HardwareView,
    fake_vertex: FakeVertex,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    """Through the storage emulator and the local Vertex AI server (tests/jobs/conftest.py); the jobs never end."""
    fake_vertex.script("run")
    page = view.benchmark_page
    view.pages.setCurrentWidget(page)
    page.script.setText(str(write_script(tmp_path, SOLVER)))
    page.grid.setPlainText("n=1..4")
    page.repeat.setValue(1)
    page.out.setText(str(tmp_path / "out"))
    page.local.setChecked(False)
    [add] = [b for b in page.findChildren(QPushButton) if b.text() == "Add Vertex AI platform"]
    for machine, gpu in (("n1-standard-4", ""), ("n1-standard-8", "nvidia-tesla-t4:1")):
        page.machine.setText(machine)
        page.accelerator.setText(gpu)
        page.vertex_region.setText(REGION)
        add.click()
    assert page.vertex_list.count() == 2
    assert page.vertex_list.item(1).text() == f"Vertex AI: n1-standard-8 + 1 × nvidia-tesla-t4 in {REGION}"
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Give the Google Cloud project" in page.status.text() and not page.running
    page.project.setText(PROJECT)
    page.image.setText(IMAGE)  # every bundled prebuilt image has ended: the user gives one
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().count(": running") == 2, timeout=60000)
    created = [r.body for r in fake_vertex.requests if r.method == "POST" and r.path.endswith("/customJobs")]
    assert {b["jobSpec"]["workerPoolSpecs"][0]["pythonPackageSpec"]["executorImageUri"] for b in created} == {IMAGE}
    assert "n1-standard-8+1xnvidia-tesla-t4: running, 0/4 runs" in page.status.text()
    assert page.bar.maximum() == 8
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
    assert page.status.text().startswith("<b>Cancelled: the completed runs are kept.</b>"), page.status.text()
    cancels = [r for r in fake_vertex.requests if r.method == "POST" and r.path.endswith(":cancel")]
    assert len(cancels) == 2


def test_a_path_with_markup_characters_is_shown_as_typed(qtbot, view: HardwareView, tmp_path: Path) -> None:
    page = view.benchmark_page
    page.script.setText(str(tmp_path / "x<b>y.py"))
    page.grid.setPlainText("n=1..2")
    page.out.setText(str(tmp_path / "out"))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "x&lt;b&gt;y.py is not a file" in page.status.text(), page.status.text()

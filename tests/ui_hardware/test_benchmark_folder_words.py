"""The benchmark's output folder holds another dataset: each front end says how to pick another folder in its own
words. The message said 'choose another --out folder' in the Hardware tab too, which has no --out (it has 'Choose
folder…'). The real benchmark page and CLI over a real folder; nothing runs."""

from pathlib import Path

from PySide6.QtCore import Qt

from carbon_gui.core import benchmark_grid as bg
from carbon_gui.jobs.benchmark import Hardware
from carbon_gui.jobs.request import LOCAL
from carbon_gui.ui.hardware.hardware_view import HardwareView
from tests.benchmark_runner.conftest import SOLVER, cli, write_script
from tests.ui_hardware.test_hardware_view import data_dir, view  # noqa: F401 - fixtures

REGION = "europe-west4"


def _folder_with_another_dataset(tmp_path: Path, script: Path) -> Path:
    """The folder holds a CSV under the name this benchmark's dataset would have, with other hyperparameters."""
    out = tmp_path / "dataset"
    out.mkdir()
    stem = bg.dataset_stem(bg.safe_name(script.stem), Hardware(LOCAL, REGION).hardware_id)
    (out / f"{stem}.csv").write_text(",".join(bg.dataset_columns(["depth"], [])) + "\n1\n", encoding="utf-8")
    return out


def test_the_hardware_tab_says_choose_folder(qtbot, view: HardwareView, tmp_path: Path) -> None:  # noqa: F811
    script = write_script(tmp_path, SOLVER)
    out = _folder_with_another_dataset(tmp_path, script)
    page = view.benchmark_page
    view.pages.setCurrentWidget(page)
    page.script.setText(str(script))
    page.grid.setPlainText("n=1..2")
    page.local_region.setText(REGION)
    page.out.setText(str(out))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    status = page.status.text()
    assert "The output folder holds another dataset" in status, status
    assert "--out" not in status and "Choose folder…" in status, status


def test_the_cli_says_out(tmp_path: Path, capsys) -> None:
    script = write_script(tmp_path, SOLVER)
    out = _folder_with_another_dataset(tmp_path, script)
    code = cli(["benchmark", "--script", str(script), "--grid", "n=1..2", "--local", "--region", REGION,
                "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "The output folder holds another dataset" in err and "--out" in err, err

"""Training → Compare hardware… in the real window: a rough estimate computed off the GUI thread, lowest CO2e first."""

import threading

import pytest
from PySide6.QtGui import QAction, QImage

from carbon_gui.core.hardware_compare import ESTIMATE_LABEL
from carbon_gui.ui.dialogs import compare_hardware_dialog
from carbon_gui.ui.dialogs.compare_hardware_dialog import CompareHardwareDialog
from carbon_gui.ui.models.hardware_compare_model import HEADERS


def open_dialog(window, qtbot) -> CompareHardwareDialog:
    window.plan_form.set_values("n1-standard-8", "nvidia-tesla-t4", 1, 10.0, None)
    action = window.findChild(QAction, "compareHardwareAction")
    assert action is not None and action.text() == "Compare &hardware…"
    action.trigger()
    dialog = window.findChild(CompareHardwareDialog, "compareHardwareDialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=15000)
    return dialog


def column(dialog: CompareHardwareDialog, number: int) -> list[str]:
    proxy = dialog.table.model()
    return [proxy.index(row, number).data() for row in range(proxy.rowCount())]


def test_the_dialog_estimates_the_job_panel_job_off_the_gui_thread(window, qtbot, monkeypatch) -> None:
    threads = []
    real_compare = compare_hardware_dialog.compare

    def recording_compare(*args, **kwargs):  # type: ignore[no-untyped-def]  # a spy: the real compare runs
        threads.append(threading.current_thread())
        return real_compare(*args, **kwargs)

    monkeypatch.setattr(compare_hardware_dialog, "compare", recording_compare)
    dialog = open_dialog(window, qtbot)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert ESTIMATE_LABEL in dialog.banner.text() and "Benchmark" in dialog.banner.text()
    kg = [dialog.model.estimate(row).emissions_kgco2e for row in range(dialog.model.rowCount())]
    assert kg == sorted(kg)
    assert column(dialog, HEADERS.index("CO₂e"))[0].endswith(("kg", " g", "mg")), "a unit on every number"
    reference_rows = [r for r in range(dialog.model.rowCount()) if dialog.model.estimate(r).speedup == 1.0]
    assert reference_rows, "the T4 job itself is one of the options"
    assert all(dialog.model.estimate(r).hours == 10.0 for r in reference_rows)
    assert "★ yes" in column(dialog, 0)
    assert "Pareto-optimal" in dialog.status.text()
    assert "Not estimated" in dialog.notes.text()


def test_a_speedup_changes_the_estimate_and_bad_input_is_said_in_the_dialog(window, qtbot) -> None:
    dialog = open_dialog(window, qtbot)
    rows_before = dialog.model.rowCount()
    dialog.speedups.setText("nvidia-l4=-1")
    dialog.estimate_button.click()
    qtbot.waitUntil(lambda: "Cannot estimate" in dialog.status.text(), timeout=15000)
    assert "above 0" in dialog.status.text()
    assert dialog.model.rowCount() == rows_before, "the last good estimate stays on screen"
    dialog.speedups.setText("nvidia-l4=4")
    dialog.estimate_button.click()
    qtbot.waitUntil(lambda: "Pareto-optimal" in dialog.status.text(), timeout=15000)
    l4 = [dialog.model.estimate(r) for r in range(dialog.model.rowCount())]
    l4 = [e for e in l4 if e.option.gpu_type == "nvidia-l4"]
    assert l4 and all(e.hours == pytest.approx(2.5) for e in l4)


def test_screenshot(window, qtbot, artifacts_dir) -> None:
    dialog = open_dialog(window, qtbot)
    dialog.resize(1024, 640)
    qtbot.wait(50)
    path = artifacts_dir / "compare_hardware_dialog.png"
    assert dialog.grab().save(str(path))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1024, 640)

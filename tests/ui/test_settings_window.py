"""The real window started from a careless settings.json (the app's own start-up path): it opens, ranks, and says
once which saved values it could not use; the file is rewritten only when the user changes something."""

import json
import math
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from carbon_gui.app import window_from_saved_settings
from carbon_gui.settings import load_settings
from carbon_gui.ui.main_window import MainWindow
from tests.ui.conftest import make_services


def write_settings(config: Path, **fields: Any) -> Path:
    config.mkdir(parents=True, exist_ok=True)
    path = config / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, "hours": 30, **fields}), encoding="utf-8")
    return path


def open_saved(qtbot) -> MainWindow:
    window = window_from_saved_settings(make_services())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ranking is not None and bool(warning_boxes(window)), timeout=15000)
    return window


def warning_boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox, "settingsWarning") if b.isVisible()]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"trust_overrides": {"FRA": "nonsense"}}, ["'trust_overrides'", "FRA", "'nonsense'"]),
        ({"machine": 5}, ["'machine'", "5"]),
        ({"machine": "nope-1"}, ["'machine'", "'nope-1'", "a2-highgpu-1g"]),
        ({"hours": math.nan}, ["'hours'", "NaN", "12 h"]),
        ({"machine": "n1-standard-8", "accelerator": "nvidia-tesla-a100"}, ["'accelerator'", "nvidia-tesla-a100"]),
        ({"carbon_year": 1999}, ["'carbon_year'", "1999", "newest"]),
    ],
    ids=["trust-tier", "machine-number", "machine-unknown", "hours-nan", "gpu-not-attachable", "year-unknown"],
)
def test_bad_saved_values_open_a_ranked_window_with_a_message(
    qtbot, _private_config_dir: Path, fields: dict[str, Any], words: list[str]
) -> None:
    write_settings(_private_config_dir, **fields)
    window = open_saved(qtbot)
    assert "Finding your location" not in window.summary.text()
    assert "regions ranked" in window.summary.text()
    (box,) = warning_boxes(window)
    assert box.windowModality() == Qt.WindowModality.NonModal  # the window stays usable
    for word in words:
        assert word in box.informativeText()
    assert "Traceback" not in box.informativeText()
    if "hours" not in fields:
        assert window.plan_form.hours.value() == 30  # the good value next to the bad one is kept
    window.close()


def test_the_unknown_machine_falls_back_to_the_default(qtbot, _private_config_dir: Path) -> None:
    write_settings(_private_config_dir, machine="nope-1")
    window = open_saved(qtbot)
    assert window.plan_form.machine_name() == "a2-highgpu-1g"
    assert window.ranking is not None and window.ranking.ranked
    window.close()


def test_the_message_is_shown_once(qtbot, _private_config_dir: Path) -> None:
    write_settings(_private_config_dir, hours=math.nan)
    window = open_saved(qtbot)
    warning_boxes(window)[0].close()
    window.plan_form.hours.setValue(20)  # reassess and rerank
    qtbot.wait(100)
    assert warning_boxes(window) == []
    window.close()


def test_the_file_is_left_alone_until_the_user_changes_a_setting(qtbot, _private_config_dir: Path) -> None:
    path = write_settings(_private_config_dir, hours=math.nan, trust_overrides={"FRA": "nonsense", "USA": "restricted"})
    before = path.read_bytes()
    window = open_saved(qtbot)
    window.close()
    assert path.read_bytes() == before

    again = open_saved(qtbot)
    again.plan_form.hours.setValue(20)
    again.close()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["hours"] == 20
    assert saved["trust_overrides"] == {"USA": "restricted"}  # the valid values are written, the bad one is gone
    assert load_settings().trust_overrides == {"USA": "restricted"}

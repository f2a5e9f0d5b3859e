"""On a 1024x640 screen every dialog opens within the screen, window frame included: the launch wizard (900x720)
hid its Launch and Cancel buttons below the screen's edge, Countries could not be narrower than 1075 px and Cleanest
region now opened up to 1300 px wide. Qt's offscreen platform takes its screen's size from a config file when the
application starts, so the dialogs are opened in a pytest process of their own (small_screen_dialogs.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)
LAPTOP = {"name": "laptop", "x": 0, "y": 0, "width": 1024, "height": 640, "logicalDpiX": 96, "logicalDpiY": 96}


def test_every_dialog_fits_a_1024x640_screen(tmp_path: Path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [LAPTOP]}), encoding="utf-8")
    inner = Path(__file__).with_name("small_screen_dialogs.py")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(inner)], cwd=root,
                         env=env, capture_output=True, text=True, timeout=280)  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout

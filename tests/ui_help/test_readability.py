"""The window is readable on a dark system palette and at 200 % scaling: each run renders every tab (and the jobs
tab's coloured messages) in a process of its own with QT_SCALE_FACTOR set, measures every visible text's contrast
on the rendered pixels and checks that no text is clipped. The PNGs go to test-artifacts/ui_help/ to look at."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def render(out: Path, scheme: str, size: str, scale: str, tmp_path: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    env |= {"CARBON_GUI_CONFIG_DIR": str(tmp_path / "config"), "CARBON_GUI_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "tests.ui_help.render_window", str(out), scheme, size],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("scheme", "size", "scale"),
    [("dark", "1024x640", "2"), ("light", "1024x640", "2"), ("dark", "1380x860", "1")],
)
def test_every_tab_is_readable(scheme, size, scale, artifacts_dir, tmp_path):
    out = artifacts_dir / "ui_help"
    out.mkdir(exist_ok=True)
    result = render(out, scheme, size, scale, tmp_path)
    assert result["scale"] == float(scale)
    assert len(result["shots"]) >= 6 and all(Path(shot).stat().st_size > 10_000 for shot in result["shots"])
    assert result["checked"] > 100, "the check saw the window's texts"
    assert result["problems"] == []

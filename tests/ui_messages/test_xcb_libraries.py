"""Issue 11 item 14: without the xcb libraries Qt's platform plugin needs, `carbon-gui` says which are missing and the
command that installs them, instead of Qt's raw plugin error and an abort. A real subprocess on this machine."""

import os
import subprocess
import sys

import pytest

from carbon_gui.app import missing_xcb_libraries

pytestmark = pytest.mark.timeout(60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_missing_xcb_libraries_are_named_with_the_install_command(tmp_path):
    missing = missing_xcb_libraries()
    if not missing:
        pytest.skip("this machine has every library the xcb plugin needs")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env |= {"DISPLAY": ":99", "CARBON_GUI_CONFIG_DIR": str(tmp_path / "config"), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "carbon_gui"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "qt.qpa.plugin" not in done.stderr
    assert "sudo apt-get install " in lines[0]
    for package in missing:
        assert package in lines[0]

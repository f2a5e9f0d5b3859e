"""Runs an installed carbon-gui (source venv, wheel venv or the PyInstaller build) the way a user would."""

import os
import socket
import subprocess
from pathlib import Path

# A user's desktop may set these; the self-test must work without any of them (it sets offscreen itself).
UNSET = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "CARBON_GUI_ELECTRICITYMAPS_URL",
         "CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD",
         "PYTHONPATH")  # fmt: skip


def run_command(command: list[str], cwd: Path, timeout_s: float = 180, **env: str) -> subprocess.CompletedProcess[str]:
    """`command` from `cwd` (outside the source tree), with a private HOME, config and cache, and `env` added."""
    environ = {k: v for k, v in os.environ.items() if k not in UNSET}
    environ.update(HOME=str(cwd), CARBON_GUI_CONFIG_DIR=str(cwd / "config"), CARBON_GUI_CACHE_DIR=str(cwd / "cache"))
    environ.update(env)
    return subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout_s, check=False)


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens: a provider that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v3"


def assert_self_test_passed(result: subprocess.CompletedProcess[str]) -> None:
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Traceback" not in report, report
    lines = result.stdout.splitlines()
    assert "window: opened on the 'offscreen' platform" in result.stdout, report
    assert "with the app icon in 7 sizes, desktop id io.github.carbongui.CarbonGui" in result.stdout, report
    assert any(line.startswith("rank: ") and "regions ranked" in line for line in lines), report
    assert any(line.startswith("fetch: 3 zones' live signals from http://127.0.0.1:") for line in lines), report
    assert lines[-1] == "self-test passed", report

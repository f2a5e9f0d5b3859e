"""SecretStore against a real OS keyring: gnome-keyring's Secret Service on a private D-Bus session.

The script runs in a subprocess under `dbus-run-session` with a throw-away HOME, XDG_DATA_HOME and
XDG_RUNTIME_DIR, and DISPLAY unset (with a display, a wrong password would open an unlock prompt
and hang). gnome-keyring-daemon is unlocked with a test password read from the environment.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.secret_store import files_containing

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60
INSTALL = "apt-get install -y --no-install-recommends gnome-keyring dbus (scripts/bootstrap.sh does it as root)"
UNLOCK_AND_RUN = 'eval "$(printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets)"; exec "$@"'

SCRIPT = textwrap.dedent(
    """
    import json, os, pathlib, sys

    import keyring

    from carbon_gui.secrets import Credentials, Secret, SecretStore

    sentinel = sys.argv[1]
    backend = keyring.get_keyring()
    out = {"backend": f"{type(backend).__module__}.{type(backend).__qualname__}"}
    store = SecretStore()
    out["name"] = store.backend_name()
    out["persistent"] = store.persistent_available()

    store.save(Credentials(Secret(sentinel), "alice", Secret(sentinel + "-pw")))
    stored = [p for p in pathlib.Path(os.environ["HOME"]).parent.rglob("*") if p.is_file()]
    out["files_with_key"] = [str(p) for p in stored if sentinel.encode() in p.read_bytes()]
    out["keyring_files"] = len([p for p in stored if p.suffix == ".keyring"])
    loaded = SecretStore().load()  # a new store: only the keyring can answer
    out["loaded"] = [
        loaded.electricitymaps_token == Secret(sentinel),
        loaded.watttime_username,
        loaded.watttime_password == Secret(sentinel + "-pw"),
    ]

    store.rotate(Credentials(Secret(sentinel + "-rotated")))
    rotated = SecretStore().load()
    out["rotated"] = rotated.electricitymaps_token == Secret(sentinel + "-rotated")
    out["password_kept"] = rotated.watttime_password == Secret(sentinel + "-pw")

    store.clear("electricitymaps")
    out["after_clear_electricitymaps"] = repr(SecretStore().load())
    store.clear("watttime")
    out["after_clear_all"] = repr(SecretStore().load())
    out["raw_after_clear"] = keyring.get_password("carbon-gui", "electricitymaps-token")
    print(json.dumps(out))
    """
)


def keyring_tools() -> tuple[str, str] | None:
    daemon, session = shutil.which("gnome-keyring-daemon"), shutil.which("dbus-run-session")
    return (daemon, session) if daemon and session else None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gnome-keyring runs on Linux only")
def test_round_trip_through_gnome_keyring(tmp_path: Path) -> None:
    if keyring_tools() is None:
        pytest.skip(f"gnome-keyring-daemon or dbus-run-session not found; install them with: {INSTALL}")
    home, data, runtime = tmp_path / "home", tmp_path / "data", tmp_path / "runtime"
    home.mkdir()
    data.mkdir()
    runtime.mkdir(mode=0o700)
    script = tmp_path / "keyring_round_trip.py"
    script.write_text(SCRIPT, encoding="utf-8")
    sentinel = "sentinel-" + secrets.token_hex(12)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHONPATH": str(REPO_ROOT),
        "PW": "test-" + secrets.token_hex(8),
        "LANG": "C.UTF-8",
    }  # no DISPLAY, WAYLAND_DISPLAY, DBUS_SESSION_BUS_ADDRESS or PYTHON_KEYRING_BACKEND from outside
    command = ["dbus-run-session", "--", "bash", "-c", UNLOCK_AND_RUN, "_", sys.executable, str(script), sentinel]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the keyring round trip did not finish within {TIMEOUT_S} s")
    assert proc.returncode == 0, stderr[-3000:]
    out = json.loads(stdout.strip().splitlines()[-1])

    assert out["backend"] == "keyring.backends.SecretService.Keyring", out
    assert out["name"] == "Secret Service (GNOME Keyring / KWallet)"
    assert out["persistent"] is True
    assert out["loaded"] == [True, "alice", True]
    assert out["rotated"] is True and out["password_kept"] is True
    assert out["after_clear_electricitymaps"] == (
        "Credentials(electricitymaps_token=None, watttime_username='alice', watttime_password=Secret('••••'))"
    )
    assert (
        out["after_clear_all"]
        == "Credentials(electricitymaps_token=None, watttime_username=None, watttime_password=None)"
    )
    assert out["raw_after_clear"] is None
    assert sentinel not in stdout + stderr
    # while stored, the key was in gnome-keyring's encrypted file only, nowhere in plain text
    assert out["keyring_files"] >= 1 and out["files_with_key"] == []
    assert files_containing(sentinel, tmp_path) == []

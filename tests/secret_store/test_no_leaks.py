"""A sentinel key goes through a whole session (store, use, rotate, the keys dialog, settings, logs, a
crash report) and is then searched for in every file written under the test's HOME, config and cache
directories: there must be no hit."""

import dataclasses
import json
import logging
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from carbon_gui.secrets import Credentials, Secret, SecretStore, credentials_from_env
from carbon_gui.settings import UserSettings, config_dir, save_settings
from carbon_gui.ui.dialogs.keys_dialog import KeysDialog
from tests.secret_store import MemoryKeyring, files_containing

SENTINEL = "sentinel-Wm7r-5772156649"


@pytest.fixture
def app_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME, XDG dirs and the cache under tmp_path (the config dir is there already: tests/conftest.py),
    and a DEBUG log file in HOME, as an app with file logging would have."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in [("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"), ("XDG_CACHE_HOME", ".cache")]:
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("CARBON_GUI_CACHE_DIR", str(tmp_path / "cache"))
    handler = logging.FileHandler(home / "carbon-gui.log", encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield tmp_path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def crash_report(exc: BaseException, path: Path) -> None:
    """What a crash handler would write: the traceback with every frame's locals."""
    path.write_text("".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format()))


def use(creds: Credentials) -> None:
    """Code that works with the keys, logs them by mistake, then fails."""
    log = logging.getLogger("carbon_gui.live")
    log.debug("fetching with %s; token %s (%r)", creds, creds.electricitymaps_token, creds.watttime_password)
    raise RuntimeError(f"provider refused {creds.electricitymaps_token}")


def test_a_sentinel_key_is_never_written_to_a_file(app_dirs, qtbot, caplog):
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.save(Credentials(Secret(SENTINEL), "alice", Secret(SENTINEL + "-pw")))
    loaded = SecretStore(backend).load()
    assert loaded.has_electricitymaps and loaded.has_watttime
    try:
        use(loaded)
    except RuntimeError as exc:
        crash_report(exc, app_dirs / "home" / "crash.txt")
    store.rotate(Credentials(Secret(SENTINEL + "-rotated")))
    assert SecretStore(backend).load().electricitymaps_token == Secret(SENTINEL + "-rotated")

    # settings and an export, as the window writes them
    save_settings(UserSettings())
    (app_dirs / "home" / "export.json").write_text(json.dumps(dataclasses.asdict(UserSettings())))
    # the environment path, as the CLI takes it
    env_creds = credentials_from_env({"CARBON_GUI_ELECTRICITYMAPS_TOKEN": SENTINEL + "-env"})
    logging.getLogger("carbon_gui.cli").info("credentials from the environment: %s", env_creds)

    # the keys dialog: save a new key, test it off the GUI thread, close
    def check(provider: str, creds: Credentials) -> str:
        assert threading.current_thread() is not threading.main_thread()
        logging.getLogger("carbon_gui.check").debug("checking %s with %s", provider, creds)
        return "accepted"

    dialog = KeysDialog(store, check)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)  # the dialog reads the keyring off the GUI thread
    qtbot.keyClicks(dialog.token, SENTINEL + "-dialog")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_results["electricitymaps"].text() == "accepted", timeout=5000)
    dialog.accept()
    assert SecretStore(backend).load().electricitymaps_token == Secret(SENTINEL + "-dialog")

    # a session without a keyring: keys in memory only
    session = SecretStore(fail.Keyring())
    session.save(Credentials(Secret(SENTINEL + "-session")), session_only=True)
    assert session.load().has_electricitymaps

    written = [p for p in app_dirs.rglob("*") if p.is_file()]
    assert config_dir() / "settings.json" in written
    assert {"crash.txt", "carbon-gui.log", "export.json"} <= {p.name for p in written}
    assert "fetching with" in (app_dirs / "home" / "carbon-gui.log").read_text()
    assert "provider refused ••••" in (app_dirs / "home" / "crash.txt").read_text()
    assert files_containing(SENTINEL, app_dirs, config_dir()) == []
    assert SENTINEL not in caplog.text
    assert SENTINEL in str(backend.entries)  # it was stored: in the keyring, and only there

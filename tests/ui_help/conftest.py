"""Help menu, crash handling and logging tests: a real window, a private log dir, keys only in an in-memory keyring
(no real OS keyring exists on a headless CI machine: MemoryKeyring stands in for it) and a sentinel key in the
environment, so every text the app shows or writes can be scanned for them."""

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbon_gui import app_log
from carbon_gui.secrets import Credentials, Secret, SecretStore
from tests.secret_store import MemoryKeyring
from tests.ui.conftest import make_services

KEYRING_SENTINEL = "kr-SENTINEL-9f3a77c1e2d4"
ENV_SENTINEL = "env-SENTINEL-41b0c8d9aa17"
SENTINELS = [KEYRING_SENTINEL, ENV_SENTINEL]


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "logs"
    monkeypatch.setenv(app_log.LOG_DIR_ENV, str(folder))
    monkeypatch.delenv(app_log.LOG_LEVEL_ENV, raising=False)
    hooks = sys.excepthook, threading.excepthook
    yield folder
    app_log.stop_logging()
    sys.excepthook, threading.excepthook = hooks
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(None)


@pytest.fixture
def sentinel_store(monkeypatch: pytest.MonkeyPatch) -> SecretStore:
    monkeypatch.setenv("CARBON_GUI_ELECTRICITYMAPS_TOKEN", ENV_SENTINEL)
    store = SecretStore(MemoryKeyring())
    store.save(Credentials(None, "someone", Secret(KEYRING_SENTINEL)))
    return store


def services_with(store: SecretStore):
    services = make_services()
    return type(services)(**{**services.__dict__, "secret_store": lambda: store})


def assert_no_sentinel(text: str) -> None:
    from tests.integration.secret_scan import encoded_forms

    for secret in SENTINELS:
        for form in encoded_forms(secret):
            assert form.decode() not in text, f"{secret!r} ({form!r}) shown"

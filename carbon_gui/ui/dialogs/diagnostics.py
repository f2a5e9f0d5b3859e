"""Help → Diagnostics: what a bug report needs (versions, paths, keyring backend, data ages, log level), with Copy.

Never a key: the text names the keyring backend and which key variables are set, not their values, and is scrubbed
like the log before it is shown.
"""

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from carbon_gui.app_log import LOG_LEVEL_ENV, Scrubber, current_log_file, log_dir, log_level, versions
from carbon_gui.cloud.ledger import default_path as ledger_path
from carbon_gui.providers import cache_dir
from carbon_gui.secrets import ENV_KEY_VARIABLES, SecretStore
from carbon_gui.settings import settings_path
from carbon_gui.ui.dialogs.about import data_facts


def keyring_line(store: Callable[[], SecretStore] | None) -> str:
    if store is None:
        return "not used in this window"
    try:
        opened = store()
    except Exception as err:  # noqa: BLE001 - the report must open even when the keyring is broken
        return f"could not be opened ({type(err).__name__})"
    usable = "" if opened.persistent_available() else " (keys can be kept for this session only)"
    return opened.backend_name() + usable


def cache_age(folder: Path, now: float | None = None) -> str:
    """How long ago anything in the HTTP cache changed: the age of the newest live data kept."""
    try:
        newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=None)
    except OSError:
        newest = None
    if newest is None:
        return "empty"
    minutes = max(0.0, ((now or time.time()) - newest) / 60)
    return f"updated {minutes:.0f} min ago" if minutes < 120 else f"updated {minutes / 60:.1f} h ago"


def diagnostics_text(store: Callable[[], SecretStore] | None, saved_level: str | None) -> str:
    facts = data_facts()
    set_keys = [name for name in ENV_KEY_VARIABLES if os.environ.get(name)]
    env_level = os.environ.get(LOG_LEVEL_ENV)
    level_from = f"from {LOG_LEVEL_ENV}={env_level}" if env_level else "from Settings → Log level"
    lines = [
        f"carbon_gui diagnostics, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        *(f"{name}: {version}" for name, version in versions().items()),
        "",
        f"Keyring: {keyring_line(store)}",
        f"Key variables set: {', '.join(set_keys) if set_keys else 'none'}",
        "",
        f"Reference data: Google region carbon {facts.carbon_years}; prices as of {facts.price_date}; "
        f"Electricity Maps replay {facts.replay_range}",
        f"Live data cache: {cache_age(cache_dir())}",
        "",
        f"Settings: {settings_path()}",
        f"Cache: {cache_dir()}",
        f"Job ledger: {ledger_path()}",
        f"Log: {current_log_file() or log_dir()} (level {log_level(saved_level)}, {level_from})",
    ]
    return Scrubber(lambda: _keyring_secrets(store))("\n".join(lines))


def _keyring_secrets(store: Callable[[], SecretStore] | None) -> list[str]:
    return store().load().secret_values() if store is not None else []


class DiagnosticsDialog(QDialog):
    def __init__(
        self, store: Callable[[], SecretStore] | None, saved_level: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowTitle("Diagnostics")
        intro = QLabel("For a bug report: paste this text. It holds no keys.")
        self.text = QPlainTextEdit(diagnostics_text(store, saved_level))
        self.text.setObjectName("diagnosticsText")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(760, 460)

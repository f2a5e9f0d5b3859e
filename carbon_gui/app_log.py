"""The app's log file and crash reports (no Qt here: the window's crash dialog lives in ui/dialogs/crash_dialog.py).

The log is a rotating file, `carbon-gui.log`, in platformdirs' user log dir (CARBON_GUI_LOG_DIR overrides it), owner
only (directory 0700, files 0600). Its level comes from CARBON_GUI_LOG_LEVEL, else from the settings. Every line and
every crash report is scrubbed: the keys the app knows of are masked, and so is whatever follows a key-like name
("auth-token: …", "Authorization: Bearer …", "password=…"), in case a library quotes a key the app has not seen.
"""

import contextlib
import logging
import logging.handlers
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import platformdirs

from carbon_gui.secrets import MASK, PRIVATE_KEY_MARK, env_secret_values, redact
from carbon_gui.settings import LOG_LEVELS

APP_NAME = "carbon-gui"
LOG_FILE = "carbon-gui.log"
LOG_DIR_ENV = "CARBON_GUI_LOG_DIR"
LOG_LEVEL_ENV = "CARBON_GUI_LOG_LEVEL"
DEFAULT_LOG_LEVEL = "WARNING"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
SECRETS_TTL_S = 30.0  # how long the known keys are reused before they are asked for again (a keyring call)

# A key-like name, a separator, then the value: the value is masked. "Bearer"/"Basic" may precede it.
_KEY_LIKE = re.compile(
    r"(?i)\b(auth-token|authorization|password|passwd|api[_-]?key|access[_-]?token|refresh[_-]?token|token|secret)"
    r"(['\"]?\s*[:=]\s*['\"]?(?:(?:bearer|basic)\s+)?)([^\s'\",;&}]+)"
)
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL)

SecretsSource = Callable[[], Iterable[str]]


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME))


def log_level(saved: str | None) -> str:
    """CARBON_GUI_LOG_LEVEL if it names a level, else the saved one, else WARNING."""
    wanted = os.environ.get(LOG_LEVEL_ENV, "").strip().upper()
    if wanted in LOG_LEVELS:
        return wanted
    return saved if saved in LOG_LEVELS else DEFAULT_LOG_LEVEL


class Scrubber:
    """Masks secrets in text: the ones `source` knows (asked again at most every SECRETS_TTL_S) and those in the
    environment's key variables, plus anything that looks like a key by its name."""

    def __init__(self, source: SecretsSource | None = None) -> None:
        self._source = source
        self._known: list[str] = []
        self._asked_at = -SECRETS_TTL_S

    def known_secrets(self) -> list[str]:
        if self._source is not None and time.monotonic() - self._asked_at >= SECRETS_TTL_S:
            self._asked_at = time.monotonic()
            try:
                self._known = [s for s in self._source() if s]
            except Exception:  # noqa: BLE001 - a broken keyring must not break logging or crash reports
                self._known = []
        return [*self._known, *env_secret_values(os.environ)]

    def __call__(self, text: str) -> str:
        text = redact(text, self.known_secrets())
        text = _PEM_BLOCK.sub(MASK, text) if PRIVATE_KEY_MARK in text else text
        return _KEY_LIKE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


class _ScrubbingFormatter(logging.Formatter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


def _private_dir(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    return folder


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Each file it opens (the first and every rotated one) is owner-only before anything is written to it."""

    def _open(self):  # type: ignore[no-untyped-def]  # the base class leaves it untyped
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)  # a file made earlier with a laxer mode
        return os.fdopen(descriptor, "a", encoding=self.encoding or "utf-8", errors=self.errors)


_handler: logging.Handler | None = None
_scrubber = Scrubber()


def setup_logging(level: str, secrets: SecretsSource | None = None) -> Path | None:
    """The rotating log file at `level` on the root logger (set up once; a second call changes the level).

    Returns the file's path, or None when the log dir cannot be written (the app runs without a log file)."""
    global _handler, _scrubber
    root = logging.getLogger()
    root.setLevel(level)
    if _handler is not None:
        _handler.setLevel(level)
        return Path(getattr(_handler, "baseFilename", ""))
    _scrubber = Scrubber(secrets)
    try:
        path = _private_dir(log_dir()) / LOG_FILE
        handler = _PrivateRotatingFileHandler(path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    except OSError as err:
        print(f"carbon-gui: no log file ({err.strerror}: {log_dir()}); logging to the terminal only.", file=sys.stderr)
        return None
    handler.setFormatter(_ScrubbingFormatter(_scrubber))
    handler.setLevel(level)
    root.addHandler(handler)
    _handler = handler
    logging.captureWarnings(True)
    return path


def stop_logging() -> None:
    """Removes the log file handler (tests; the app keeps it until exit)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def current_log_file() -> Path | None:
    return Path(_handler.baseFilename) if isinstance(_handler, logging.FileHandler) else None


def versions() -> dict[str, str]:
    """The versions a bug report needs; Qt's only if the app has loaded it."""
    from importlib import metadata

    found = {"carbon-gui": app_version(), "Python": platform.python_version(), "Platform": platform.platform()}
    # PySide6 may be installed as the full "PySide6" or as "PySide6-Essentials"
    packages = {"PySide6": ("PySide6", "PySide6-Essentials"), "pyqtgraph": ("pyqtgraph",), "keyring": ("keyring",),
                "requests": ("requests",)}  # fmt: skip
    for package, distributions in packages.items():
        found[package] = "not installed"
        for distribution in distributions:
            with contextlib.suppress(metadata.PackageNotFoundError):
                found[package] = metadata.version(distribution)
                break
    qt_core = sys.modules.get("PySide6.QtCore")
    if qt_core is not None:
        found["Qt"] = qt_core.qVersion()
    return found


def app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def crash_report(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None, where: str = "main thread"
) -> str:
    """The scrubbed text of a crash report: what failed, where, the traceback and the versions."""
    lines = [
        f"carbon-gui crash report, {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"Unhandled {kind.__name__} in the {where}.",
        "",
        *(line.rstrip("\n") for line in traceback.format_exception(kind, error, trace)),
        "",
        *(f"{name}: {version}" for name, version in versions().items()),
    ]
    return _scrubber("\n".join(lines))


def write_crash_report(report: str) -> Path | None:
    """Saves the (already scrubbed) report as crash-<time>.txt in the log dir, owner-only; None if it cannot."""
    try:
        folder = _private_dir(log_dir())
        path = folder / f"crash-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(report + "\n")
    except OSError:
        return None
    return path


def set_level(level: str) -> None:
    """A new level for the log file, if there is one (the Settings menu; tests have none)."""
    if _handler is not None:
        logging.getLogger().setLevel(level)
        _handler.setLevel(level)

"""Composition root: builds the services and hands them to the window."""

import os
import sys
import threading
from typing import TYPE_CHECKING

from carbon_gui.settings import read_settings, save_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QApplication, QWidget

    from carbon_gui.cloud.gcp_auth import GcpAccess
    from carbon_gui.jobs.service import JobService
    from carbon_gui.secrets import Credentials, SecretStore
    from carbon_gui.sources.reference import ReferenceData
    from carbon_gui.ui.dialogs.crash_dialog import CrashHandler
    from carbon_gui.ui.main_window import MainWindow
    from carbon_gui.ui.services import Services


def _no_display() -> bool:
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    )


def _debian_package(soname: str) -> str:
    """The Debian package that ships a library: 'libxcb-icccm.so.4' -> 'libxcb-icccm4', 'libEGL.so.1' -> 'libegl1'."""
    base, _, version = soname.partition(".so.")
    major = version.split(".")[0]
    return f"{base}{'-' if base[-1:].isdigit() else ''}{major}".lower()


def missing_xcb_libraries() -> list[str]:
    """Packages missing for Qt's xcb platform plugin (Linux): what `ldd` cannot find for the plugin, and
    libxcb-cursor, which the plugin loads by name since Qt 6.5. [] when all are there or the check cannot run."""
    import ctypes.util
    import shutil
    import subprocess
    from pathlib import Path

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    ldd = shutil.which("ldd")
    if not plugin.exists() or ldd is None:
        return []
    try:
        listing = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    sonames = [line.split()[0] for line in listing.splitlines() if "not found" in line]
    if ctypes.util.find_library("xcb-cursor") is None:
        sonames.append("libxcb-cursor.so.0")
    return list(dict.fromkeys(_debian_package(name) for name in sonames))


def _uses_xcb() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    on_x11 = bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")
    return sys.platform.startswith("linux") and on_x11


def city_names() -> list[str]:
    from carbon_gui.sources.places import all_cities

    return [c.label for c in all_cities()]


class SharedSecretStore:
    """One SecretStore for the window, opened on first use (keyring takes ~70 ms to load), so
    keys kept 'for this session only' are seen by both the Keys dialog and the data fetches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store: SecretStore | None = None

    def __call__(self) -> "SecretStore":
        from carbon_gui.secrets import SecretStore

        with self._lock:
            if self._store is None:
                self._store = SecretStore()
            return self._store

    def credentials(self) -> "Credentials":
        """The keyring's keys; environment variables fill in a provider the keyring lacks."""
        from carbon_gui.secrets import SecretStoreError, credentials_from_env

        env = credentials_from_env(os.environ)
        try:
            return self().load().with_fallback(env)
        except SecretStoreError:
            return env


class SharedJobService:
    """One JobService for the window, made on first use on the pool: its modules pull in the Google
    clients' helpers, which start-up should not pay for."""

    def __init__(self, store: SharedSecretStore, load_reference: "Callable[[], ReferenceData]") -> None:
        self._store = store
        self._load_reference = load_reference
        self._lock = threading.Lock()
        self._service: JobService | None = None

    def access(self) -> "GcpAccess":
        """The service-account key from the keyring when the user gave one, else ADC (or anonymous)."""
        from carbon_gui.cloud.gcp_auth import resolve_access

        key = self._store().load_service_account_key()
        return resolve_access(key.reveal() if key else None)

    def __call__(self) -> "JobService":
        from carbon_gui.jobs.service import JobService

        with self._lock:
            if self._service is None:
                self._service = JobService(self._load_reference, access=self.access)
            return self._service


def keyring_secrets(store: "Callable[[], SecretStore]") -> list[str]:
    """The keys in the keyring (and kept for this session), for scrubbing logs and crash reports."""
    opened = store()
    service_account = opened.load_service_account_key()
    return [*opened.load().secret_values(), *([service_account.reveal()] if service_account else [])]


def install_crash_handling(
    window: "Callable[[], QWidget | None]", store: "Callable[[], SecretStore] | None", saved_level: str | None
) -> "CrashHandler":
    """The log file (level: CARBON_GUI_LOG_LEVEL, else the saved one) and the crash dialog for unhandled errors."""
    from carbon_gui.app_log import log_level, setup_logging
    from carbon_gui.ui.dialogs.crash_dialog import CrashHandler

    setup_logging(log_level(saved_level), (lambda: keyring_secrets(store)) if store else None)
    handler = CrashHandler(window)
    handler.install()
    return handler


def build_window(store: SharedSecretStore | None = None) -> "MainWindow":
    """The main window with the real services (a QApplication must exist)."""
    from carbon_gui.live_service import LiveService
    from carbon_gui.sources.places import default_location, resolve_location
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.ui.main_window import Services

    store = store or SharedSecretStore()
    jobs = SharedJobService(store, load_reference)
    services = Services(
        load_reference=load_reference,
        resolve_location=resolve_location,
        default_location=default_location,
        city_names=city_names,
        save_settings=save_settings,
        # fetched in a helper process: ~130 fetch threads parsing at once would starve the GUI thread of the GIL
        live=LiveService(store.credentials, isolate=True),
        secret_store=store,
        jobs=jobs,
        gcp_access=jobs.access,
    )
    return window_from_saved_settings(services)


def window_from_saved_settings(services: "Services") -> "MainWindow":
    """The window with the saved settings; it shows, once, the saved values it could not use."""
    from carbon_gui.ui.main_window import MainWindow

    loaded = read_settings()
    return MainWindow(loaded.settings, services, loaded.warnings)


def show_welcome_on_first_run(window: "MainWindow") -> None:
    """The welcome, once on the first run (and at each start while its box is ticked), once the window has painted."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, window.help_menu.show_welcome_if_wanted)


def main() -> int:
    if _no_display():
        print(
            "carbon-gui: no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop "
            "session, under 'xvfb-run -a carbon-gui', or use the commands: 'carbon-gui --help'.",
            file=sys.stderr,
        )
        return 2
    missing = missing_xcb_libraries() if _uses_xcb() else []
    if missing:  # Qt would print its plugin error and abort
        print(
            f"carbon-gui: the window needs system libraries that are missing ({', '.join(missing)}). "
            f"Install them with: sudo apt-get install {' '.join(missing)}   (or use the commands: 'carbon-gui --help')",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setApplicationName("carbon-gui")
    app.setApplicationDisplayName("carbon_gui")
    set_app_identity(app)
    app.setStyle("Fusion")
    store = SharedSecretStore()
    window = build_window(store)
    crash_handler = install_crash_handling(lambda: window, store, window.settings.log_level)
    window.show()
    show_welcome_on_first_run(window)
    exit_code = app.exec()
    del crash_handler  # kept alive while the app runs: it owns the hooks' signal
    return exit_code  # closing the window does not wait for background work: ui.workers waits (bounded) at exit


APP_ID = "io.github.carbongui.CarbonGui"  # the id of the desktop entry and AppStream metainfo in resources/


def set_app_identity(app: "QApplication") -> None:
    """The icon from resources/icons, and the desktop entry's id so docks and Wayland match windows to it."""
    from PySide6.QtGui import QIcon

    from carbon_gui.sources.reference import resources_dir

    icon = QIcon()
    for png in (resources_dir() / "icons").glob("carbon-gui-*.png"):
        icon.addFile(str(png))
    app.setWindowIcon(icon)
    app.setDesktopFileName(APP_ID)


def open_ranked_window(timeout_s: float = 30.0) -> tuple["QApplication", "MainWindow"]:
    """A shown window with its first ranking, for scripts that render or measure it unattended."""
    import time

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    set_app_identity(app)
    window = build_window()
    window.show()
    deadline = time.monotonic() + timeout_s
    while window.ranking is None and time.monotonic() < deadline:
        app.processEvents()
    if window.ranking is None:
        raise RuntimeError(f"the window produced no ranking within {timeout_s:.0f} s")
    return app, window

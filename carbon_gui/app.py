"""Composition root: builds the services and hands them to the window."""

import os
import sys
from typing import TYPE_CHECKING

from carbon_gui.settings import load_settings, save_settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from carbon_gui.ui.main_window import MainWindow


def _no_display() -> bool:
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    )


def city_names() -> list[str]:
    from carbon_gui.sources.places import all_cities

    return [c.label for c in all_cities()]


def build_window() -> "MainWindow":
    """The main window with the real services (a QApplication must exist)."""
    from carbon_gui.sources.places import default_location, resolve_location
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.ui.main_window import MainWindow, Services

    services = Services(
        load_reference=load_reference,
        resolve_location=resolve_location,
        default_location=default_location,
        city_names=city_names,
        save_settings=save_settings,
    )
    return MainWindow(load_settings(), services)


def main() -> int:
    if _no_display():
        print(
            "carbon-gui: no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop "
            "session, under 'xvfb-run -a carbon-gui', or use the commands: 'carbon-gui --help'.",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setApplicationName("carbon-gui")
    app.setApplicationDisplayName("carbon_gui")
    app.setStyle("Fusion")
    window = build_window()
    window.show()
    return app.exec()


def open_ranked_window(timeout_s: float = 30.0) -> tuple["QApplication", "MainWindow"]:
    """A shown window with its first ranking, for scripts that render or measure it unattended."""
    import time

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = build_window()
    window.show()
    deadline = time.monotonic() + timeout_s
    while window.ranking is None and time.monotonic() < deadline:
        app.processEvents()
    if window.ranking is None:
        raise RuntimeError(f"the window produced no ranking within {timeout_s:.0f} s")
    return app, window

"""A real MainWindow with the real reference data; only the user's location is fixed for the test."""

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QMessageBox

from carbon_gui.core.errors import DataError
from carbon_gui.core.geo import Location
from carbon_gui.settings import UserSettings, load_settings, save_settings
from carbon_gui.sources.places import resolve_location
from carbon_gui.sources.reference import ReferenceData, load_reference
from carbon_gui.ui.main_window import MainWindow, Services

PARIS = Location("Paris, FR", 48.85341, 2.3488, source="test")


def make_services(load: Callable[[], ReferenceData] = load_reference) -> Services:
    return Services(
        load_reference=load,
        resolve_location=resolve_location,
        default_location=lambda: PARIS,  # the real one follows this machine's time zone
        city_names=lambda: ["Paris, FR", "Parma, IT", "London, GB"],
        save_settings=save_settings,
    )


def open_window(qtbot, settings: UserSettings | None = None, services: Services | None = None) -> MainWindow:
    window = MainWindow(settings or UserSettings(), services or make_services())
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = open_window(qtbot)
    qtbot.waitUntil(lambda: w.ranking is not None, timeout=15000)
    yield w
    w.close()


def error_boxes(parent) -> list[QMessageBox]:
    return [b for b in parent.findChildren(QMessageBox, "errorMessage") if b.isVisible()]


def broken_loader() -> ReferenceData:
    raise DataError("Data file regions.csv line 7 has the wrong number of fields. Reinstall carbon_gui.")


__all__ = ["PARIS", "broken_loader", "error_boxes", "load_settings", "make_services", "open_window"]

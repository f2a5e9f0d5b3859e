"""The desktop entry, AppStream metainfo and icons under resources/: valid for the desktop's own validators."""

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from carbon_gui.sources.reference import resources_dir

APP_ID = "io.github.carbongui.CarbonGui"
RESOURCES = resources_dir()
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _validator(name: str, debian_package: str) -> str:
    found = shutil.which(name)
    if found is None:  # scripts/bootstrap.sh installs it when run as root on Debian
        pytest.skip(f"{name} is not installed: apt-get install -y {debian_package}")
    return found


def _validate(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "error" not in report.lower(), report


def test_the_desktop_entry_passes_desktop_file_validate() -> None:
    _validate([_validator("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)])


def test_the_metainfo_passes_appstreamcli_validate() -> None:
    _validate([_validator("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)])


def test_the_desktop_entry_starts_the_command_and_names_an_icon_that_exists() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    fields = entry["Desktop Entry"]
    assert fields["Exec"] == "carbon-gui"
    assert set(fields["Categories"].split(";")) >= {"Development", "Science"}
    assert (RESOURCES / "icons" / f"{fields['Icon']}.svg").is_file()


def test_the_metainfo_launches_the_desktop_entry_and_shows_the_screenshot_in_the_repository() -> None:
    component = ElementTree.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    image = component.findtext("screenshots/screenshot/image") or ""
    assert image.endswith("/docs/screenshot.png")
    assert (Path(__file__).resolve().parents[2] / "docs" / "screenshot.png").is_file()
    assert component.find("releases/release/description") is not None
    assert component.find("content_rating[@type='oars-1.1']") is not None


@pytest.mark.parametrize("size", ICON_SIZES)
def test_each_png_icon_has_its_size_and_is_not_blank(size: int) -> None:
    image = QImage(str(RESOURCES / "icons" / f"carbon-gui-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    centre = image.pixelColor(size // 2, size // 2)
    assert centre.alpha() == 255  # the mark fills the middle
    assert len({image.pixel(x, y) for x in range(0, size, max(1, size // 8)) for y in range(size)}) > 3

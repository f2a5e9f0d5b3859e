"""Test-wide setup: Qt offscreen (no display on CI), a private config dir, the real bundled data."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists
os.environ.setdefault("NO_GCE_CHECK", "true")

from pathlib import Path

import pytest

from carbon_gui.sources.reference import ReferenceData, load_reference

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the developer's real settings."""
    config = tmp_path / "config"
    monkeypatch.setenv("CARBON_GUI_CONFIG_DIR", str(config))
    monkeypatch.setenv("CARBON_GUI_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # a developer's real keys never reach a test
    return config


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""Shared fixtures for the unit tests: the bundled reference data, loaded once per session."""

from pathlib import Path

import pytest

from carbon_gui.core.catalog import Catalog
from carbon_gui.sources.reference import ReferenceData, bundled_data_dir, load_reference

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference()


@pytest.fixture(scope="session")
def catalog(reference: ReferenceData) -> Catalog:
    return reference.catalog


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return bundled_data_dir()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT

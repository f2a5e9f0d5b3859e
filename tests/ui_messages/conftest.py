"""The real window with the real reference data (shared with tests/ui)."""

from tests.ui.conftest import window  # noqa: F401 - a fixture

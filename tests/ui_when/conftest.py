"""When-tab tests: the real window of tests/ui (the real reference data, Paris as the user's location)."""

from tests.ui.conftest import window  # noqa: F401 - the fixture, shared with tests/ui

"""The first live refresh loads the HTTP stack (requests, requests-cache, urllib3) into the window's process; the
next full garbage collection then walked every object of the window and those libraries with the GIL held: a 72 ms
GUI stall in the middle of a refresh (benchmarks/live_refresh.py, gc callbacks on the GUI thread). After that
first load, what is alive is moved to gc's permanent generation once (freed by reference counting as before), so
a full collection walks only what came later. A real LiveData and LiveService against a real local fake
Electricity Maps."""

import gc

import pytest

from carbon_gui.ui import live_data
from tests.ui.test_live_data_batches import em, live_for, regions  # noqa: F401 - fixtures


@pytest.fixture
def unfrozen(monkeypatch):
    """As in a new process: an earlier test may have frozen what was alive then, or done the first refresh."""
    gc.unfreeze()
    monkeypatch.setattr(live_data, "_http_stack_frozen", False, raising=False)
    yield
    gc.unfreeze()


def test_after_the_first_live_refresh_a_full_collection_walks_only_newer_objects(qtbot, em, tmp_path, regions,  # noqa: F811
                                                                                   unfrozen):  # fmt: skip
    data = live_for(em, tmp_path, regions)
    data.refresh()
    qtbot.waitUntil(lambda: not data.busy, timeout=20_000)
    assert len(data.signals) > 10
    walked = len(gc.get_objects())  # what a full collection walks (the permanent generation is left out)
    assert gc.get_freeze_count() > 5 * walked, f"a full collection walks {walked} objects"

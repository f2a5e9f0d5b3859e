"""What the HTTP cache costs a request. A refresh after the cache's TTL sends ~120 requests at once, and their CPU is
spent one after another under the GIL: the cache's share of each request delays the last send."""

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from carbon_gui.sources.http import cached_json, get_json

from .fake_providers import FakeElectricityMaps

LATEST = "carbon-intensity/latest"


def _python_calls(action: Callable[[], object]) -> int:
    """How many Python functions `action` calls on this thread: a stand-in for its CPU that a busy machine does not
    change."""
    calls = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def test_the_cache_adds_less_to_a_request_than_the_request_itself_costs(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, tmp_path: Path
) -> None:
    cached = session_factory(tmp_path / "cache.sqlite")
    plain = session_factory()
    url = f"{em_server.api_url}/{LATEST}"
    headers = {"auth-token": em_server.token}

    def ask(session: requests.Session, n: int) -> None:  # a new answer each time: a miss, then a write
        get_json(session, url, params={"zone": "NL", "n": n}, headers=headers, endpoint_name=LATEST)

    for n in range(3):  # connections open, the cache's index read
        ask(cached, n)
        ask(plain, n)
    with_cache, without = _python_calls(lambda: ask(cached, 10)), _python_calls(lambda: ask(plain, 10))
    assert cached_json(cached, url, params={"zone": "NL", "n": 10}, endpoint_name=LATEST) is not None  # was stored
    # requests-cache's own per-request policy (CacheActions, Cache-Control parsing, signature inspection) made it
    # ~1080 calls on top of a plain request's ~830
    assert with_cache - without <= without, f"the cache adds {with_cache - without} calls to {without}"

"""Issue 8, defect C: answers just under the old 8 MB limit on every endpoint of a refresh (~160 requests at once) cost
2.2 GB of memory and a 1.5 GB cache. Each endpoint now has a limit sized to what the real API returns, the answers of
one refresh share a byte budget (once spent, the rest of the refresh stops with one clear problem), and no large
answer is cached. Real clients and the real CLI against a hostile server on 127.0.0.1."""

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.watttime import WattTimeClient

from .cli_run import cli_env
from .conftest import fetch_em, fetch_wt, region
from .hostile_server import HostileElectricityMaps, HostileWattTime

EM_TOKEN = "em-budget-token"
EM_ROUTES = (
    "carbon-intensity/latest",
    "carbon-intensity/history",
    "carbon-intensity/forecast",
    "power-breakdown/latest",
    "power-breakdown/history",
)
ZONES = ("NL", "DE", "FR", "BE", "PL", "ES", "IT-NO", "SE", "DK-DK1", "AT", "CH", "PT")  # 48 requests
REFRESH_STOPPED = "refresh stopped: answers over 32 MB in total"
TOO_LARGE = ("answer too large (over 256 KB)", "answer too large (over 2 MB)")
MB = 1024 * 1024
MAX_CACHE_BYTES = 20 * MB
MAX_PEAK_RSS = 600 * MB


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def test_a_refresh_of_answers_near_the_old_cap_stops_at_its_budget(
    tmp_path: Path, session_factory: Callable[..., requests.Session]
) -> None:
    cache_dir = tmp_path / "cache"
    session = session_factory(cache_dir / "http-cache.sqlite", ttl_s=600)
    with HostileElectricityMaps.start(token=EM_TOKEN) as server:
        server.hostile.update(dict.fromkeys(EM_ROUTES, "near_cap_unsized"))
        client = ElectricityMapsClient(session, server.api_url, EM_TOKEN, timeout_s=10.0)
        signals = fetch_em(client, *ZONES).by_region()
    assert len(signals) == len(ZONES)
    messages = [p.message for signal in signals.values() for p in signal.problems]
    assert all(signal.latest is None for signal in signals.values())
    assert set(messages) <= {*TOO_LARGE, REFRESH_STOPPED}, set(messages)
    assert REFRESH_STOPPED in messages  # 12 zones × 3 series × 2 MB is more than one refresh may read
    session.close()
    assert _tree_size(cache_dir) < MAX_CACHE_BYTES


def test_a_watttime_refresh_of_answers_near_the_old_cap_stops_at_its_budget(
    session_factory: Callable[..., requests.Session],
) -> None:
    """12 places, each in a WattTime region of its own (one band of latitude each): 24 series answers of 2 MB."""
    places = [region(f"place-{i}", "", lat=-60.0 + 10 * i + 5, lon=0.0) for i in range(12)]
    coverage = {f"BAND_{i}": (-60.0 + 10 * i, -60.0 + 10 * (i + 1) - 0.1, -10.0, 10.0) for i in range(12)}
    session = session_factory(None)
    with HostileWattTime.start(coverage=coverage) as server:
        server.hostile.update(dict.fromkeys(("forecast", "historical"), "near_cap_unsized"))
        client = WattTimeClient(session, server.api_url, server.username, server.password, timeout_s=10.0)
        signals = fetch_wt(client, *places).by_region()
        assert server.count("login") == 1
    assert len(signals) == len(places)
    messages = [p.message for signal in signals.values() for p in signal.problems]
    assert {"answer too large (over 2 MB)", REFRESH_STOPPED} <= set(messages), set(messages)
    assert set(messages) <= {"answer too large (over 2 MB)", REFRESH_STOPPED}


def test_cleanest_live_against_answers_near_the_old_cap_stays_small(tmp_path: Path) -> None:
    """The whole catalogue (~160 requests at once) through the CLI: it says why no region has a value, and its peak
    memory and the cache it leaves stay small (before the fix: 160 answers read, 1.8-2.0 GB peak, a 1.3 GB cache)."""
    measured = (
        "import re, sys\n"
        "from carbon_gui.cli import main\n"
        "try:\n"
        "    code = main(['cleanest', '--live'])\n"
        "finally:\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork + exec, so a child of a big pytest process
        # reported pytest's own peak (758 MB in a full run)
        "    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "    print(f'peak-rss-kb={hwm}', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    home = tmp_path / "home"
    with HostileElectricityMaps.start(token=EM_TOKEN) as server:
        server.hostile.update(dict.fromkeys(EM_ROUTES, "near_cap_unsized"))
        env = cli_env(home, CARBON_GUI_ELECTRICITYMAPS_URL=server.api_url, CARBON_GUI_ELECTRICITYMAPS_TOKEN=EM_TOKEN)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", measured], env=env, capture_output=True, text=True, timeout=300
        )
        elapsed = time.monotonic() - started
        asked = server.count()
    peak_rss = int(result.stderr.rsplit("peak-rss-kb=", 1)[1].split()[0]) * 1024
    cache_size = _tree_size(home / "cache")
    print(f"peak RSS {peak_rss / MB:.0f} MB, cache {cache_size / 1024:.0f} KB, {elapsed:.1f} s, {asked} requests")
    assert asked > 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert "no region has a current value" in result.stderr
    assert "answer too large" in result.stderr or REFRESH_STOPPED in result.stderr, result.stderr
    assert peak_rss < MAX_PEAK_RSS
    assert cache_size < MAX_CACHE_BYTES

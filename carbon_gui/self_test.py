"""`carbon-gui --self-test`: proves an installed or packaged build works, without a display or the internet.

It opens the window offscreen, waits for its ranking of the bundled reference data, fetches live signals for a few
regions from a local Electricity Maps stand-in, closes, prints one line per step and exits 0; any failure prints
what broke and exits 1. A provider given with CARBON_GUI_ELECTRICITYMAPS_URL (and CARBON_GUI_ELECTRICITYMAPS_TOKEN)
is used instead of the built-in stand-in. Settings, cache and logs go to a temporary folder: the user's are untouched.
"""

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

FETCHED_REGIONS = 3
TIMEOUT_S = 60.0
URL_VARIABLE = "CARBON_GUI_ELECTRICITYMAPS_URL"
TOKEN_VARIABLE = "CARBON_GUI_ELECTRICITYMAPS_TOKEN"
STAND_IN_TOKEN = "self-test-token"  # only ever sent to the stand-in on 127.0.0.1
T = TypeVar("T")


class SelfTestFailure(Exception):
    """A step that did not do what it should; the message says which and why."""


def _point(zone: str, when: datetime, value: float) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:00:00.000Z")
    return {"zone": zone, "carbonIntensity": value, "datetime": stamp, "emissionFactorType": "lifecycle",
            "isEstimated": False}  # fmt: skip


def stand_in_answer(path: str, zone: str, now: datetime) -> dict[str, Any] | None:
    """The Electricity Maps v3 answer (documented shape, made-up numbers) for one endpoint, or None (404)."""
    value = 100.0 + sum(map(ord, zone)) % 300  # differs between zones, stable between runs
    hour = now.replace(minute=0, second=0, microsecond=0)
    if path.endswith("/carbon-intensity/latest"):
        return _point(zone, hour, value)
    if path.endswith("/carbon-intensity/history"):
        return {"zone": zone, "history": [_point(zone, hour - timedelta(hours=h), value + h) for h in range(24, 0, -1)]}
    if path.endswith("/carbon-intensity/forecast"):
        return {"zone": zone, "forecast": [_point(zone, hour + timedelta(hours=h), value - h) for h in range(1, 25)]}
    if path.endswith("/power-breakdown/latest"):
        mix = {"wind": 400.0, "solar": 200.0, "gas": value}
        return {"zone": zone, "datetime": hour.strftime("%Y-%m-%dT%H:00:00.000Z"), "powerProductionBreakdown": mix,
                "powerConsumptionBreakdown": mix, "isEstimated": False}  # fmt: skip
    return None


class _StandInHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        zone = parse_qs(url.query).get("zone", [""])[0]
        body = stand_in_answer(url.path, zone, datetime.now(UTC)) if zone else None
        if self.headers.get("auth-token") != STAND_IN_TOKEN:
            self._send(401, {"error": "Invalid token"})
        elif body is None:
            self._send(404, {"error": f"Unknown endpoint or zone: {self.path}"})
        else:
            self._send(200, body)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the summary says what matters; no access log on stderr


@contextmanager
def stand_in_provider() -> Iterator[str]:
    """A tiny Electricity Maps on 127.0.0.1 (any free port), for as long as the block runs; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandInHandler)
    thread = threading.Thread(target=server.serve_forever, name="self-test-provider", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v3"
    finally:
        server.shutdown()
        server.server_close()


def _step(name: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except SelfTestFailure:
        raise
    except Exception as err:  # any failure of a step is the self-test's finding, reported as such
        raise SelfTestFailure(f"{name}: {type(err).__name__}: {err}") from err


def _since_process_start() -> float:
    """Seconds since this process began (the bootloader's start, for a frozen build): what a user waits."""
    import psutil

    started: float = psutil.Process().create_time()
    return time.time() - started


def _open_window_and_rank(report: Callable[[str], None]) -> None:
    from carbon_gui.app import open_ranked_window

    app, window = open_ranked_window(timeout_s=TIMEOUT_S)
    try:
        ranking = window.ranking
        if ranking is None or not ranking.ranked:
            raise SelfTestFailure("rank: the window ranked no region of the bundled data")
        best = ranking.ranked[0]
        icon_sizes = len(app.windowIcon().availableSizes())
        report(f"window: opened on the '{app.platformName()}' platform, titled '{window.windowTitle()}', with the app "
               f"icon in {icon_sizes} sizes, desktop id {app.desktopFileName()}")
        report(f"rank: {len(ranking.ranked)} regions ranked from the bundled data, best {best.facts.region.name}, "
               f"{_since_process_start():.1f} s after the process started")
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()


def _fetch(base_url: str, token: str) -> str:
    from carbon_gui.live_service import LiveService
    from carbon_gui.providers import ELECTRICITYMAPS
    from carbon_gui.secrets import Credentials, Secret
    from carbon_gui.sources.live import LiveFetcher
    from carbon_gui.sources.reference import load_reference

    regions = [r for r in load_reference().catalog.regions if r.grid_zone][:FETCHED_REGIONS]
    environ = {**os.environ, URL_VARIABLE: base_url}
    # isolate=True: from a source or wheel install this starts the fetch helper process as the window does
    # (a frozen build fetches in-process, as its window does too)
    service = LiveService(lambda: Credentials(electricitymaps_token=Secret(token)), environ=environ, isolate=True)
    signals: dict[str, float | None] = {}
    started = time.monotonic()
    try:
        service.fetch(ELECTRICITYMAPS, regions, lambda signal, _names: signals.update(
            {signal.zone: signal.latest.value if signal.latest else None}), LiveFetcher())  # fmt: skip
    finally:
        service.close()
    missing = sorted({r.grid_zone for r in regions} - {z for z, v in signals.items() if v is not None})
    if missing:
        raise SelfTestFailure(f"fetch: no live value for {', '.join(missing)} from {base_url}")
    way = "in a helper process" if service.isolated else "in-process"
    return f"fetch: {len(signals)} zones' live signals from {base_url} {way} in {time.monotonic() - started:.1f} s"


def run(report: Callable[[str], None] = print) -> None:
    """The steps; raises SelfTestFailure on the first that fails."""
    from carbon_gui import __version__
    from carbon_gui.sources.reference import bundled_data_dir

    frozen = " (frozen build)" if getattr(sys, "frozen", False) else ""
    report(f"carbon-gui {__version__}{frozen}, Python {sys.version.split()[0]}, data in {bundled_data_dir()}")
    _step("window", lambda: _open_window_and_rank(report))
    given_url = os.environ.get(URL_VARIABLE)
    if given_url:
        token = os.environ.get(TOKEN_VARIABLE, STAND_IN_TOKEN)
        report(_step("fetch", lambda: _fetch(given_url, token)))
    else:
        with stand_in_provider() as url:
            report(_step("fetch", lambda: _fetch(url, STAND_IN_TOKEN)))


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed, and no window flashes on screen
    with tempfile.TemporaryDirectory(prefix="carbon-gui-self-test-") as scratch:
        for variable in ("CARBON_GUI_CONFIG_DIR", "CARBON_GUI_CACHE_DIR", "CARBON_GUI_DATA_DIR"):
            os.environ[variable] = os.path.join(scratch, variable.rsplit("_", 2)[1].lower())
        try:
            run()
        except SelfTestFailure as err:
            print(f"carbon-gui self-test FAILED: {err}", file=sys.stderr)
            return 1
    print("self-test passed")
    return 0

"""The transport fault suite (issue 8): every provider endpoint the app calls, answered by a hostile server on
127.0.0.1 with a redirect (same origin, another origin), a header drip, a body drip or an oversized body.

Each call goes through the real client and the real cached session and must end with the right `ProviderError`
within its deadline plus a little slack, having followed nothing, and leaving no secret anywhere on disk."""

import base64
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.live import NoCoverage
from carbon_gui.sources.provider_errors import ProviderError
from carbon_gui.sources.watttime import WattTimeClient

from .cli_run import cli_env
from .conftest import SF, assert_no_secret, fetch_em, fetch_wt
from .fake_providers import FakeProvider
from .hostile_server import HOSTILE_KINDS, HostileElectricityMaps, HostileWattTime
from .secret_scan import assert_no_secret_on_disk

EM_TOKEN = "SENTINEL-EM-TOKEN-hostile-41c7"
WT_USER = "sentinel-user-hostile-93ab"
WT_PASSWORD = "SENTINEL-PW-hostile-6e02"
WT_TOKEN_PREFIX = "SENTINEL-BEARER-hostile"
NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)

TIMEOUT_S = 0.6  # connect and read timeout: longer than a drip's pause, so only the overall deadline can stop it
DEADLINE_S = 1.2
SLACK_S = 1.0  # two shared cores: thread start-up, a login before the call
DRIP_S = 0.05

REDIRECTED = "the provider answered with a redirect, which is not followed (check its address)"
TIMED_OUT = "timed out"
TOO_LARGE = "answer too large (over "  # then the endpoint's limit: see LIMIT
EXPECTED_MESSAGE = {
    "redirect_same_origin": REDIRECTED,
    "redirect_other_origin": REDIRECTED,
    "drip_headers": TIMED_OUT,
    "drip_body": TIMED_OUT,
    "huge": TOO_LARGE,
    "huge_unsized": TOO_LARGE,
    "gzip_bomb": TOO_LARGE,
    "near_cap": TOO_LARGE,
    "near_cap_unsized": TOO_LARGE,
}
assert set(EXPECTED_MESSAGE) == set(HOSTILE_KINDS)
# Each endpoint's answer limit, sized to what the real API returns (one value: ~1 KB; a 24-72 h series: tens of KB;
# the access list up to ~1 MB): under the 8 MB every endpoint had, which ~80 answers of one refresh could reach.
SMALL, SERIES = "256 KB", "2 MB"
LIMIT = {
    "carbon-intensity/latest": SMALL,
    "power-breakdown/latest": SMALL,
    "carbon-intensity/history": SERIES,
    "carbon-intensity/forecast": SERIES,
    "power-breakdown/history": SERIES,
    "login": SMALL,
    "region-from-loc": SMALL,
    "signal-index": SMALL,
    "forecast": SERIES,
    "historical": SERIES,
    "my-access": "4 MB",  # an account reading every region has a long access list
}


def expected_message(kind: str, route: str) -> str:
    message = EXPECTED_MESSAGE[kind]
    if message == TOO_LARGE:
        message = f"{message}{LIMIT[route]})"
    return f"WattTime login failed: {message}" if route == "login" else message  # a failed login says so

# Every endpoint the app calls, and one client call that reaches it (WattTime's login comes before any data call).
EM_CALLS: dict[str, Callable[[ElectricityMapsClient], Any]] = {
    "carbon-intensity/latest": lambda c: c.latest("NL"),
    "carbon-intensity/history": lambda c: c.history("NL"),
    "carbon-intensity/forecast": lambda c: c.forecast("NL"),
    "power-breakdown/latest": lambda c: c.power_breakdown_latest("NL"),
    "power-breakdown/history": lambda c: c.power_breakdown_history("NL"),
}
WT_CALLS: dict[str, Callable[[WattTimeClient], Any]] = {
    "login": lambda c: c.signal_index("CAISO_NORTH"),
    "region-from-loc": lambda c: c.region_from_loc(*SF),
    "signal-index": lambda c: c.signal_index("CAISO_NORTH"),
    "forecast": lambda c: c.forecast("CAISO_NORTH"),
    "historical": lambda c: c.historical("CAISO_NORTH", NOW - timedelta(hours=24), NOW),
    "my-access": lambda c: c.my_access(),
}


# --- the secret scan ---------------------------------------------------------------------------------------------


def test_the_scan_finds_every_form(tmp_path: Path) -> None:
    secret = "SENTINEL-scan-check/+=?"
    for i, form in enumerate(
        [
            secret.encode(),
            quote(secret, safe="").encode(),
            base64.b64encode(b"x" + secret.encode() + b"yz"),
            base64.b64encode(f"{WT_USER}:{secret}".encode()),  # HTTP Basic
        ]
    ):
        (tmp_path / f"f{i}").write_bytes(b"head" + form + b"tail")
        with pytest.raises(AssertionError):
            assert_no_secret_on_disk(tmp_path, [secret])
        (tmp_path / f"f{i}").unlink()
    (tmp_path / "clean").write_bytes(b"nothing here")
    assert_no_secret_on_disk(tmp_path, [secret])


# --- servers and clients -------------------------------------------------------------------------------------


@pytest.fixture
def other_origin() -> Iterator[HostileElectricityMaps]:
    """Another port on 127.0.0.1, where cross-origin redirects point: it must never be asked anything."""
    server = HostileElectricityMaps.start(token="other-origin")
    yield server
    server.stop()


@pytest.fixture
def em_hostile(other_origin: HostileElectricityMaps) -> Iterator[HostileElectricityMaps]:
    server = HostileElectricityMaps.start(token=EM_TOKEN, header_drip_s=DRIP_S, drip_interval_s=DRIP_S)
    server.other_origin = other_origin.url
    yield server
    server.stop()


@pytest.fixture
def wt_hostile(other_origin: HostileElectricityMaps) -> Iterator[HostileWattTime]:
    server = HostileWattTime.start(
        username=WT_USER,
        password=WT_PASSWORD,
        token_prefix=WT_TOKEN_PREFIX,
        header_drip_s=DRIP_S,
        drip_interval_s=DRIP_S,
    )
    server.other_origin = other_origin.url
    yield server
    server.stop()


@pytest.fixture
def cached_session(tmp_path: Path, session_factory: Callable[..., requests.Session]) -> requests.Session:
    return session_factory(tmp_path / "cache" / "http-cache.sqlite", ttl_s=600)


def em_client(session: requests.Session, server: HostileElectricityMaps) -> ElectricityMapsClient:
    return ElectricityMapsClient(session, server.api_url, EM_TOKEN, timeout_s=TIMEOUT_S, deadline_s=DEADLINE_S)


def wt_client(session: requests.Session, server: HostileWattTime) -> WattTimeClient:
    return WattTimeClient(session, server.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S, deadline_s=DEADLINE_S)


def wt_secrets(server: HostileWattTime) -> list[str]:
    return [WT_USER, WT_PASSWORD, f"{WT_USER}:{WT_PASSWORD}", WT_TOKEN_PREFIX, *server.issued_tokens]


def _check_aftermath(
    tmp_path: Path, session: requests.Session, server: FakeProvider, other: FakeProvider, secrets: list[str]
) -> None:
    session.close()  # everything the cache holds is in its files now
    assert other.count() == 0 and not other.requests, "a redirect to another origin was followed"
    assert_no_secret_on_disk(tmp_path, secrets)


def _call_within_deadline(call: Callable[[], Any]) -> ProviderError:
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + SLACK_S, f"the call took {elapsed:.1f} s (deadline {DEADLINE_S} s)"
    return caught.value


# --- every endpoint × every hostile answer ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
@pytest.mark.parametrize("route", list(EM_CALLS))
def test_electricity_maps_endpoint_meets_a_hostile_answer(
    route: str,
    kind: str,
    tmp_path: Path,
    cached_session: requests.Session,
    em_hostile: HostileElectricityMaps,
    other_origin: HostileElectricityMaps,
) -> None:
    em_hostile.hostile[route] = kind
    error = _call_within_deadline(lambda: EM_CALLS[route](em_client(cached_session, em_hostile)))
    assert (error.endpoint, error.message) == (route, expected_message(kind, route))
    assert em_hostile.count(route) == 1  # nothing followed, nothing retried
    assert_no_secret(error, [EM_TOKEN])
    _check_aftermath(tmp_path, cached_session, em_hostile, other_origin, [EM_TOKEN])


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
@pytest.mark.parametrize("route", list(WT_CALLS))
def test_watttime_endpoint_meets_a_hostile_answer(
    route: str,
    kind: str,
    tmp_path: Path,
    cached_session: requests.Session,
    wt_hostile: HostileWattTime,
    other_origin: HostileElectricityMaps,
) -> None:
    wt_hostile.hostile[route] = kind
    error = _call_within_deadline(lambda: WT_CALLS[route](wt_client(cached_session, wt_hostile)))
    assert (error.endpoint, error.message) == (route, expected_message(kind, route))
    assert wt_hostile.count(route) == 1
    assert_no_secret(error, wt_secrets(wt_hostile))
    _check_aftermath(tmp_path, cached_session, wt_hostile, other_origin, wt_secrets(wt_hostile))


# --- the same through LiveFetcher: problems on the signal, never an exception ----------------------------------


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_a_refresh_against_a_hostile_electricity_maps_reports_problems(
    kind: str,
    tmp_path: Path,
    cached_session: requests.Session,
    em_hostile: HostileElectricityMaps,
    other_origin: HostileElectricityMaps,
) -> None:
    em_hostile.hostile.update(dict.fromkeys(EM_CALLS, kind))
    started = time.monotonic()
    signal = fetch_em(em_client(cached_session, em_hostile), "NL", now=NOW).one()
    assert time.monotonic() - started < DEADLINE_S + SLACK_S  # the endpoints are asked in parallel
    assert signal.latest is None
    messages = {p.message for p in signal.problems}
    assert messages and all(m.startswith(EXPECTED_MESSAGE[kind]) for m in messages), messages
    _check_aftermath(tmp_path, cached_session, em_hostile, other_origin, [EM_TOKEN])


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_a_refresh_against_a_hostile_watttime_reports_problems(
    kind: str,
    tmp_path: Path,
    cached_session: requests.Session,
    wt_hostile: HostileWattTime,
    other_origin: HostileElectricityMaps,
) -> None:
    wt_hostile.hostile.update(dict.fromkeys(["signal-index", "forecast", "historical"], kind))
    known: dict[str, str | NoCoverage] = {"us-west-sf": "CAISO_NORTH"}
    started = time.monotonic()
    signal = fetch_wt(wt_client(cached_session, wt_hostile), region_cache=known, now=NOW).one()
    assert time.monotonic() - started < DEADLINE_S + SLACK_S
    assert signal.latest is None
    messages = {p.message for p in signal.problems}
    assert messages and all(m.startswith(EXPECTED_MESSAGE[kind]) for m in messages), messages
    _check_aftermath(tmp_path, cached_session, wt_hostile, other_origin, wt_secrets(wt_hostile))


# --- the CLI: `carbon-gui cleanest --live` against a server that drips its headers --------------------------------

CLI_DEADLINE_S = 30.0  # the CLI's clients: 10 s connect and read timeout, 3 × that per call


def test_cleanest_live_ends_within_its_deadline_against_a_header_drip(tmp_path: Path) -> None:
    with HostileElectricityMaps.start(token=EM_TOKEN, header_drip_s=0.5) as server:
        server.hostile.update(dict.fromkeys(EM_CALLS, "drip_headers"))
        home = tmp_path / "home"
        env = cli_env(home, CARBON_GUI_ELECTRICITYMAPS_URL=server.api_url, CARBON_GUI_ELECTRICITYMAPS_TOKEN=EM_TOKEN)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "carbon_gui", "cleanest", "--live"],
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_DEADLINE_S + 60,
        )
        elapsed = time.monotonic() - started
        assert server.count() > 0  # the CLI did reach the dripping server
    assert elapsed < CLI_DEADLINE_S + 5, f"the CLI took {elapsed:.0f} s"
    assert "Traceback" not in result.stderr
    assert "timed out" in result.stdout + result.stderr
    assert EM_TOKEN not in result.stdout + result.stderr
    assert_no_secret_on_disk(home, [EM_TOKEN])

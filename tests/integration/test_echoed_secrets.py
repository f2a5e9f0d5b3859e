"""Issue 8, defect A: a server that echoes the key back (in a body field, a response header or WattTime's
meta.warnings) must not get it stored in the HTTP cache, whatever the encoding (raw, base64, percent-encoded, JSON
escapes). Every call goes through the real client and the real cached session against a hostile server on
127.0.0.1; the CLI runs are scanned file by file under their own temporary home."""

import base64
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.provider_errors import ProviderError
from carbon_gui.sources.watttime import WattTimeClient

from .cli_run import cli_env
from .conftest import SF
from .fake_providers import Fault, RecordedRequest
from .hostile_server import ECHO_KINDS, HostileElectricityMaps, HostileWattTime, sent_credential
from .secret_scan import assert_no_secret_on_disk

EM_TOKEN = "SENTINEL-EM-TOKEN-echo-5a1f"
WT_USER = "sentinel-user-echo-77c2"
WT_PASSWORD = "SENTINEL/PW+echo=9d3e?&"  # characters that base64 and percent-encoding both change
WT_TOKEN_PREFIX = "SENTINEL-BEARER-echo"
NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
TIMEOUT_S = 2.0

EM_CALLS: dict[str, Callable[[ElectricityMapsClient], Any]] = {
    "carbon-intensity/latest": lambda c: c.latest("NL"),
    "carbon-intensity/history": lambda c: c.history("NL"),
    "carbon-intensity/forecast": lambda c: c.forecast("NL"),
    "power-breakdown/latest": lambda c: c.power_breakdown_latest("NL"),
    "power-breakdown/history": lambda c: c.power_breakdown_history("NL"),
}
WT_CALLS: dict[str, Callable[[WattTimeClient], Any]] = {
    "region-from-loc": lambda c: c.region_from_loc(*SF),
    "signal-index": lambda c: c.signal_index("CAISO_NORTH"),
    "forecast": lambda c: c.forecast("CAISO_NORTH"),
    "historical": lambda c: c.historical("CAISO_NORTH", NOW - timedelta(hours=24), NOW),
    "my-access": lambda c: c.my_access(),
}
EM_PLACES = ("echo_body_field", "echo_header")
assert set(EM_PLACES) < set(ECHO_KINDS)

# how a hostile server may write a secret back
ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "urlsafe_base64": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
    "percent": lambda s: quote(s, safe=""),
    "percent_lower_hex": lambda s: re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(s, safe="")),
}
# which WattTime secret a hostile server echoes: the one the request carried, or ones it knows from the login
WT_ECHOED: dict[str, Callable[[RecordedRequest], str]] = {
    "bearer token": sent_credential,
    "password": lambda _: WT_PASSWORD,
    "user:password": lambda _: f"{WT_USER}:{WT_PASSWORD}",
}


@pytest.fixture
def em_echo() -> Iterator[HostileElectricityMaps]:
    with HostileElectricityMaps.start(token=EM_TOKEN) as server:
        yield server


@pytest.fixture
def wt_echo() -> Iterator[HostileWattTime]:
    with HostileWattTime.start(username=WT_USER, password=WT_PASSWORD, token_prefix=WT_TOKEN_PREFIX) as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def cached_session(cache_dir: Path, session_factory: Callable[..., requests.Session]) -> requests.Session:
    return session_factory(cache_dir / "http-cache.sqlite", ttl_s=600)


def wt_secrets(server: HostileWattTime) -> list[str]:
    return [WT_PASSWORD, f"{WT_USER}:{WT_PASSWORD}", *server.issued_tokens]


def _encoded_echo(encode: Callable[[str], str], echo: Callable[[RecordedRequest], str]) -> Callable[..., str]:
    return lambda request: encode(echo(request))


def _assert_echo_not_cached(call: Callable[[], Any], count: Callable[[], int]) -> None:
    """The echoing answer is used (the call succeeds) but not stored: asking again reaches the server again."""
    assert call() is not None
    assert call() is not None
    assert count() == 2, "an answer holding a secret was served from the cache"


def _assert_clean_answer_cached(call: Callable[[], Any], count: Callable[[], int]) -> None:
    """A control: an answer without the secret is still cached (so the scan looks at a cache with entries)."""
    call()
    call()
    assert count() == 1


@pytest.mark.parametrize("place", EM_PLACES)
@pytest.mark.parametrize("route", list(EM_CALLS))
def test_an_electricity_maps_echo_of_the_token_is_not_cached(
    route: str, place: str, cache_dir: Path, cached_session: requests.Session, em_echo: HostileElectricityMaps
) -> None:
    client = ElectricityMapsClient(cached_session, em_echo.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
    em_echo.hostile[route] = place
    _assert_echo_not_cached(lambda: EM_CALLS[route](client), lambda: em_echo.count(route))
    other = next(r for r in EM_CALLS if r != route)
    _assert_clean_answer_cached(lambda: EM_CALLS[other](client), lambda: em_echo.count(other))
    cached_session.close()
    assert_no_secret_on_disk(cache_dir, [EM_TOKEN])


@pytest.mark.parametrize("place", ECHO_KINDS)
@pytest.mark.parametrize("route", list(WT_CALLS))
def test_a_watttime_echo_of_the_bearer_token_is_not_cached(
    route: str, place: str, cache_dir: Path, cached_session: requests.Session, wt_echo: HostileWattTime
) -> None:
    client = WattTimeClient(cached_session, wt_echo.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
    wt_echo.hostile[route] = place
    _assert_echo_not_cached(lambda: WT_CALLS[route](client), lambda: wt_echo.count(route))
    other = next(r for r in WT_CALLS if r != route)
    _assert_clean_answer_cached(lambda: WT_CALLS[other](client), lambda: wt_echo.count(other))
    cached_session.close()
    assert_no_secret_on_disk(cache_dir, wt_secrets(wt_echo))


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("place", EM_PLACES)
def test_an_encoded_echo_of_the_electricity_maps_token_is_not_cached(
    place: str, encoding: str, cache_dir: Path, cached_session: requests.Session, em_echo: HostileElectricityMaps
) -> None:
    client = ElectricityMapsClient(cached_session, em_echo.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
    em_echo.hostile["carbon-intensity/latest"] = place
    em_echo.echo = _encoded_echo(ENCODINGS[encoding], sent_credential)
    _assert_echo_not_cached(lambda: client.latest("NL"), lambda: em_echo.count("carbon-intensity/latest"))
    cached_session.close()
    assert_no_secret_on_disk(cache_dir, [EM_TOKEN])


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("echoed", list(WT_ECHOED))
def test_an_encoded_echo_of_a_watttime_secret_is_not_cached(
    echoed: str, encoding: str, cache_dir: Path, cached_session: requests.Session, wt_echo: HostileWattTime
) -> None:
    client = WattTimeClient(cached_session, wt_echo.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
    wt_echo.hostile["forecast"] = "echo_warnings"
    wt_echo.echo = _encoded_echo(ENCODINGS[encoding], WT_ECHOED[echoed])
    _assert_echo_not_cached(lambda: client.forecast("CAISO_NORTH"), lambda: wt_echo.count("forecast"))
    cached_session.close()
    assert_no_secret_on_disk(cache_dir, wt_secrets(wt_echo))


def test_a_json_escaped_echo_of_a_secret_is_not_cached(
    cache_dir: Path, cached_session: requests.Session, em_echo: HostileElectricityMaps, wt_echo: HostileWattTime
) -> None:
    """Every character of the echo spelled as \\uXXXX: the raw bytes do not hold the secret, the decoded answer does."""
    em_echo.hostile["carbon-intensity/latest"] = wt_echo.hostile["forecast"] = "echo_body_field"
    em_echo.echo_json_escaped = wt_echo.echo_json_escaped = True
    wt_echo.echo = WT_ECHOED["password"]
    em = ElectricityMapsClient(cached_session, em_echo.api_url, EM_TOKEN, timeout_s=TIMEOUT_S)
    wt = WattTimeClient(cached_session, wt_echo.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
    _assert_echo_not_cached(lambda: em.latest("NL"), lambda: em_echo.count("carbon-intensity/latest"))
    _assert_echo_not_cached(lambda: wt.forecast("CAISO_NORTH"), lambda: wt_echo.count("forecast"))


# --- the CLI: a whole refresh against servers echoing the key on every endpoint -----------------------------------


def _cleanest_live(home: Path, provider: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carbon_gui", "cleanest", "--live", "--provider", provider],
        env=cli_env(home, **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("place", EM_PLACES)
def test_cleanest_live_leaves_no_echoed_token_on_disk(
    place: str, tmp_path: Path, em_echo: HostileElectricityMaps
) -> None:
    em_echo.hostile.update(dict.fromkeys(EM_CALLS, place))
    home = tmp_path / "home"
    variables = {"CARBON_GUI_ELECTRICITYMAPS_URL": em_echo.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": EM_TOKEN}
    asked = []
    for _ in range(2):  # the second run would be answered from the cache, had the echoes been stored
        result = _cleanest_live(home, "electricitymaps", **variables)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and EM_TOKEN not in result.stdout + result.stderr
        asked.append(em_echo.count("carbon-intensity/latest"))
    assert asked[1] == 2 * asked[0] > 0
    assert_no_secret_on_disk(home, [EM_TOKEN])


@pytest.mark.parametrize("place", ECHO_KINDS)
def test_cleanest_live_leaves_no_echoed_watttime_secret_on_disk(
    place: str, tmp_path: Path, wt_echo: HostileWattTime
) -> None:
    wt_echo.hostile.update(dict.fromkeys(WT_CALLS, place))
    wt_echo.coverage = {"CAISO_NORTH": (-90.0, 90.0, -180.0, 180.0)}  # every region, so every route is asked
    wt_echo.echo = lambda request: f"{sent_credential(request)} {WT_USER}:{WT_PASSWORD}"
    home = tmp_path / "home"
    variables = {
        "CARBON_GUI_WATTTIME_URL": wt_echo.api_url,
        "CARBON_GUI_WATTTIME_USERNAME": WT_USER,
        "CARBON_GUI_WATTTIME_PASSWORD": WT_PASSWORD,
    }
    for run in range(2):
        result = _cleanest_live(home, "watttime", **variables)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert WT_PASSWORD not in result.stdout + result.stderr
        assert wt_echo.count("forecast") == run + 1  # asked again: the echoing answer was not stored
    assert_no_secret_on_disk(home, wt_secrets(wt_echo))


@pytest.mark.parametrize("encoding", ["base64", "percent"])
def test_an_error_echoing_an_encoded_secret_does_not_quote_it(
    encoding: str, session: requests.Session, wt_echo: HostileWattTime
) -> None:
    """A 400 whose text holds the password in another form than raw: the message says what happened, unquoted."""
    wt_echo.faults["forecast"] = Fault(
        "status", status=400, body={"error": f"Bad request from {ENCODINGS[encoding](f'{WT_USER}:{WT_PASSWORD}')}"}
    )
    client = WattTimeClient(session, wt_echo.api_url, WT_USER, WT_PASSWORD, timeout_s=TIMEOUT_S)
    with pytest.raises(ProviderError) as caught:
        client.forecast("CAISO_NORTH")
    assert caught.value.message == "the provider refused the request (HTTP 400)"

"""What the sessions read once instead of once per request: the environment's proxy settings (still honoured,
NO_PROXY included), never ~/.netrc; and the cache key, which ignores secret parameters, headers and query order."""

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from carbon_gui.sources import http
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.http import get_json
from carbon_gui.sources.provider_errors import Offline

from .fake_providers import FakeElectricityMaps

LATEST = "carbon-intensity/latest"
NOWHERE = "http://provider.invalid/v3"  # resolves nowhere: only a proxy can answer for it


def test_a_proxy_from_the_environment_is_used_and_no_proxy_is_honoured(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", em_server.url)  # the fake answers a proxied request for any host
    monkeypatch.delenv("NO_PROXY")
    via_proxy = ElectricityMapsClient(session_factory(), NOWHERE, em_server.token)
    assert via_proxy.latest("NL").value == 274.0
    assert via_proxy.latest("DE") is not None  # the second request of the session: the remembered settings
    assert em_server.count(LATEST) == 2

    monkeypatch.setenv("NO_PROXY", "provider.invalid")
    direct = ElectricityMapsClient(session_factory(), NOWHERE, em_server.token)
    with pytest.raises(Offline):  # straight to a host that does not exist
        direct.latest("NL")
    assert em_server.count(LATEST) == 2


def test_netrc_credentials_are_never_sent(
    session_factory: Callable[..., requests.Session],
    em_server: FakeElectricityMaps,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password from-a-file\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert requests.utils.get_netrc_auth(em_server.url) == ("someone", "from-a-file")  # requests would use it
    client = ElectricityMapsClient(session_factory(tmp_path / "cache.sqlite"), em_server.api_url, em_server.token)
    client.latest("NL")
    client.latest("NL")
    assert "authorization" not in em_server.requests[0].headers
    assert em_server.count(LATEST) == 1  # and so the answer was cacheable (Basic auth answers are not cached)


def test_the_cache_key_ignores_secret_parameters_headers_and_query_order(
    session_factory: Callable[..., requests.Session], em_server: FakeElectricityMaps, tmp_path: Path
) -> None:
    session = session_factory(tmp_path / "cache.sqlite")
    url = f"{em_server.api_url}/{LATEST}"

    def ask(params: dict[str, str], token: str = em_server.token) -> None:
        get_json(session, url, params=params, headers={"auth-token": token}, endpoint_name=LATEST)

    ask({"zone": "NL", "token": "first-secret", "emissionFactorType": "lifecycle"})
    ask({"emissionFactorType": "lifecycle", "zone": "NL", "token": "second-secret"})  # other order, other secret
    em_server.token = "a-rotated-key"
    ask({"zone": "NL", "emissionFactorType": "lifecycle"}, token="a-rotated-key")  # another header
    assert em_server.count(LATEST) == 1
    ask({"zone": "DE", "emissionFactorType": "lifecycle"}, token="a-rotated-key")
    ask({"zone": "NL", "emissionFactorType": "direct"}, token="a-rotated-key")
    assert em_server.count(LATEST) == 3  # any other parameter is another answer


def test_answers_another_session_stored_are_found_once_its_index_is_read_again(
    session_factory: Callable[..., requests.Session],
    em_server: FakeElectricityMaps,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "cache.sqlite"
    window = ElectricityMapsClient(session_factory(path), em_server.api_url, em_server.token)
    other = ElectricityMapsClient(session_factory(path), em_server.api_url, em_server.token)  # the CLI, say
    window.latest("DE")  # the window's session has read which keys the file holds
    other.latest("NL")  # another process stores an answer the window has not seen yet
    assert em_server.count(LATEST) == 2
    monkeypatch.setattr(http, "INDEX_MAX_AGE_S", 0.0)  # as when the next refresh comes, INDEX_MAX_AGE_S later
    assert window.latest("NL").value == 274.0
    window.latest("DE")
    assert em_server.count(LATEST) == 2  # both from the file

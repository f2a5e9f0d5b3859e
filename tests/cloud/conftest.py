"""Cloud Storage tests: the real client against gcp-storage-emulator on 127.0.0.1, behind a recording proxy,
with every non-loopback connection refused so no test can reach the internet."""

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from carbon_gui.cloud.storage import StagingStorage
from tests.cloud.recording_proxy import RecordingProxy

PROJECT = "carbon-test"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class NetworkGuard:
    """Refuses (and remembers) every connection and name lookup that is not loopback."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def check(self, host: Any) -> None:
        if isinstance(host, str) and host not in LOOPBACK:
            self.blocked.append(host)
            raise ConnectionRefusedError(f"test network guard: {host} is not loopback")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    guard = NetworkGuard()
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address[0])
        real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check(host.decode() if isinstance(host, bytes) else host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    assert guard.blocked == [], f"a test tried to reach {guard.blocked}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def _emulator_and_proxy() -> Iterator[tuple[Any, RecordingProxy]]:
    from gcp_storage_emulator.server import create_server

    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    proxy = RecordingProxy(port)
    proxy.start()
    yield server, proxy
    proxy.stop()
    server.stop()


@pytest.fixture
def emulator(_emulator_and_proxy: tuple[Any, RecordingProxy], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The emulator, empty, with STORAGE_EMULATOR_HOST pointing at the recording proxy in front of it."""
    server, proxy = _emulator_and_proxy
    server.wipe()
    proxy.reset()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    yield server


@pytest.fixture
def proxy(_emulator_and_proxy: tuple[Any, RecordingProxy], emulator: Any) -> RecordingProxy:
    return _emulator_and_proxy[1]


@pytest.fixture
def storage(emulator: Any) -> StagingStorage:
    return StagingStorage(PROJECT, AnonymousCredentials(), retry_seconds=2)


@pytest.fixture
def raw_client(emulator: Any) -> Any:
    """A plain client for arranging the emulator's contents behind the app's back."""
    from google.cloud import storage

    return storage.Client(project=PROJECT, credentials=AnonymousCredentials())

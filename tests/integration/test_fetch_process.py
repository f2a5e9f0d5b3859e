"""The window's way of fetching: LiveService(isolate=True) runs LiveFetcher in a helper process. Against the fake
providers on 127.0.0.1: the same signals as in-process, cancel reaching the helper, a killed or hung helper replaced,
keys only ever on the helper's stdin, the HTTP cache shared on disk, and no helper outliving the app."""

import contextlib
import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from carbon_gui.core.catalog import Region
from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.signals import GridSignal
from carbon_gui.live_service import LiveService
from carbon_gui.providers import ELECTRICITYMAPS, WATTTIME
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources import fetch_process
from carbon_gui.sources.fetch_process import FetchHelperError, FetchProcess, helper_environment
from carbon_gui.sources.fetch_protocol import FetchOrder, ProviderKeys
from carbon_gui.sources.live import LiveFetcher

from .conftest import FRANKFURT, SF, Fetched, region, wait_for
from .fake_providers import FakeElectricityMaps, FakeWattTime

NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
HAS_PROC = Path("/proc/self/environ").exists()

EM_REGIONS = [
    region("europe-west4", "NL"),
    region("europe-west4-b", "NL"),  # shares the zone: one signal for both
    region("europe-west3", "DE"),
    region("nowhere-1", "XX"),  # a zone the provider does not know
]
WT_REGIONS = [
    region("us-west-sf", "US-CAL-CISO", *SF),
    region("europe-west3", "DE", *FRANKFURT),  # no coverage
    region("moon-1", "XX"),  # no coordinates
]


@pytest.fixture
def services() -> Iterator[list[LiveService]]:
    """Services made by a test; their helper processes are stopped afterwards."""
    made: list[LiveService] = []
    yield made
    for service in made:
        service.close()


def em_service(made: list[LiveService], em: FakeElectricityMaps, cache: Path, *, isolate: bool = True) -> LiveService:
    service = LiveService(
        lambda: Credentials(Secret(em.token)),
        environ={"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url},
        cache_path=cache,
        timeout_s=5,
        isolate=isolate,
    )
    made.append(service)
    return service


def wt_service(made: list[LiveService], wt: FakeWattTime, cache: Path, *, isolate: bool = True) -> LiveService:
    credentials = Credentials(watttime_username=wt.username, watttime_password=Secret(wt.password))
    service = LiveService(
        lambda: credentials,
        environ={"CARBON_GUI_WATTTIME_URL": wt.api_url},
        cache_path=cache,
        timeout_s=5,
        isolate=isolate,
    )
    made.append(service)
    return service


def fetch(service: LiveService, provider: str, regions: list[Region], fetcher: LiveFetcher | None = None) -> Fetched:
    fetched = Fetched()
    service.fetch(provider, regions, fetched.on_signal, fetcher or LiveFetcher(), now=NOW)
    return fetched


def comparable(fetched: Fetched) -> dict[str, tuple[GridSignal, frozenset[str]]]:
    """Per region: its signal without the receive times (they differ from fetch to fetch), and which parts have
    one; every region must be reported once."""
    seen = [name for _, names in fetched.calls for name in names]
    assert len(seen) == len(set(seen)), f"a region was reported twice: {seen}"
    return {  # (a zone's problems come in the order its requests failed: that order is not compared)
        name: (
            dataclasses.replace(signal, part_times={}, problems=frozenset(signal.problems)),
            frozenset(signal.part_times),
        )
        for name, signal in fetched.by_region().items()
    }


class Background:
    """A fetch on another thread (as the window's worker runs it), with what it raised."""

    def __init__(self, service: LiveService, provider: str, regions: list[Region]) -> None:
        self.fetcher = LiveFetcher()
        self.fetched = Fetched()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(service, provider, regions), daemon=True)
        self.thread.start()

    def _run(self, service: LiveService, provider: str, regions: list[Region]) -> None:
        try:
            service.fetch(provider, regions, self.fetched.on_signal, self.fetcher, now=NOW)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def finished(self) -> bool:
        return not self.thread.is_alive()


def process_gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its parent counts: it runs no more code)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


# --- the same signals ------------------------------------------------------------------------------------------


def test_the_helper_gives_the_same_electricitymaps_signals_as_in_process(
    services: list[LiveService], tmp_path: Path
) -> None:
    with FakeElectricityMaps.start() as em:
        inside = fetch(em_service(services, em, tmp_path / "a.sqlite", isolate=False), ELECTRICITYMAPS, EM_REGIONS)
        asked = em.count()
        isolated = em_service(services, em, tmp_path / "b.sqlite")
        helper = fetch(isolated, ELECTRICITYMAPS, EM_REGIONS)
        assert isolated.helper_pid is not None and isolated.helper_pid != os.getpid()
        assert em.count() == 2 * asked  # each asked the provider itself (two caches)
    assert comparable(helper) == comparable(inside)
    by_region = helper.by_region()
    assert by_region["europe-west4"] is by_region["europe-west4-b"]  # one signal, both regions
    assert by_region["europe-west3"].history and by_region["europe-west3"].power_mix
    assert {p.message for p in by_region["nowhere-1"].problems} == {"zone not known to the provider"}


def test_the_helper_gives_the_same_watttime_signals_as_in_process(services: list[LiveService], tmp_path: Path) -> None:
    with FakeWattTime.start() as wt:
        in_process = wt_service(services, wt, tmp_path / "a.sqlite", isolate=False)
        inside = fetch(in_process, WATTTIME, WT_REGIONS)
        isolated = wt_service(services, wt, tmp_path / "b.sqlite")
        helper = fetch(isolated, WATTTIME, WT_REGIONS)
    assert comparable(helper) == comparable(inside)
    assert helper.by_region()["us-west-sf"].latest is not None
    assert isolated.watttime_regions == in_process.watttime_regions  # the region cache came back from the helper
    assert set(isolated.watttime_regions) == {"us-west-sf", "europe-west3"}


# --- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_reaches_the_helper_and_the_fetch_returns_at_once(services: list[LiveService], tmp_path: Path) -> None:
    with FakeWattTime.start(latency_s=2.0) as wt:  # login, then the region lookup: 2 s each
        service = wt_service(services, wt, tmp_path / "http.sqlite")
        first = Background(service, WATTTIME, WT_REGIONS[:1])
        assert wait_for(lambda: wt.count("region-from-loc") == 1), "the lookup never reached the server"
        first.fetcher.cancel()
        assert wait_for(first.finished)
        assert wt.in_flight == 1  # it returned while the lookup was still unanswered
        assert first.error is None and first.fetched.calls == []

        assert wait_for(lambda: wt.in_flight == 0)  # the lookup is answered now; a live fetch would go on
        second = fetch(service, WATTTIME, WT_REGIONS[1:2])  # the same helper, a region without coverage
        assert list(second.by_region()) == ["europe-west3"]  # nothing of the cancelled fetch came through
        assert wt.count("forecast") == wt.count("historical") == 0  # the helper did not go on with the first


def test_a_fetch_cancelled_before_it_starts_starts_no_helper(services: list[LiveService], tmp_path: Path) -> None:
    with FakeElectricityMaps.start() as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        fetcher = LiveFetcher()
        fetcher.cancel()
        assert fetch(service, ELECTRICITYMAPS, EM_REGIONS, fetcher).calls == []
        assert service.helper_pid is None and em.count() == 0


# --- a helper that dies or hangs ---------------------------------------------------------------------------------


def test_a_killed_helper_is_replaced_by_the_next_fetch(services: list[LiveService], tmp_path: Path) -> None:
    with FakeElectricityMaps.start() as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1])
        first_pid = service.helper_pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        assert wait_for(lambda: service.helper_pid is None)
        again = fetch(service, ELECTRICITYMAPS, EM_REGIONS[2:3])
        assert service.helper_pid not in (None, first_pid)
        assert again.one().zone == "DE" and again.one().latest is not None


def test_a_helper_killed_mid_fetch_is_an_error_not_a_hang(services: list[LiveService], tmp_path: Path) -> None:
    with FakeElectricityMaps.start(latency_s=5.0) as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        running = Background(service, ELECTRICITYMAPS, EM_REGIONS[:1])
        assert wait_for(lambda: em.in_flight > 0)
        pid = service.helper_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert wait_for(running.finished)
        assert em.in_flight > 0  # the answers were still on their way: the fetch did not wait for them
        assert isinstance(running.error, FetchHelperError) and isinstance(running.error, UserFacingError)
        assert "stopped unexpectedly" in str(running.error) and "next refresh starts a new one" in str(running.error)
        em.latency_s = 0
        assert fetch(service, ELECTRICITYMAPS, EM_REGIONS[2:3]).one().latest is not None
        assert service.helper_pid not in (None, pid)


def test_a_silent_helper_is_stopped_and_replaced(
    services: list[LiveService], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_process, "SILENCE_TIMEOUT_S", 2.5)  # heartbeats come every second
    with FakeElectricityMaps.start(latency_s=1.5) as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        fetch(service, ELECTRICITYMAPS, EM_REGIONS[:1])  # slower than no answer at all for 1 s: heartbeats say alive
        pid = service.helper_pid
        assert pid is not None
        em.latency_s = 30.0
        running = Background(service, ELECTRICITYMAPS, EM_REGIONS[2:3])
        assert wait_for(lambda: em.in_flight > 0)
        os.kill(pid, signal.SIGSTOP)  # hung: alive, but says nothing
        try:
            assert wait_for(running.finished)
        finally:
            with contextlib.suppress(ProcessLookupError):  # (killed already, as it should be)
                os.kill(pid, signal.SIGCONT)
        assert isinstance(running.error, FetchHelperError) and "stopped answering" in str(running.error)
        assert wait_for(lambda: process_gone(pid))  # it was killed, not left behind
        em.latency_s = 0
        assert fetch(service, ELECTRICITYMAPS, EM_REGIONS[2:3]).one().latest is not None
        assert service.helper_pid not in (None, pid)


def test_errors_in_the_helper_come_back_as_errors(tmp_path: Path) -> None:
    process = FetchProcess()
    try:

        def order(provider: str, regions: Any) -> Any:
            return lambda fetch_id: FetchOrder(
                fetch_id, provider, regions, "http://127.0.0.1:9", None, 0, 1, ProviderKeys(token="t")
            )

        with pytest.raises(UserFacingError, match="Unknown provider 'nonsense'"):  # the helper's own message
            process.fetch(order("nonsense", ()), Fetched().on_signal, lambda: False)
        with pytest.raises(FetchHelperError, match=r"unexpected error in the live-data helper \(TypeError\)"):
            process.fetch(order(ELECTRICITYMAPS, None), Fetched().on_signal, lambda: False)  # a bug, by name only
        pid = process.pid
        offline = process.fetch(order(ELECTRICITYMAPS, (region("r", "NL"),)), Fetched().on_signal, lambda: False)
        assert offline is not None and process.pid == pid  # errors do not cost the helper its life
    finally:
        process.close()


def test_an_unknown_provider_is_refused_before_any_helper_starts(services: list[LiveService], tmp_path: Path) -> None:
    with FakeElectricityMaps.start() as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        with pytest.raises(InputError, match="Unknown provider"):
            fetch(service, "nonsense", EM_REGIONS)
        assert service.helper_pid is None


# --- keys ------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_PROC, reason="reads the helper's command line and environment from /proc (Linux)")
def test_keys_reach_the_helper_only_through_its_pipe(
    services: list[LiveService], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, password = f"em-sentinel-{secrets.token_hex(8)}", f"wt-sentinel-{secrets.token_hex(8)}"
    monkeypatch.setenv("CARBON_GUI_ELECTRICITYMAPS_TOKEN", token)  # the headless way to give a key
    monkeypatch.setenv("CARBON_GUI_WATTTIME_PASSWORD", password)
    monkeypatch.setenv("SOME_TOOL_SETTINGS", f"--auth={token}")  # a key inside some other variable
    with FakeElectricityMaps.start(token=token) as em, FakeWattTime.start(password=password) as wt:
        em_signal = fetch(em_service(services, em, tmp_path / "em.sqlite"), ELECTRICITYMAPS, EM_REGIONS[2:3]).one()
        wt_fetched = fetch(wt_service(services, wt, tmp_path / "wt.sqlite"), WATTTIME, WT_REGIONS[:1])
    assert em_signal.latest is not None and em_signal.problems == ()  # the keys did arrive
    assert wt_fetched.one().latest is not None and wt_fetched.one().problems == ()
    pids = [service.helper_pid for service in services]
    assert all(pids) and len(set(pids)) == 2
    for pid in pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert cmdline.split(b"\0")[1:3] == [b"-m", b"carbon_gui.sources.fetch_helper"]
        for secret in (token, password):
            assert secret.encode() not in cmdline and secret.encode() not in environ
        names = {entry.split(b"=", 1)[0] for entry in environ.split(b"\0") if entry}
        assert b"SOME_TOOL_SETTINGS" not in names and b"CARBON_GUI_ELECTRICITYMAPS_TOKEN" not in names
        assert b"CARBON_GUI_CACHE_DIR" in names  # the rest of the environment is passed on


def test_the_helper_environment_drops_key_variables_and_values() -> None:
    environ = {
        "CARBON_GUI_ELECTRICITYMAPS_TOKEN": "t0ken-value",
        "CARBON_GUI_WATTTIME_USERNAME": "me",
        "CARBON_GUI_WATTTIME_PASSWORD": "pa55word",
        "OTHER": "x t0ken-value y",
        "HTTPS_PROXY": "http://proxy:3128",
        "PYTHONPATH": "/somewhere",
    }
    env = helper_environment(environ, ["t0ken-value", "pa55word"])
    assert set(env) == {"HTTPS_PROXY", "PYTHONPATH"}
    # a value known only from the key variables is kept out too; short values are not matched (too common)
    env = helper_environment({**environ, "SHORT": "me", "OTHER2": "pa55word!"})
    assert set(env) == {"HTTPS_PROXY", "PYTHONPATH", "SHORT"}
    assert env["PYTHONPATH"].split(os.pathsep) == [str(REPO), "/somewhere"]  # this checkout's carbon_gui first


# --- the HTTP cache, shared on disk ----------------------------------------------------------------------------


def test_the_cache_the_helper_wrote_answers_the_next_fetch_with_no_request(
    services: list[LiveService], tmp_path: Path
) -> None:
    cache = tmp_path / "http.sqlite"
    with FakeElectricityMaps.start() as em:
        started = datetime.now(UTC)
        first = fetch(em_service(services, em, cache), ELECTRICITYMAPS, EM_REGIONS[:3])
        first_done = datetime.now(UTC)
        asked = em.count()
        assert asked == 8  # 2 zones × latest, history, forecast, power history
        services[0].close()  # the app closes; its helper goes

        reopened = fetch(em_service(services, em, cache), ELECTRICITYMAPS, EM_REGIONS[:3])  # a new helper
        in_process = fetch(em_service(services, em, cache, isolate=False), ELECTRICITYMAPS, EM_REGIONS[:3])
        assert em.count() == asked  # 0 requests, from either
    assert comparable(reopened) == comparable(first) == comparable(in_process)
    times = [t for signal, _ in reopened.calls for t in signal.part_times.values()]
    assert len(times) == 8 and all(started <= t <= first_done for t in times)  # the cache's times, not now


# --- no helper outlives the app --------------------------------------------------------------------------------

APP = """
import sys
from pathlib import Path
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources.live import LiveFetcher
from tests.integration.conftest import region

url, token, cache = sys.stdin.readline().split()
service = LiveService(lambda: Credentials(Secret(token)), environ={"CARBON_GUI_ELECTRICITYMAPS_URL": url},
                      cache_path=Path(cache), isolate=True)
got = []
service.fetch("electricitymaps", [region("europe-west3", "DE")], lambda s, names: got.append(s), LiveFetcher())
print(service.helper_pid, len(got), flush=True)
sys.stdin.readline()
"""


@pytest.mark.skipif(not HAS_PROC, reason="watches the helper through /proc (Linux)")
def test_the_helper_exits_when_the_app_is_killed(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with FakeElectricityMaps.start() as em:
        app = subprocess.Popen(
            [sys.executable, "-c", APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True
        )
        try:
            assert app.stdin is not None and app.stdout is not None
            app.stdin.write(f"{em.api_url} {em.token} {tmp_path / 'http.sqlite'}\n")
            app.stdin.flush()
            pid, signals = (int(x) for x in app.stdout.readline().split())
            assert signals == 1 and not process_gone(pid)
            app.kill()  # no cleanup runs in the app: only the closed pipe tells the helper
            app.wait()
            assert wait_for(lambda: process_gone(pid))
        finally:
            app.kill()
            app.wait()
            app.stdin.close()  # type: ignore[union-attr]
            app.stdout.close()  # type: ignore[union-attr]


@pytest.mark.skipif(not HAS_PROC, reason="watches the helper through /proc (Linux)")
def test_closing_the_service_stops_its_helper(services: list[LiveService], tmp_path: Path) -> None:
    with FakeElectricityMaps.start() as em:
        service = em_service(services, em, tmp_path / "http.sqlite")
        fetch(service, ELECTRICITYMAPS, EM_REGIONS[2:3])
        pid = service.helper_pid
        assert pid is not None
        service.close()
        assert service.helper_pid is None and process_gone(pid)

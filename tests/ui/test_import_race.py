"""The first live refresh once failed under load with "No module named 'socks'" followed by "module 'requests' has no
attribute 'exceptions'". Cause: superqt's worker wrapped each task in `warnings.catch_warnings()` on its pool
thread, which swaps the process-wide warning filters at the task's start and end. requests installs a filter that
ignores urllib3's DependencyWarning and, a few imports later, urllib3.contrib.socks warns (PySocks is not
installed); when a task ended in between, that filter was gone, the warning became an error (tests turn warnings
into errors), the import of requests failed half-way, and every later `import requests` returned a module without
its submodules. The first import also ran on the GUI thread (a stall). A background task must leave the warning
filters alone, and the HTTP stack must load on the pool."""

import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

from carbon_gui.ui import live_data
from carbon_gui.ui.workers import BackgroundTasks, wait_for_background_work
from tests.ui.test_live_data_batches import em, live_for, regions  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


def test_a_background_task_runs_with_the_process_warning_filters_untouched(qtbot):
    filters, show = warnings.filters, warnings.showwarning
    seen: list[tuple[bool, bool, bool]] = []

    def look() -> None:  # on a pool thread
        seen.append((threading.current_thread() is threading.main_thread(), warnings.filters is filters,
                     warnings.showwarning is show))  # fmt: skip

    results: list[object] = []
    BackgroundTasks().run(look, on_result=results.append, on_error=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results == [None]
    on_main, same_filters, same_show = seen[0]
    assert not on_main
    assert same_filters, "the task ran with a replaced (process-wide) warning filter list"
    assert same_show, "the task ran with a replaced (process-wide) warnings.showwarning"
    assert warnings.filters is filters and warnings.showwarning is show


# A fresh interpreter (requests not yet imported), as when the window starts: the first live refresh of a real
# LiveData and LiveService against the local fake Electricity Maps, with an import hook that records which thread
# first imports requests.
FIRST_REFRESH = textwrap.dedent(
    """
    import sys, threading, warnings
    warnings.simplefilter("error")
    assert "requests" not in sys.modules
    first_import = []

    class Recorder:
        def find_spec(self, name, path=None, target=None):
            if name == "requests" and not first_import:
                first_import.append(threading.current_thread() is threading.main_thread())
            return None

    sys.meta_path.insert(0, Recorder())
    from datetime import UTC, datetime
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from carbon_gui.live_service import LiveService
    from carbon_gui.providers import ELECTRICITYMAPS
    from carbon_gui.secrets import Credentials, Secret
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.ui.live_data import LiveData
    from carbon_gui.ui.workers import BackgroundTasks, wait_for_background_work
    from tests.integration.fake_providers import FakeElectricityMaps

    app = QCoreApplication([])
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        credentials = Credentials(Secret(em.token), None, None)
        service = LiveService(lambda: credentials, environ={"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url},
                              cache_path=Path(sys.argv[1]))
        data = LiveData(service, BackgroundTasks())
        data.set_regions(list(load_reference().catalog.regions))
        data.provider = ELECTRICITYMAPS
        data.statusChanged.connect(lambda message: print(message))
        data.refresh()
        clock = QElapsedTimer()
        clock.start()
        while data.busy and clock.elapsed() < 60_000:
            app.processEvents()
        assert wait_for_background_work(30_000)
    print("imported on the GUI thread" if first_import[0] else "imported on a pool thread")
    print(f"signals for {len(data.signals)} regions")
    """
)


def test_the_first_live_refresh_loads_the_http_stack_off_the_gui_thread(tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", FIRST_REFRESH, str(tmp_path / "http.sqlite")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "imported on a pool thread" in done.stdout, done.stdout
    with_signals = int(done.stdout.split("signals for ")[1].split()[0])
    assert with_signals > 10, done.stdout


def test_a_first_refresh_cancelled_while_the_http_stack_loads_sends_nothing(qtbot, em, tmp_path, regions,  # noqa: F811
                                                                               monkeypatch):  # fmt: skip
    monkeypatch.setattr(live_data, "_http_stack_frozen", False, raising=False)  # as in a new process
    data = live_for(em, tmp_path, regions)
    data.refresh()
    assert data.busy  # a second refresh now would not start another
    data.cancel()
    assert not data.busy
    assert wait_for_background_work(30_000)
    qtbot.wait(200)  # the load's result is delivered, and ignored
    assert em.count() == 0 and not data.busy and data.signals == {}
    data.refresh()  # the next refresh fetches
    qtbot.waitUntil(lambda: not data.busy, timeout=20_000)
    assert em.count() > 0 and len(data.signals) > 10


def test_the_fetch_helper_loads_the_http_stack_before_it_starts_a_thread():
    """Its threads then never import requests or urllib3 lazily, side by side."""
    check = textwrap.dedent(
        """
        import sys, threading
        import carbon_gui.sources.fetch_helper
        loaded = [m for m in ("requests", "requests_cache", "urllib3", "requests.adapters") if m in sys.modules]
        print(len(loaded), threading.active_count())
        """
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["4", "1"], done.stdout


def test_requests_imports_whole_even_when_another_thread_swaps_the_warning_filters_meanwhile():
    """Other code still swaps the filters at times (pyqtgraph on the GUI thread while it finds a curve's bounds,
    google-auth on the pool while it reads credentials). Here the swap is made to land exactly where it hurt: just
    before urllib3.contrib.socks is imported, after requests installed its filter. The process imports the
    workers module first, as the window does before its first background task."""
    script = textwrap.dedent(
        """
        import sys, warnings
        warnings.simplefilter("error")
        import carbon_gui.ui.workers
        pytest_filters = list(warnings.filters)  # without requests' filter, as a concurrent catch_warnings leaves them

        class SwapAtSocks:
            def find_spec(self, name, path=None, target=None):
                if name == "urllib3.contrib.socks":
                    warnings.filters[:] = pytest_filters
                return None

        sys.meta_path.insert(0, SwapAtSocks())
        import requests
        print(requests.exceptions.RequestException.__name__)
        """
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["RequestException"], done.stdout

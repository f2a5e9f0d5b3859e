"""Start-up pays only for what the first paint needs: superqt, the HTTP stack, the keyring and the job
flow (Google clients, sqlite ledger) load after it, in workers; pyqtgraph and numpy (~0.25 s) with the first plot or
on the pool after the first ranking, the bundled replay with the first replayed signal."""

import subprocess
import sys

DEFERRED = (
    "superqt",
    "requests",
    "keyring",
    "google.cloud.aiplatform",
    "google.cloud.storage",
    "carbon_gui.jobs",
    "carbon_gui.cloud",
    "codecarbon",
    "pyqtgraph",
    "numpy",
    "carbon_gui.sources.replay",
)


def test_importing_the_window_loads_none_of_the_deferred_modules() -> None:
    code = (
        "import sys\n"
        "import carbon_gui.app, carbon_gui.ui.main_window\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {DEFERRED!r} or m.startswith({DEFERRED!r})))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]", f"loaded at start-up: {loaded.stdout.strip()}"

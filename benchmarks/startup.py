"""Start-up benchmark: process start -> first painted main window, carbon_gui vs a bare
PySide6 + pyqtgraph window, measured in the same run, interleaved. Prints the median ratio
(target <= 1.15), the time until the first ranking is on screen, and resident memory. Also against an empty
PySide6 window without pyqtgraph, which carbon_gui no longer loads before its first paint."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PROBE = Path(__file__).with_name("paint_probe.py")


def run(kind: str, env: dict[str, str]) -> dict[str, float]:
    start = time.time()
    out = subprocess.run([sys.executable, str(PROBE), kind], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"{kind} probe failed:\n{out.stderr}")
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    data = json.loads(line)
    return {
        "paint_s": data["painted"] - start,
        "ranked_s": data.get("ranked", data["painted"]) - start,
        "rss_mb": data["rss_mb"],
    }


def main() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env["CARBON_GUI_CONFIG_DIR"] = tempfile.mkdtemp(prefix="carbon-gui-bench-")
    run("bare", env), run("qt", env), run("app", env)  # warm the OS file cache once; not counted
    bare, qt, app = [], [], []
    for _ in range(RUNS):
        bare.append(run("bare", env))
        qt.append(run("qt", env))
        app.append(run("app", env))
    ratios = [a["paint_s"] / b["paint_s"] for a, b in zip(app, bare, strict=True)]
    qt_ratios = [a["paint_s"] / q["paint_s"] for a, q in zip(app, qt, strict=True)]
    med = statistics.median
    print(f"startup: {RUNS} interleaved runs each (QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']})")
    print(f"  bare PySide6+pyqtgraph window, first paint: median {med(b['paint_s'] for b in bare) * 1000:.0f} ms")
    print(f"  carbon_gui main window, first paint:        median {med(a['paint_s'] for a in app) * 1000:.0f} ms")
    print(f"  ratio carbon_gui / bare (median of pairs):  {med(ratios):.2f}  (target <= 1.15)")
    print(f"  empty PySide6 window (no pyqtgraph):        median {med(q['paint_s'] for q in qt) * 1000:.0f} ms")
    print(f"  ratio carbon_gui / empty PySide6 window:    {med(qt_ratios):.2f}  (for information)")
    print(f"  carbon_gui first ranking on screen:         median {med(a['ranked_s'] for a in app) * 1000:.0f} ms")
    print(
        f"  resident memory after start: carbon_gui {med(a['rss_mb'] for a in app):.0f} MiB, "
        f"bare {med(b['rss_mb'] for b in bare):.0f} MiB"
    )


if __name__ == "__main__":
    main()

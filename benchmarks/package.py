"""Package benchmark (`make bench`): size of the PyInstaller build and its start-up, next to the source install.

Start-up is measured twice per install, medians of BENCH_RUNS runs:
- `carbon-gui --version`: process start to exit, the fixed cost of the interpreter or the frozen bootloader;
- `carbon-gui --self-test`: process start to the window's first ranking (the self-test reports it), offscreen.
Skips the build's column, with a message, when `make package` has not been run.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SOURCE = ROOT / ".venv" / "bin" / "carbon-gui"
BUILD = ROOT / "dist" / "carbon-gui" / ("carbon-gui.exe" if sys.platform == "win32" else "carbon-gui")
RANKED = re.compile(r"^rank: .*, ([0-9.]+) s after the process started$", re.MULTILINE)


def folder_mb(folder: Path) -> float:
    """Bytes on disk in MB, each file once: symlinks (PyInstaller links Qt's libraries) are not followed."""
    total = 0
    for parent, _dirs, files in os.walk(folder):  # os.walk does not descend into linked folders
        total += sum(os.lstat(os.path.join(parent, name)).st_size for name in files)
    return total / 1e6


def run(command: list[str], scratch: str) -> tuple[float, str]:
    env = dict(os.environ, HOME=scratch, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"package bench: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def measure(executable: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="carbon-gui-bench-") as scratch:
        run([str(executable), "--version"], scratch)  # warm the OS file cache once; not counted
        version = [run([str(executable), "--version"], scratch)[0] for _ in range(RUNS)]
        ranked = []
        for _ in range(RUNS):
            found = RANKED.search(run([str(executable), "--self-test"], scratch)[1])
            if found is None:
                raise SystemExit(f"package bench: {executable} --self-test did not report its ranking time.")
            ranked.append(float(found.group(1)))
    return {"version_s": statistics.median(version), "ranked_s": statistics.median(ranked)}


def main() -> int:
    if not SOURCE.exists():
        raise SystemExit("package bench: no source install (.venv/bin/carbon-gui): run `make bootstrap` first.")
    site_packages = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    rows = [("source install (.venv)", folder_mb(site_packages), measure(SOURCE))]
    if BUILD.exists():
        rows.append(("PyInstaller build (dist/carbon-gui)", folder_mb(BUILD.parent), measure(BUILD)))
    print(f"Package: size and start-up, medians of {RUNS} runs (offscreen)")
    print(f"  {'install':<36} {'size MB':>8} {'--version s':>12} {'first ranking s':>16}")
    for name, size, times in rows:
        print(f"  {name:<36} {size:>8.0f} {times['version_s']:>12.2f} {times['ranked_s']:>16.2f}")
    if not BUILD.exists():
        print(f"  PyInstaller build: skipped, {BUILD.relative_to(ROOT)} does not exist (run `make package`).")
    print("  size of the source install = the whole venv's site-packages (dev tools included).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

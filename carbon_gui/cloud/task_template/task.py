"""The task.py carbon-gui generates: run your training under codecarbon and write emissions.csv.

This file is copied, unchanged, next to your script (packaged as `user_script.py`) and a small
`task_config.json` that names your script and the function to call. It runs standalone: it needs only
the standard library and codecarbon, never carbon_gui.

    python -m trainer.task [your script's arguments...]

Read from the environment:
    CARBON_GUI_COUNTRY_ISO  3-letter ISO code of the grid the run draws from (codecarbon's intensity)
    AIP_MODEL_DIR           output directory: set by Vertex AI (gs://..., written through its /gcs/ mount)
                            and by carbon-gui's local runner; ./output when unset
    CARBON_GUI_RUN_STATE    set by carbon-gui's local runner only: a file where the run records itself, its pid
                            and start time when it starts and its exit code when it ends (each write atomic), so
                            the run can be followed even if the app died before it recorded the pid

codecarbon runs offline (OfflineEmissionsTracker): it opens no network connection. If it cannot start,
the training still runs and a line says why nothing was measured.
"""

import importlib
import json
import os
import runpy
import signal
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONFIG_FILE = "task_config.json"
USER_MODULE = "user_script"
EMISSIONS_FILE = "emissions.csv"
METHODS_FILE = "codecarbon_methods.json"  # how codecarbon got the CPU power: not in its CSV
COUNTRY_ENV = "CARBON_GUI_COUNTRY_ISO"
RUN_STATE_ENV = "CARBON_GUI_RUN_STATE"


ASCII_LOOKALIKES = {ord("₂"): "2"}  # "CO₂e" -> "CO2e" where the output cannot say it


def say(message: str) -> None:
    """One line of the job log. Python 3.7+ writes UTF-8 even in a container's C locale, but a stream set to
    another encoding (PYTHONIOENCODING=ascii, a Latin-1 locale) would raise UnicodeEncodeError and fail the run over
    a log line: there "CO₂e" reads "CO2e", and other characters it lacks (in a path, an error) are escaped."""
    line = f"[carbon-gui] {message}"
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        line.encode(encoding)
    except UnicodeEncodeError:
        line = line.translate(ASCII_LOOKALIKES).encode(encoding, "backslashreplace").decode(encoding)
    print(line, flush=True)


def output_dir() -> Path:
    """AIP_MODEL_DIR as a local path: Vertex AI mounts gs://bucket/... at /gcs/bucket/..."""
    configured = os.environ.get("AIP_MODEL_DIR", "output")
    if configured.startswith("gs://"):
        return Path("/gcs") / configured.removeprefix("gs://")
    return Path(configured)


def start_tracker(country: str, out: Path) -> Any:  # OfflineEmissionsTracker | None: codecarbon loads lazily
    """codecarbon's offline tracker, started; None (with the reason printed) when it cannot run."""
    if len(country) != 3 or not country.isalpha():
        say(f"emissions not measured: {COUNTRY_ENV} is {country!r}, not a 3-letter ISO country code")
        return None
    os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")  # read on import: quiet from the first line
    try:
        from codecarbon import OfflineEmissionsTracker

        tracker = OfflineEmissionsTracker(
            country_iso_code=country.upper(),
            output_dir=str(out),
            output_file=EMISSIONS_FILE,
            save_to_file=True,
            log_level="error",
            allow_multiple_runs=True,  # no lock file in /tmp shared with other runs
        )
        tracker.start()
    except Exception as err:  # noqa: BLE001 -- measuring must never stop the training
        say(f"emissions not measured: codecarbon could not start ({type(err).__name__}: {err})")
        return None
    cpu_mode = cpu_power_mode(tracker)
    (out / METHODS_FILE).write_text(json.dumps({"cpu_mode": cpu_mode}), encoding="utf-8")
    say(f"codecarbon tracking for {country.upper()} (CPU power: {cpu_mode}), writing {out / EMISSIONS_FILE}")
    return tracker


def cpu_power_mode(tracker: Any) -> str:
    """codecarbon's CPU mode (intel_rapl reads counters; cpu_load and constant estimate from the TDP)."""
    for device in getattr(tracker, "_hardware", []):
        if type(device).__name__ == "CPU":
            return str(getattr(device, "_mode", "unknown"))
    return "unknown"


def stop_tracker(tracker: Any) -> None:
    if tracker is None:
        return
    try:
        kg = tracker.stop()
    except Exception as err:  # noqa: BLE001 -- nor lose its result
        say(f"emissions not saved: codecarbon could not stop ({type(err).__name__}: {err})")
        return
    if kg is not None:
        say(f"emissions: {kg:.6g} kg CO₂e (codecarbon, see {EMISSIONS_FILE})")


def run_user_code(script_name: str, function: str | None) -> None:
    script = HERE / f"{USER_MODULE}.py"
    sys.argv = [str(script), *sys.argv[1:]]  # the user's argparse sees its own arguments
    if function is None:
        say(f"running {script_name} as a script")
        runpy.run_path(str(script), run_name="__main__")
        return
    sys.path.insert(0, str(HERE))  # `import user_script` works, also in multiprocessing workers
    module = importlib.import_module(USER_MODULE)
    say(f"running {function}() from {script_name}")
    getattr(module, function)()


def main() -> int:
    config = json.loads((HERE / CONFIG_FILE).read_text(encoding="utf-8"))
    # SIGTERM (cancel, here and on Vertex AI) ends the run through `finally`, so codecarbon still saves
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    out = output_dir()
    out.mkdir(parents=True, exist_ok=True)
    tracker = start_tracker(os.environ.get(COUNTRY_ENV, ""), out)
    started = time.monotonic()
    try:
        run_user_code(config["script_name"], config.get("function"))
    except SystemExit as stop:
        if stop.code not in (None, 0):
            say(f"training stopped (exit code {stop.code}) after {time.monotonic() - started:.1f} s")
        raise
    except BaseException as err:
        say(f"training failed after {time.monotonic() - started:.1f} s: {type(err).__name__}: {err}")
        raise
    else:
        say(f"training finished in {time.monotonic() - started:.1f} s")
    finally:
        stop_tracker(tracker)
    return 0


def record_run_state(state: dict[str, Any]) -> None:
    """Write the run's own record where the local runner asked for it (nowhere on Vertex AI): temp file + rename,
    so a reader never sees half of it."""
    target = os.environ.get(RUN_STATE_ENV)
    if not target:
        return
    path = Path(target)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as err:  # recording must never stop the training
        say(f"could not record the run's state in {path} ({err})")


def exit_status(code: object) -> int:
    """The process exit status Python gives for `sys.exit(code)`."""
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1  # int(): sys.exit(True) is 1


def run_recorded() -> int:
    """main(), recorded: pid and start time before anything else, the exit status once it is known."""
    state: dict[str, Any] = {"pid": os.getpid(), "started_at": time.time()}
    record_run_state(state)
    status = 1  # an exception escaping main(): Python exits with 1
    try:
        status = main()
    except SystemExit as stop:
        status = exit_status(stop.code)
        raise
    finally:
        if os.getpid() == state["pid"]:  # a fork of the user's code unwinding here is not the run
            record_run_state({**state, "exit_code": status, "ended_at": time.time()})
    return status


if __name__ == "__main__":
    sys.exit(run_recorded())

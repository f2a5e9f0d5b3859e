"""The benchmark runner carbon-gui generates (phase 1 of hardware dimensioning): your script over a grid.

carbon-gui copies this file, with the line `BENCHMARK = None` replaced by the benchmark (your script's source, the
configurations still to run, the column names), and launches it as the training script of an ordinary job:
task.py calls its `train()`, locally or on Vertex AI. Like task.py it needs only the standard library, codecarbon
and psutil (a codecarbon dependency), never carbon_gui.

Each run calls your `train(**configuration)` in a fresh Python process (its memory is its own, and a crash ends
one run, not the benchmark), under codecarbon's offline tracker. It records the run's time, average and peak
memory, energy, CO2e and the numbers train() returns, as one row of benchmark.csv in the output directory
(AIP_MODEL_DIR: on Vertex AI the job's bucket through its /gcs/ mount). Each row is flushed and fsynced, so a
killed run keeps every completed row, and a restarted runner skips the rows its file already has. Progress
(runs done of total) is rewritten atomically to benchmark-progress.json after each run.
"""

import contextlib
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCHMARK = None  # carbon-gui replaces this line with the benchmark, as a JSON text
COUNTRY_ENV = "CARBON_GUI_COUNTRY_ISO"
USER_MODULE = "benchmarked_script"
ONE_RUN = "--one-run"
SAMPLE_S = 0.05  # memory sampling interval
MB = 1024**2


def say(message: str) -> None:
    print(f"[carbon-gui] {message}", flush=True)


def output_dir() -> Path:
    """AIP_MODEL_DIR as a local path (as task.py): Vertex AI mounts gs://bucket/... at /gcs/bucket/..."""
    configured = os.environ.get("AIP_MODEL_DIR", "output")
    if configured.startswith("gs://"):
        return Path("/gcs") / configured.removeprefix("gs://")
    return Path(configured)


def train() -> None:
    """What task.py calls: the whole benchmark."""
    if BENCHMARK is None:
        raise SystemExit("This is carbon-gui's benchmark template: carbon-gui fills it in before a run.")
    Benchmark(json.loads(BENCHMARK), output_dir(), os.environ.get(COUNTRY_ENV, "")).run()


def key_of(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


class Benchmark:
    def __init__(self, config: dict[str, Any], out: Path, country: str) -> None:
        self.config, self.out, self.country = config, out, country
        self.names: list[str] = config["names"]
        self.measures: dict[str, str] = config["measures"]  # what is measured -> its column
        self.metrics: list[str] | None = config["metrics"]  # fixed by the dataset, else by the first run
        self.rows_path = out / config["rows_file"]
        self.progress_path = out / config["progress_file"]
        self.noted: set[str] = set()
        self.done = self.failed = 0

    def run(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        have = self.existing_rows()
        order = self.order(have)
        total = sum(needed for _, needed in self.config["work"])
        self.done = total - len(order)
        say(f"benchmark: {len(order)} runs to do of {total} ({self.done} already in {self.rows_path.name})")
        with tempfile.TemporaryDirectory(prefix="carbon-gui-benchmark-") as folder:
            user_dir = Path(folder)
            (user_dir / f"{USER_MODULE}.py").write_text(self.config["source"], encoding="utf-8")
            for values in order:
                configuration = dict(zip(self.names, values, strict=True))
                self.progress(total, configuration)
                measured = self.measure(user_dir, configuration)
                row = self.row(values, measured) if measured is not None else None
                if row is None:
                    self.failed += 1
                    continue
                self.append(row)
                self.done += 1
        self.progress(total, None)
        say(f"benchmark: {self.done} of {total} runs recorded, {self.failed} failed")
        if order and self.failed == len(order):
            raise RuntimeError(f"every run of the benchmark failed ({self.failed}): see the lines above for why")

    def existing_rows(self) -> Counter[tuple[float, ...]]:
        """Rows this job's file already has (a restarted runner), after dropping a line a kill cut short."""
        if not self.rows_path.exists():
            return Counter()
        text = self.rows_path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
            temporary = self.rows_path.with_name(self.rows_path.name + ".tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.rows_path)
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and self.metrics is None:
            self.metrics = [c for c in rows[0] if c not in self.names and c not in self.measures.values()]
        return Counter(key_of(row[name] for name in self.names) for row in rows)

    def order(self, have: Counter[tuple[float, ...]]) -> list[list[Any]]:
        """Repetition-major (the whole grid once, then again...), without the runs this job's file has."""
        work = [(values, needed - have.get(key_of(values), 0)) for values, needed in self.config["work"]]
        rounds = max((needed for _, needed in work), default=0)
        return [values for r in range(rounds) for values, needed in work if needed > r]

    def measure(self, user_dir: Path, configuration: dict[str, Any]) -> dict[str, Any] | None:
        """One run in a child process under codecarbon: measures and train()'s answer; None (said why) if it
        failed."""
        import psutil  # codecarbon's dependency

        tracker = start_tracker(self.country)
        if tracker is None:
            return None
        result_file = user_dir / "result.json"
        result_file.unlink(missing_ok=True)
        samples: list[int] = []
        command = [sys.executable, __file__, ONE_RUN, str(user_dir), self.config["function"]]
        child = subprocess.Popen([*command, json.dumps(configuration), str(result_file)], stdin=subprocess.DEVNULL)
        try:
            process = psutil.Process(child.pid)
            while child.poll() is None:
                samples.append(resident_bytes(process, psutil))
                time.sleep(SAMPLE_S)
        finally:
            if child.poll() is None:  # SIGTERM (cancel) arrived while it ran: the run is not recorded
                child.kill()
                child.wait()
            emissions = stop_tracker(tracker)
        answer = read_result(result_file)
        if child.returncode != 0 or answer is None or "error" in answer:
            why = answer["error"] if answer and "error" in answer else f"exit code {child.returncode}"
            say(f"run {configuration} failed ({why}): not recorded")
            return None
        if emissions is None:
            return None
        samples = [s for s in samples if s > 0]
        peak = max([*samples, answer["max_rss_bytes"]])
        average = sum(samples) / len(samples) if samples else peak
        return {
            "seconds": answer["seconds"],
            "mem_avg_mb": average / MB,
            "mem_peak_mb": peak / MB,
            **emissions,
            "metrics": answer["metrics"],
        }

    def row(self, values: list[Any], measured: dict[str, Any]) -> list[Any] | None:
        metrics = self.checked_metrics(measured.pop("metrics"), values)
        if metrics is None:
            return None
        return [*values, *(measured[what] for what in self.measures), *metrics]

    def checked_metrics(self, answer: Any, values: list[Any]) -> list[float] | None:
        """train()'s numbers in the dataset's metric columns; None (said why) when a column's number is missing."""
        if answer is None:
            answer = {}
        if not isinstance(answer, dict):
            say(f"run {values}: train() returned {type(answer).__name__}, not a dict of metrics or None: not recorded")
            return None
        taken = {*self.names, *self.measures.values(), "run"}
        numbers = {}
        for name, value in answer.items():
            if not isinstance(name, str) or name in taken or "\n" in name:
                self.note(f"metric {name!r} has the name of a column the runner writes (or is no text): ignored")
            elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                self.note(f"metric {name!r} is {value!r}, not a finite number: ignored")
            else:
                numbers[name] = float(value)
        if self.metrics is None:
            self.metrics = list(numbers)
        missing = [m for m in self.metrics if m not in numbers]
        if missing:
            say(f"run {values}: train() returned no {', '.join(missing)} (every run must return the same metrics)")
            return None
        for extra in set(numbers) - set(self.metrics):
            self.note(f"metric {extra!r} was not returned by the first run: ignored")
        return [numbers[m] for m in self.metrics]

    def note(self, message: str) -> None:
        if message not in self.noted:
            self.noted.add(message)
            say(message)

    def append(self, row: list[Any]) -> None:
        """One row, flushed and fsynced: a kill after this keeps it. The header goes first into a new file."""
        assert self.metrics is not None
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        if not self.rows_path.exists() or self.rows_path.stat().st_size == 0:
            writer.writerow([*self.names, *self.measures.values(), *self.metrics])
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row])
        with open(self.rows_path, "a", encoding="utf-8", newline="") as file:
            file.write(text.getvalue())
            file.flush()
            os.fsync(file.fileno())

    def progress(self, total: int, current: dict[str, Any] | None) -> None:
        state = {"done": self.done, "total": total, "failed": self.failed, "current": current, "at": time.time()}
        temporary = self.progress_path.with_name(f"{self.progress_path.name}.tmp")
        try:
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.progress_path)
        except OSError as err:  # progress is for the user's eyes: never a reason to stop the benchmark
            self.note(f"could not write progress to {self.progress_path} ({err})")


def resident_bytes(process: Any, psutil: Any) -> int:
    """Resident memory of the run's process and everything it started; 0 once it is gone."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):  # one that just ended
            total += member.memory_info().rss
    return total


def start_tracker(country: str) -> Any:
    """A started OfflineEmissionsTracker for one run; None (said why) when it cannot measure."""
    if len(country) != 3 or not country.isalpha():
        say(f"run not measured: {COUNTRY_ENV} is {country!r}, not a 3-letter ISO country code")
        return None
    os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")
    try:
        from codecarbon import OfflineEmissionsTracker

        tracker = OfflineEmissionsTracker(
            country_iso_code=country.upper(), save_to_file=False, log_level="error", allow_multiple_runs=True
        )
        tracker.start()
    except Exception as err:  # noqa: BLE001 -- said, and the run is not recorded
        say(f"run not measured: codecarbon could not start ({type(err).__name__}: {err})")
        return None
    return tracker


def stop_tracker(tracker: Any) -> dict[str, float] | None:
    try:
        tracker.stop()
        data = tracker.final_emissions_data
        return {
            "emissions_kg": float(data.emissions),
            "emissions_rate_kg_s": float(data.emissions_rate),
            "cpu_energy_kwh": float(data.cpu_energy),
            "gpu_energy_kwh": float(data.gpu_energy),
            "ram_energy_kwh": float(data.ram_energy),
            "energy_kwh": float(data.energy_consumed),
        }
    except Exception as err:  # noqa: BLE001 -- said, and the run is not recorded
        say(f"run not measured: codecarbon could not stop ({type(err).__name__}: {err})")
        return None


def read_result(path: Path) -> dict[str, Any] | None:
    try:
        answer: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return answer


def one_run(user_dir: str, function: str, configuration: str, result_file: str) -> int:
    """The child: import the script, time `function(**configuration)`, write what it returned."""
    import importlib
    import traceback

    sys.path.insert(0, user_dir)
    sys.argv = [str(Path(user_dir) / f"{USER_MODULE}.py")]
    answer: dict[str, Any]
    status = 0
    try:
        train_function = getattr(importlib.import_module(USER_MODULE), function)
        started = time.perf_counter()
        metrics = train_function(**json.loads(configuration))
        seconds = time.perf_counter() - started
        answer = {"seconds": seconds, "metrics": metrics}
    except BaseException as err:  # noqa: BLE001 -- any failure of the user's code ends this run only
        traceback.print_exc()
        answer, status = {"error": f"{type(err).__name__}: {err}"}, 1
    answer["max_rss_bytes"] = peak_rss_bytes()
    try:  # a value that is not JSON becomes its repr: the parent says it is not a number
        text = json.dumps(answer, default=repr)
    except (TypeError, ValueError) as err:  # keys that are not text
        text, status = json.dumps({"error": f"train() returned metrics that cannot be recorded ({err})"}), 1
    Path(result_file).write_text(text, encoding="utf-8")
    return status


def peak_rss_bytes() -> int:
    """This process's peak resident memory; 0 where the OS does not say (Windows). On Linux VmHWM: ru_maxrss
    keeps the high-water mark of the parent's image it was forked from, across exec."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    if sys.platform != "darwin":
        return 0
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # bytes on macOS


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == ONE_RUN:
    sys.exit(one_run(*sys.argv[2:]))

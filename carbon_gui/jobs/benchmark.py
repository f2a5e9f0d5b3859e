"""Phase 1 of hardware dimensioning: run the user's script over a grid, on each hardware platform, into a dataset.

One ordinary job per platform (this machine, or a Vertex AI machine type ± GPU) goes through the job service, so
the ledger, monitor, cancel, cleanup and crash recovery apply as to any job. Its training script is generated:
cloud/task_template/benchmark_task.py with the benchmark filled in (the user's source, the configurations still to
run, the column names). The job writes benchmark.csv to its output (the local staging directory, or the bucket
through Vertex AI's /gcs/ mount); when the job ends its rows are collected into `<out>/<algorithm>_<hardware>.csv`
with the `.json` the HADA loader (sources/benchmarks.py) reads.

Resume: a configuration's rows in the dataset count as its first repetitions, so only the missing runs are
launched. Collecting is idempotent (each row keeps its `run` = job id/row), and jobs launched but not yet collected
are listed in `<out>/.benchmark/jobs.json`, so a benchmark whose app died collects them the next time.
Blocking calls (run, follow) belong on a worker thread; `progress` and `cancel` let a window drive them (`progress`
is called on that thread, with every platform's state: a window forwards it through a queued signal).
"""

import csv
import io
import json
import os
import platform
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.packaging import SCRIPT_FILE, read_user_text
from carbon_gui.core import benchmark_grid as bg
from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.geo import great_circle_km
from carbon_gui.core.job_states import is_terminal
from carbon_gui.core.script_check import check_script
from carbon_gui.jobs.planner import with_hints
from carbon_gui.jobs.request import LOCAL, VERTEX, LaunchPlan, LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import ReferenceData

ROWS_FILE = "benchmark.csv"  # what the job writes into its output directory
PROGRESS_FILE = "benchmark-progress.json"
STATE_DIR = ".benchmark"  # in the dataset folder: the generated scripts and the jobs not collected yet
PENDING_FILE = "jobs.json"
TEMPLATE = "task_template/benchmark_task.py"
PLACEHOLDER = "BENCHMARK = None  # carbon-gui replaces this line with the benchmark, as a JSON text"
LOCAL_MACHINE = "this-machine"  # the ledger's machine type of a local benchmark
COLLECT_ATTEMPTS = 5  # polls that may fail to read an ended job's rows before its platform is given up


@dataclass(frozen=True)
class Hardware:
    """One platform to benchmark on: this machine, or a Vertex AI machine type with its GPUs in a region."""

    target: str  # LOCAL or VERTEX
    region: str  # Vertex AI: where the job runs; locally: the grid codecarbon charges the runs to
    machine_type: str = LOCAL_MACHINE
    accelerator_type: str | None = None
    accelerator_count: int = 0

    @property
    def hardware_id(self) -> str:
        if self.target == LOCAL:
            return f"local-{bg.safe_name(platform.node() or 'computer')}"
        return bg.hardware_id(self.machine_type, self.accelerator_type, self.accelerator_count)


@dataclass(frozen=True)
class BenchmarkRequest:
    script: Path
    grid: bg.Grid
    repeat: int
    hardware: tuple[Hardware, ...]
    out_dir: Path
    algorithm: str  # the dataset's name (file names and the JSON's "name")
    function: str = "train"
    project: str | None = None
    requirements: Path | None = None
    image_uri: str | None = None  # the Vertex AI jobs' container; None: the first listed prebuilt one still available


@dataclass(frozen=True)
class PlatformPlan:
    """What one platform's job will do: the runs still missing from its dataset, and the launch's dry run."""

    hardware: Hardware
    stem: str  # <algorithm>_<hardware>: the dataset's file names without .csv/.json
    work: tuple[tuple[bg.Configuration, int], ...]  # configuration, runs it still needs
    already: int  # runs the dataset has for this grid
    launch: LaunchPlan | None  # None when nothing is missing
    metrics: tuple[str, ...] | None  # the dataset's metric columns; None while it has none

    @property
    def runs(self) -> int:
        return sum(needed for _, needed in self.work)

    @property
    def price(self) -> float | None:
        estimate = self.launch.estimate if self.launch else None
        return estimate.usd_per_hour if estimate else None


@dataclass
class PlatformProgress:
    """One platform's job as the window's progress bar and the CLI show it."""

    hardware: str
    stem: str
    job_id: str | None
    state: str
    done: int  # runs recorded (this job's file), from its progress file
    total: int  # runs this job has to do
    failed: int = 0
    collected: int = 0  # rows added to the dataset
    note: str | None = None  # the last problem (a poll that failed, a run that failed)
    ended: bool = False  # nothing more to follow: the job ended and its rows were collected (or could not be)
    collect_attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


Progress = Callable[[list[PlatformProgress]], None]
# How the problems a front end completes begin (planner.with_hints): the benchmark says what to do, the front end
# where (the CLI's --out and job commands, the window's Choose folder… and Jobs tab)
EARLIER_JOB = "Benchmark job"  # a job an earlier benchmark launched into this folder: follow it or cancel it
OTHER_DATASET = "The output folder holds another dataset"
UNWRITABLE = "Cannot write"


class Benchmark:
    def __init__(self, service: JobService, request: BenchmarkRequest, hints: Mapping[str, str] | None = None) -> None:
        """`hints`: where the front end takes what a platform's problem asks for (planner.with_hints)."""
        self._service, self._request, self._hints = service, request, hints or {}
        self._state_dir = request.out_dir / STATE_DIR

    def _say(self, problem: str) -> str:
        return with_hints([problem], self._hints)[0]

    def _write(self, path: Path, text: str) -> None:
        try:
            _write_atomically(path, text)
        except InputError as err:
            raise InputError(self._say(str(err))) from None

    def plan(self, scripts_dir: Path | None = None) -> list[PlatformPlan]:
        """The dry run of every platform: what each job will run (resume: what the dataset lacks). Writes only
        the generated scripts (into `scripts_dir`, default <out>/.benchmark/). InputError lists every problem."""
        request = self._request
        text = self._script_text()
        problems: list[str] = []
        plans = []
        for hardware in request.hardware:
            stem = bg.dataset_stem(request.algorithm, hardware.hardware_id)
            rows, metrics = self._dataset(stem)
            done = bg.done_counts(rows, request.grid.names)
            work = tuple(bg.remaining_work(request.grid, request.repeat, done))
            already = request.grid.size() * request.repeat - sum(n for _, n in work)
            plan = PlatformPlan(hardware, stem, work, already, None, metrics)
            if work:
                launch = self._service.plan(self._launch_request(plan, text, scripts_dir or self._state_dir))
                problems += [f"{hardware.hardware_id}: {p}" for p in with_hints(launch.problems, self._hints)]
                plan = replace(plan, launch=launch)
            plans.append(plan)
        stems = [p.stem for p in plans]
        twice = sorted({s for s in stems if stems.count(s) > 1})
        if twice:
            problems.append(f"{', '.join(twice)} is asked for twice: give each hardware platform once.")
        if problems:
            raise InputError("Nothing was launched. Fix these first:\n  " + "\n  ".join(dict.fromkeys(problems)))
        return plans

    def run(self, progress: Progress, cancel: threading.Event, poll_s: float = 1.0) -> list[PlatformProgress]:
        """Collect what earlier jobs left, plan, launch one job per platform with missing runs, follow them all to
        their end (cancel stops them: completed runs are kept) and collect each one's rows as it ends."""
        self.collect_pending()
        plans = self.plan()
        followed = [
            PlatformProgress(
                p.hardware.hardware_id,
                p.stem,
                None,
                "planned" if p.launch else "complete",
                0,
                p.runs,
                ended=p.launch is None,
            )
            for p in plans
        ]
        progress(followed)
        for plan, entry in zip(plans, followed, strict=True):
            if plan.launch is None:
                continue
            if cancel.is_set():
                entry.state, entry.ended = "cancelled", True
                continue
            entry.job_id = plan.launch.job_id
            self._remember(plan.launch.job_id, plan)  # before the launch: a crash during it still leaves the note
            try:
                record = self._service.launch(plan.launch, lambda step, status: None, cancel)
            except UserFacingError as err:  # this platform only: the others' jobs still run and are followed
                entry.state, entry.note, entry.ended = "cancelled" if cancel.is_set() else "failed", _line(err), True
                self._forget(plan.launch.job_id)
                continue
            entry.state = record.state
            progress(followed)
        self.follow(followed, progress, cancel, poll_s)
        return followed

    def follow(
        self, followed: list[PlatformProgress], progress: Progress, cancel: threading.Event, poll_s: float
    ) -> None:
        cancel_sent: set[str] = set()
        while True:
            for entry in followed:
                if entry.ended or entry.job_id is None:
                    continue
                job_id = entry.job_id
                if cancel.is_set() and job_id not in cancel_sent:
                    cancel_sent.add(job_id)
                    self._quietly(entry, partial(self._service.cancel, job_id))
                self._poll(entry)
            progress(followed)
            if all(entry.ended for entry in followed):
                return
            cancel.wait(poll_s)

    def _poll(self, entry: PlatformProgress) -> None:
        assert entry.job_id is not None
        record = self._quietly(entry, lambda: self._service.refresh(entry.job_id or ""))
        if record is None:
            return
        entry.state, entry.note = record.state, None
        counts = self._quietly(entry, lambda: self._service.output_file(entry.job_id or "", PROGRESS_FILE))
        if counts:
            try:
                state = json.loads(counts)
                entry.done, entry.failed = int(state["done"]), int(state["failed"])
            except (ValueError, KeyError, TypeError):
                pass  # a progress file being replaced: the next poll reads it
        if not is_terminal(record.state):
            return
        try:
            entry.collected = self.collect(entry.job_id)
        except InputError as err:  # the dataset cannot take the rows: they stay in the job's output, listed
            entry.note = _line(err)  # in jobs.json, so a later run collects them
        except UserFacingError as err:  # the output could not be read: the next polls try again, a few times
            entry.note = _line(err)
            entry.collect_attempts += 1
            if entry.collect_attempts < COLLECT_ATTEMPTS:
                return
        else:
            if record.error and record.state != "succeeded":
                entry.note = _line(record.error)
        entry.ended = True

    @staticmethod
    def _quietly(entry: PlatformProgress, action: Callable[[], Any]) -> Any:
        """A poll's problem is shown on its platform, and the next poll tries again."""
        try:
            return action()
        except UserFacingError as err:
            entry.note = _line(err)
            return None

    # --- collecting ---------------------------------------------------------------------------------------------

    def collect_pending(self) -> list[str]:
        """Collect the rows of ended jobs an earlier benchmark launched into this folder; returns what was done.
        Raises InputError when one is still running (its runs would be launched twice)."""
        notes = []
        for job_id, info in self._pending().items():
            if self._service.ledger.job(job_id) is None:  # the launch never recorded it: nothing ran
                self._forget(job_id)
                continue
            try:
                record = self._service.refresh(job_id)
            except UserFacingError as err:
                raise InputError(
                    self._say(
                        f"{EARLIER_JOB} {job_id} ({info['hardware']}) from an earlier run cannot be checked ({err}): "
                        "retry, or cancel it."
                    )
                ) from None
            if not is_terminal(record.state):
                raise InputError(
                    self._say(
                        f"{EARLIER_JOB} {job_id} ({info['hardware']}) from an earlier run is still {record.state}: "
                        "wait for it to end or cancel it, then run this again: its rows are collected then."
                    )
                )
            notes.append(f"{job_id} ({info['hardware']}): {self.collect(job_id)} rows collected")
        return notes

    def collect(self, job_id: str) -> int:
        """Add the rows job `job_id` wrote to its dataset (each once); returns how many were new."""
        info = self._pending().get(job_id)
        if info is None:
            return 0  # collected already
        text = self._service.output_file(job_id, ROWS_FILE)
        header, rows = _complete_rows(text or "")
        added = self._merge(info["stem"], info["hardware"], info.get("price"), job_id, header, rows) if rows else 0
        self._forget(job_id)
        return added

    def _merge(
        self, stem: str, hardware: str, price: float | None, job_id: str, header: list[str], rows: list[list[str]]
    ) -> int:
        names = self._request.grid.names
        measures = list(bg.MEASURE_COLUMNS.values())
        metrics = header[len(names) + len(measures) :]
        if header[: len(names) + len(measures)] != [*names, *measures]:
            raise CloudError(f"Job {job_id} wrote columns {header}, not the benchmark's: its rows were not collected.")
        columns = bg.dataset_columns(names, metrics)
        csv_path, json_path = self._request.out_dir / f"{stem}.csv", self._request.out_dir / f"{stem}.json"
        present, existing = _read_dataset(csv_path)
        if present is not None and present != columns:
            raise InputError(
                self._say(
                    f"{OTHER_DATASET}: {csv_path} has columns {', '.join(present)}, but job {job_id} wrote "
                    f"{', '.join(columns)}: collect into another folder."
                )
            )
        seen = {row[bg.RUN_COLUMN] for row in existing}
        new = [dict(zip(columns, [*row, f"{job_id}/{n}"], strict=True)) for n, row in enumerate(rows, start=1)]
        new = [row for row in new if row[bg.RUN_COLUMN] not in seen]
        everything = existing + new
        if price is None and json_path.exists():
            price = _json(json_path).get("HW_price")
        spec = bg.description(self._request.algorithm, hardware, price, self._request.grid, everything, metrics)
        self._write(csv_path, _csv_text(columns, everything))
        self._write(json_path, json.dumps(spec, indent=2) + "\n")
        return len(new)

    # --- the files of a benchmark folder ------------------------------------------------------------------------

    def _dataset(self, stem: str) -> tuple[list[dict[str, str]], tuple[str, ...] | None]:
        """The dataset's rows (those of this grid's hyperparameters) and its metric columns."""
        path = self._request.out_dir / f"{stem}.csv"
        columns, rows = _read_dataset(path)
        if columns is None:
            return [], None
        names = self._request.grid.names
        fixed = len(names) + len(bg.MEASURE_COLUMNS)
        if columns[:fixed] != bg.dataset_columns(names, [])[:fixed] or columns[-1] != bg.RUN_COLUMN:
            raise InputError(
                self._say(
                    f"{OTHER_DATASET}: {path} is not a benchmark of hyperparameters {', '.join(names)} made by "
                    f"carbon-gui (its columns are {', '.join(columns)}): choose another folder."
                )
            )
        try:
            bg.done_counts(rows, names)
        except ValueError:
            raise InputError(f"{path} has a hyperparameter value that is not a number: fix or move the file.") from None
        return rows, tuple(columns[fixed:-1])

    def _script_text(self) -> str:
        request = self._request
        try:
            text = read_user_text(request.script, SCRIPT_FILE)
        except CloudError as err:
            raise InputError(err.message) from None
        problems = check_script(request.script.name, text, None)  # a .py file that compiles
        if not problems:
            import ast

            tree = ast.parse(text, filename=request.script.name)
            problems = bg.check_benchmark_script(request.script.name, tree, request.function, request.grid.names)
        if problems:
            raise InputError(" ".join(problems))
        return text

    def _launch_request(self, plan: PlatformPlan, user_source: str, scripts_dir: Path) -> LaunchRequest:
        request, hardware = self._request, plan.hardware
        config = {
            "script_name": request.script.name,
            "function": request.function,
            "source": user_source,
            "names": request.grid.names,
            "work": [[list(values), needed] for values, needed in plan.work],
            "measures": bg.MEASURE_COLUMNS,
            "metrics": list(plan.metrics) if plan.metrics is not None else None,
            "rows_file": ROWS_FILE,
            "progress_file": PROGRESS_FILE,
        }
        script = scripts_dir / f"{plan.stem}.py"
        self._write(script, runner_script(config))
        return LaunchRequest(
            target=hardware.target,
            region=hardware.region,
            script=script,
            machine_type=hardware.machine_type,
            hours=1.0,  # the estimate's price per hour is the dataset's HW_price
            project=request.project if hardware.target == VERTEX else None,
            requirements=request.requirements,
            function="train",  # the generated runner's: it calls the user's function with each configuration
            accelerator_type=hardware.accelerator_type,
            accelerator_count=hardware.accelerator_count,
            image_uri=request.image_uri if hardware.target == VERTEX else None,
            display_name=f"benchmark {request.algorithm} ({hardware.hardware_id}, {hardware.region})",
        )

    def _pending(self) -> dict[str, dict[str, Any]]:
        path = self._state_dir / PENDING_FILE
        try:
            pending = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            raise InputError(f"{path} cannot be read ({err}): delete it (jobs it lists stay in the ledger).") from None
        return pending if isinstance(pending, dict) else {}

    def _remember(self, job_id: str, plan: PlatformPlan) -> None:
        pending = self._pending()
        pending[job_id] = {"stem": plan.stem, "hardware": plan.hardware.hardware_id, "price": plan.price}
        self._write(self._state_dir / PENDING_FILE, json.dumps(pending, indent=2))

    def _forget(self, job_id: str) -> None:
        pending = self._pending()
        pending.pop(job_id, None)
        self._write(self._state_dir / PENDING_FILE, json.dumps(pending, indent=2))


def runner_script(config: dict[str, Any]) -> str:
    """The generated training script: the benchmark template with `config` in place of its placeholder line."""
    template = resources.files("carbon_gui.cloud").joinpath(TEMPLATE).read_text(encoding="utf-8")
    assert template.count(PLACEHOLDER) == 1, "the benchmark template lost its placeholder line"
    return template.replace(PLACEHOLDER, f"BENCHMARK = {json.dumps(config)!r}")


def nearest_region(reference: ReferenceData, lat: float, lon: float) -> str:
    """The region closest to a place: the grid a benchmark on this machine is charged to when none is given."""
    located = [r for r in reference.catalog.regions if r.lat is not None and r.lon is not None]
    return min(located, key=lambda r: great_circle_km(lat, lon, r.lat or 0.0, r.lon or 0.0)).name


def _line(problem: object) -> str:
    """The first line of a message: a platform's note is one line."""
    text = str(problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__


def _complete_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the complete rows of a job's CSV (a last line a kill cut short is left out)."""
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        return [], []
    header = lines[0]
    return header, [row for row in lines[1:] if len(row) == len(header)]


def _read_dataset(path: Path) -> tuple[list[str] | None, list[dict[str, str]]]:
    """A dataset's header (None when there is no file, or an empty one) and rows."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path} cannot be read ({err}): fix or move it.") from None
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return (list(reader.fieldnames) if reader.fieldnames else None), rows


def _csv_text(columns: Sequence[str], rows: list[dict[str, str]]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_atomically(path: Path, text: str) -> None:
    """Temp file + rename: a reader (or a crash) never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as err:
        raise InputError(f"{UNWRITABLE} {path} ({err.strerror}): choose a writable folder.") from None

"""`carbon-gui benchmark`: phase 1 of hardware dimensioning, a dataset from your script over a grid.

    carbon-gui benchmark --script solve.py --grid "nScenarios=1..100:10" --repeat 3 --local
    carbon-gui benchmark --script solve.py --grid "nScenarios=1..100" --repeat 3 \\
        --machine n1-standard-4 --region europe-west4 \\
        --machine n1-standard-8 --accelerator nvidia-tesla-t4:1 --region europe-west4 --project my-project

Each `--machine` starts a hardware platform; the `--accelerator` and `--region` after it belong to it (a `--region`
before the first platform is every platform's default). `--local` is this machine (its runs are charged to
--region's grid, else to the region nearest to this computer's time zone). The script's `train()` is called with
each configuration as keyword arguments and may return a dict of numbers (quality metrics). The dataset goes to
--out as `<name>_<hardware>.csv` + `.json` (the format `carbon-gui dimension --data` reads); runs it already has
are not run again. Ctrl+C cancels: the runs completed so far are kept.
"""

import argparse
import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from carbon_gui.cli import Commands, _checked, _positive_int
from carbon_gui.cli_jobs import CLI_HINTS, _project
from carbon_gui.core import benchmark_grid as bg
from carbon_gui.core.errors import InputError
from carbon_gui.jobs.benchmark import (
    EARLIER_JOB,
    OTHER_DATASET,
    UNWRITABLE,
    Benchmark,
    BenchmarkRequest,
    Hardware,
    PlatformPlan,
    PlatformProgress,
    nearest_region,
)
from carbon_gui.jobs.request import LOCAL, VERTEX
from carbon_gui.jobs.service import JobService
from carbon_gui.planning import parse_accelerator
from carbon_gui.sources.reference import load_reference

FINE = ("succeeded", "complete")
POLL_LOCAL_S, POLL_VERTEX_S = 1.0, 10.0  # Vertex AI: one status and one progress-file read per job and poll


class _Platform(argparse.Action):
    """--local and --machine each start a platform; --accelerator and --region complete the last one."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, option: Any = None
    ) -> None:
        platforms: list[dict[str, Any]] = namespace.platforms
        if self.dest == "local":
            platforms.append({"target": LOCAL})
        elif self.dest == "machine":
            platforms.append({"target": VERTEX, "machine_type": value})
        elif self.dest == "accelerator":
            if not platforms or platforms[-1]["target"] != VERTEX or "accelerator" in platforms[-1]:
                raise argparse.ArgumentError(self, "give --accelerator right after the --machine it belongs to")
            platforms[-1]["accelerator"] = value
        elif not platforms:
            namespace.default_region = value
        elif "region" in platforms[-1]:
            raise argparse.ArgumentError(self, "one --region per platform: start the next with --machine or --local")
        else:
            platforms[-1]["region"] = value


def add_benchmark_command(commands: Commands) -> None:
    parser = commands.add_parser(
        "benchmark",
        help="run your script over a grid on each hardware: a HADA dataset",
        description="Phase 1 of hardware dimensioning: call train(**configuration) for every configuration of the "
        "grid, --repeat times, on each platform (--local, or --machine [--accelerator] --region on Vertex AI), each "
        "run measured (time, memory, codecarbon's energy and CO₂e, train()'s metrics). The rows go to "
        "--out/<name>_<hardware>.csv + .json, which 'carbon-gui dimension --data' reads; runs already there are not "
        "run again. Ctrl+C cancels and keeps the completed runs. See docs/BENCHMARK.md.",
    )
    parser.add_argument("--script", type=Path, required=True, help="your script: train(**configuration) per run")
    parser.add_argument("--grid", action="append", required=True, type=_checked(bg.parse_axis),
                        help='hyperparameter values: "n=1..100", "n=1..100:10" or "lr=0.01,0.1" (repeat)')  # fmt: skip
    parser.add_argument("--repeat", type=_checked(_positive_int), default=1, help="runs per configuration (default 1)")
    parser.add_argument("--local", nargs=0, action=_Platform, help="benchmark on this machine")
    parser.add_argument("--machine", action=_Platform, help="a Vertex AI machine type to benchmark on (repeat)")
    parser.add_argument("--accelerator", action=_Platform, type=_checked(parse_accelerator),
                        help="GPU of the --machine before it: TYPE[:COUNT]")  # fmt: skip
    parser.add_argument("--region", action=_Platform, help="region of the platform before it (or of all, given first)")
    parser.add_argument("--project", help="Google Cloud project id (default: $CARBON_GUI_GCP_PROJECT)")
    parser.add_argument("--name", help="the algorithm's name in the dataset (default: the script's name)")
    parser.add_argument("--function", default="train", help="the function called per run (default: train)")
    parser.add_argument("--requirements", type=Path, help="a requirements.txt installed with the script (Vertex AI)")
    parser.add_argument("--image", help="the Vertex AI jobs' training container image URI (default: the first listed "
                        "prebuilt one that fits and is still available)")  # fmt: skip
    parser.add_argument("--out", type=Path, help="the dataset folder (default: ./benchmark-<name>)")
    parser.add_argument("--dry-run", action="store_true", help="show what would run; launch nothing")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_benchmark, platforms=[], default_region=None)


# where the CLI gives what the benchmark's problems ask for (planner.with_hints)
HINTS = {
    **CLI_HINTS,
    EARLIER_JOB: "`carbon-gui jobs --refresh` follows it, `carbon-gui cancel JOB_ID` cancels it.",
    OTHER_DATASET: "Give it with --out.",
    UNWRITABLE: "Give one with --out.",
}


def _benchmark(args: argparse.Namespace) -> int:
    if not args.function.isidentifier():
        raise InputError(f"--function {args.function[:40]!r} is not a Python function name: give e.g. train")
    reference = load_reference()
    algorithm = bg.safe_name(args.name or args.script.stem)
    request = BenchmarkRequest(
        script=args.script,
        grid=bg.make_grid(args.grid, args.repeat),
        repeat=args.repeat,
        hardware=tuple(_hardware(platform, args.default_region, reference) for platform in _platforms(args)),
        out_dir=args.out or Path(f"benchmark-{algorithm}"),
        algorithm=algorithm,
        function=args.function,
        project=_project(args),
        requirements=args.requirements,
        image_uri=args.image,
    )
    benchmark = Benchmark(JobService(lambda: reference), request, HINTS)  # its problems name --image, --out…
    if args.dry_run:
        with tempfile.TemporaryDirectory(prefix="carbon-gui-benchmark-") as scripts:
            _print_plans(request, benchmark.plan(Path(scripts)), args.json)
        return 0
    for note in benchmark.collect_pending():
        print(f"carbon-gui: {note}", file=sys.stderr)
    on_vertex = any(hardware.target == VERTEX for hardware in request.hardware)
    followed = _run(benchmark, POLL_VERTEX_S if on_vertex else POLL_LOCAL_S)
    _print_result(request, followed, args.json)
    return 0 if all(entry.state in FINE for entry in followed) else 1


def _platforms(args: argparse.Namespace) -> list[dict[str, Any]]:
    if not args.platforms:
        raise InputError("Say where to benchmark: --local, or --machine TYPE --region REGION (repeat for each).")
    return list(args.platforms)


def _hardware(platform: dict[str, Any], default_region: str | None, reference: Any) -> Hardware:
    region = platform.get("region", default_region)
    if platform["target"] == LOCAL:
        if region is None:
            from carbon_gui.sources.places import default_location

            here = default_location()
            region = nearest_region(reference, here.lat, here.lon)
        return Hardware(LOCAL, region)
    if region is None:
        raise InputError(f"Give the region of --machine {platform['machine_type']}: add --region REGION after it.")
    accelerator, count = platform.get("accelerator", (None, 0))
    return Hardware(VERTEX, region, platform["machine_type"], accelerator, count)


def _run(benchmark: Benchmark, poll_s: float) -> list[PlatformProgress]:
    """The benchmark on a worker thread, as the window runs it; Ctrl+C cancels (completed runs are kept)."""
    cancel = threading.Event()
    shown: dict[str, str] = {}
    result: list[list[PlatformProgress]] = []
    failure: list[BaseException] = []

    def progress(entries: list[PlatformProgress]) -> None:
        for entry in entries:
            line = f"{entry.hardware}: {entry.state}, {entry.done}/{entry.total} runs"
            line += f", {entry.failed} failed" if entry.failed else ""
            line += f" ({entry.note})" if entry.note else ""
            if shown.get(entry.stem) != line:
                shown[entry.stem] = line
                print(f"carbon-gui: {line}", file=sys.stderr, flush=True)

    finished = threading.Event()

    def work() -> None:
        try:
            result.append(benchmark.run(progress, cancel, poll_s))
        except BaseException as err:  # noqa: BLE001 -- raised again on the main thread
            failure.append(err)
        finally:
            finished.set()

    worker = threading.Thread(target=work, name="benchmark", daemon=True)
    worker.start()
    while not finished.is_set():  # not Thread.join: a Ctrl+C inside it left is_alive() False mid-run (Python 3.11)
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            print("carbon-gui: cancelling: the runs completed so far are kept", file=sys.stderr, flush=True)
            cancel.set()
    worker.join()
    if failure:
        raise failure[0]
    return result[0]


def _print_plans(request: BenchmarkRequest, plans: list[PlatformPlan], as_json: bool) -> None:
    rows = [
        {
            "hardware": plan.hardware.hardware_id,
            "region": plan.hardware.region,
            "dataset": str(request.out_dir / f"{plan.stem}.csv"),
            "runs": plan.runs,
            "already_recorded": plan.already,
            "usd_per_hour": plan.price,
            "custom_job": plan.launch.body if plan.launch else None,
        }
        for plan in plans
    ]
    if as_json:
        json.dump({"configurations": request.grid.size(), "repeat": request.repeat, "platforms": rows}, sys.stdout,
                  indent=2)  # fmt: skip
        sys.stdout.write("\n")
        return
    print(f"{request.grid.size()} configurations x {request.repeat} repetitions")
    for row in rows:
        print(f"{row['hardware']} ({row['region']}): {row['runs']} runs to do, {row['already_recorded']} recorded in "
              f"{row['dataset']}")  # fmt: skip


def _print_result(request: BenchmarkRequest, followed: list[PlatformProgress], as_json: bool) -> None:
    if as_json:
        out = {"out": str(request.out_dir), "platforms": [entry.to_dict() for entry in followed]}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for entry in followed:
        job = f" (job {entry.job_id})" if entry.job_id else ""
        note = f": {entry.note}" if entry.note else ""
        print(f"{entry.hardware}{job}: {entry.state}, {entry.collected} rows added to "
              f"{request.out_dir / (entry.stem + '.csv')}{note}")  # fmt: skip

"""The phase-1 benchmark plan: a grid of hyperparameter values x repetitions, what is already done, and the
dataset's columns (the HADA format `sources/benchmarks.py` reads). Pure: no I/O.

A grid axis is `NAME=VALUES`:
    nScenarios=1..100       whole numbers from 1 to 100 (both included)
    nScenarios=1..100:10    the same with a step: 1, 11, ..., 91
    lr=0.001,0.01,0.1       a list (whole numbers or decimals)
Several axes make every combination. NAME is the keyword argument `train()` receives.

A run is one call of `train(**configuration)`. Resume: the rows a dataset has for a configuration count as its
first repetitions, so only the missing ones are run again.
"""

import ast
import keyword
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from carbon_gui.core.errors import InputError

Value = int | float
Configuration = tuple[Value, ...]  # one value per axis, in the grid's order
ConfigurationKey = tuple[float, ...]  # the same values as floats: how a configuration is found among CSV rows

MAX_RUNS = 100_000
MAX_REPEAT = 1000
MAX_NAME = 64

# What the runner measures -> the dataset's column (HADA's naming; energy in kWh, as codecarbon gives it)
MEASURE_COLUMNS: dict[str, str] = {
    "seconds": "time(sec)",
    "mem_avg_mb": "memAvg(MB)",
    "mem_peak_mb": "memPeak(MB)",
    "emissions_kg": "CO2e(kg)",
    "emissions_rate_kg_s": "CO2eRate(kg/s)",
    "cpu_energy_kwh": "cpuEnergy(kWh)",
    "gpu_energy_kwh": "gpuEnergy(kWh)",
    "ram_energy_kwh": "ramEnergy(kWh)",
    "energy_kwh": "totEnergy(kWh)",
}
RUN_COLUMN = "run"  # "<job id>/<n>": where a row came from; the loader ignores it, collecting twice adds nothing

_RANGE = re.compile(r"^(-?\d+)\.\.(-?\d+)(?::(\d+))?$")
_SAFE = re.compile(r"[^A-Za-z0-9.+-]+")


class GridError(InputError):
    """A grid, repeat or name the user typed cannot be used; the message says what to type instead."""


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[Value, ...]

    @property
    def kind(self) -> str:
        """"int" when every value is a whole number, else "float" (the JSON's hyperparameter type)."""
        return "int" if all(isinstance(v, int) for v in self.values) else "float"


@dataclass(frozen=True)
class Grid:
    axes: tuple[Axis, ...]

    @property
    def names(self) -> list[str]:
        return [axis.name for axis in self.axes]

    def configurations(self) -> list[Configuration]:
        return list(product(*(axis.values for axis in self.axes)))

    def size(self) -> int:
        return math.prod(len(axis.values) for axis in self.axes)


def parse_axis(text: str) -> Axis:
    """`NAME=1..100`, `NAME=1..100:STEP` or `NAME=V1,V2,...`; GridError says what is wrong."""
    name, equals, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    shown = text if len(text) <= 60 else text[:60] + "…"
    if not equals or not spec:
        raise GridError(f"'{shown}' is not NAME=VALUES: give e.g. --grid \"nScenarios=1..100\" or \"lr=0.01,0.1\"")
    if not name.isidentifier() or keyword.iskeyword(name) or len(name) > MAX_NAME:
        raise GridError(
            f"'{name[:MAX_NAME]}' is not a hyperparameter name: use the name of a train() parameter (letters, "
            "digits and _, at most 64)"
        )
    if name in MEASURE_COLUMNS.values() or name == RUN_COLUMN:
        raise GridError(f"'{name}' is a column the runner measures: rename the hyperparameter")
    ranged = _RANGE.match(spec)
    if ranged:
        return Axis(name, _int_range(name, *ranged.groups()))
    if ".." in spec:
        raise GridError(
            f"'{spec}' for {name} is not a range of whole numbers (FIRST..LAST or FIRST..LAST:STEP): "
            "list decimal values instead, e.g. 0.001,0.01,0.1"
        )
    values = tuple(_number(name, cell.strip()) for cell in spec.split(","))
    if len(set(values)) != len(values):
        raise GridError(f"{name} lists a value twice in '{spec}': give each value once")
    return Axis(name, values)


def _int_range(name: str, first: str, last: str, step: str | None) -> tuple[int, ...]:
    low, high, by = int(first), int(last), int(step or 1)
    if by < 1:
        raise GridError(f"the step of {name}'s range must be 1 or more, not {by}")
    if high < low:
        raise GridError(f"{name}={low}..{high} is empty: put the smaller number first")
    if (high - low) // by + 1 > MAX_RUNS:
        raise GridError(f"{name}={low}..{high} has more than {MAX_RUNS:,} values: use a step, e.g. {low}..{high}:10")
    return tuple(range(low, high + 1, by))


def _number(name: str, cell: str) -> Value:
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        value = float(cell)
    except ValueError:
        raise GridError(f"'{cell[:30]}' in the values of {name} is not a number") from None
    if not math.isfinite(value):
        raise GridError(f"'{cell}' in the values of {name} is not a finite number")
    return value


def make_grid(axes: Sequence[Axis], repeat: int) -> Grid:
    """The grid of all `axes`, checked with `repeat` against the size limit."""
    if not axes:
        raise GridError('give at least one --grid "NAME=VALUES"')
    names = [axis.name for axis in axes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise GridError(f"--grid names {', '.join(twice)} more than once: give each hyperparameter once")
    check_repeat(repeat)
    grid = Grid(tuple(axes))
    if grid.size() * repeat > MAX_RUNS:
        raise GridError(
            f"the grid has {grid.size():,} configurations x {repeat} repetitions, more than {MAX_RUNS:,} runs: "
            "use fewer values or a step"
        )
    return grid


def check_repeat(repeat: int) -> int:
    if not 1 <= repeat <= MAX_REPEAT:
        raise GridError(f"--repeat must be between 1 and {MAX_REPEAT}, not {repeat}")
    return repeat


def key_of(values: Iterable[Any]) -> ConfigurationKey:
    """A configuration as floats: 5, 5.0 and the CSV's "5" are the same configuration. ValueError if not numbers."""
    return tuple(float(v) for v in values)


def done_counts(rows: Iterable[Mapping[str, str]], names: Sequence[str]) -> Counter[ConfigurationKey]:
    """How many rows (runs) each configuration already has in a dataset."""
    return Counter(key_of(row[name] for name in names) for row in rows)


def remaining_work(grid: Grid, repeat: int, done: Mapping[ConfigurationKey, int]) -> list[tuple[Configuration, int]]:
    """Each configuration with how many more runs it needs to reach `repeat` (none listed once it has them)."""
    work = [(config, repeat - done.get(key_of(config), 0)) for config in grid.configurations()]
    return [(config, needed) for config, needed in work if needed > 0]


def run_order(work: Sequence[tuple[Configuration, int]]) -> list[Configuration]:
    """Repetition-major: every configuration once, then every one that needs a second run, ... so a benchmark
    stopped early has covered the whole grid as evenly as it could."""
    rounds = max((needed for _, needed in work), default=0)
    return [config for r in range(rounds) for config, needed in work if needed > r]


def dataset_columns(names: Sequence[str], metrics: Sequence[str]) -> list[str]:
    """The dataset CSV's header: hyperparameters, measures, the script's metrics, then where each row came from."""
    return [*names, *MEASURE_COLUMNS.values(), *metrics, RUN_COLUMN]


def description(
    algorithm: str,
    hardware: str,
    price: float | None,
    grid: Grid,
    rows: Sequence[Mapping[str, str]],
    metrics: Sequence[str],
) -> dict[str, Any]:
    """The companion JSON of a dataset (HADA's fields): each hyperparameter with its type and the bounds of the
    values run (this grid's and earlier ones' rows), the targets."""
    hyperparams = []
    for axis in grid.axes:
        values = [float(row[axis.name]) for row in rows] or [float(v) for v in axis.values]
        whole = axis.kind == "int" and all(v.is_integer() for v in values)
        low, high = (int(min(values)), int(max(values))) if whole else (min(values), max(values))
        kind = "int" if whole else "float"
        hyperparams.append({"ID": axis.name, "description": None, "type": kind, "LB": low, "UB": high})
    return {
        "name": algorithm,
        "HW_ID": hardware,
        "HW_price": price,
        "hyperparams": hyperparams,
        "targets": [
            {"ID": column, "description": None, "LB": None, "UB": None}
            for column in [*MEASURE_COLUMNS.values(), *metrics]
        ],
    }


def safe_name(text: str) -> str:
    """`text` as a file-name part: letters, digits, '.', '+' and '-' only ('_' separates algorithm and hardware)."""
    return _SAFE.sub("-", text).strip(".-")[:MAX_NAME] or "x"


def dataset_stem(algorithm: str, hardware: str) -> str:
    return f"{safe_name(algorithm)}_{safe_name(hardware)}"


def hardware_id(machine_type: str, accelerator: str | None = None, count: int = 0) -> str:
    """The HW_ID of a Vertex AI platform: the machine type (so regions can price it), plus its attached GPUs."""
    return f"{machine_type}+{count}x{accelerator}" if accelerator else machine_type


def check_benchmark_script(name: str, tree: ast.Module, function: str, names: Sequence[str]) -> list[str]:
    """Problems of calling `function(**configuration)` from the parsed script `name` with the grid's `names`."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return _parameter_problems(name, node.args, function, names)
        if isinstance(node, ast.AsyncFunctionDef) and node.name == function:
            return [f"{name}: {function}() is async; make it a plain `def {function}(...)`."]
    return [
        f"{name} defines no function {function}() at the top level: add `def {function}({', '.join(names)}):` that "
        "runs one configuration and returns its metrics (a dict of numbers, or None)."
    ]


def _parameter_problems(name: str, args: ast.arguments, function: str, names: Sequence[str]) -> list[str]:
    by_keyword = [*args.args, *args.kwonlyargs]
    accepted = {arg.arg for arg in by_keyword}
    problems = []
    unknown = [n for n in names if n not in accepted]
    if unknown and args.kwarg is None:
        problems.append(
            f"{name}: {function}() has no parameter {', '.join(unknown)}, which the grid gives it: add the "
            "parameter (or **kwargs), or fix the --grid name."
        )
    positional = [*args.posonlyargs, *args.args]
    required = [a.arg for a in positional[: len(positional) - len(args.defaults)]]
    required += [a.arg for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default is None]
    missing = [r for r in required if r not in names or r in {a.arg for a in args.posonlyargs}]
    if missing:
        problems.append(
            f"{name}: {function}() needs {', '.join(missing)}, which the grid does not give by name: add "
            f"--grid \"{missing[0]}=...\", or give it a default value."
        )
    return problems

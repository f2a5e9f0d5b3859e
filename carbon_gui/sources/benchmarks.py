"""Reads a benchmark folder in the HADA format: `<algorithm>_<hardware>.csv` + `<algorithm>_<hardware>.json` pairs.

The JSON names the algorithm (`name`), the hardware (`HW_ID`, `HW_price`), the hyperparameters (`ID`, `type` int or
float, `LB`, `UB`) and the targets (`ID`); the CSV has one run per row with at least those columns. Everything is
checked before anything is returned: a problem is one DataError naming the file, the row and the column, and
nothing half-loaded is ever used. Files are read only when regular and within a size limit.
"""

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from carbon_gui.core.dimensioning.dataset import (
    HYPERPARAMETER_TYPES,
    MAX_DOMAIN_VALUES,
    BenchmarkSet,
    FloatArray,
    Hyperparameter,
    Platform,
)
from carbon_gui.core.errors import DataError
from carbon_gui.local_files import NotARegularFile, read_regular_file

MAX_CSV_BYTES = 64 * 1024**2
MAX_JSON_BYTES = 1024**2
MAX_PLATFORMS = 200
FIX = "fix the file or remove it from the folder"


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_benchmarks(folder: Path) -> BenchmarkSet:
    """Every `<algorithm>_<hardware>` pair in `folder`, all of one algorithm; DataError for the first problem."""
    shown = _shorten(str(folder))
    try:
        is_folder = folder.is_dir()
        names = list(folder.iterdir()) if is_folder else []
    except OSError as exc:  # a name too long, a loop of links, no permission: is_dir() raises for these
        raise DataError(
            f"Benchmark folder {shown} cannot be read ({exc.strerror}): give the folder of CSV + JSON pairs."
        ) from None
    if not is_folder:
        raise DataError(
            f"Benchmark folder {shown} does not exist or is not a folder: give the folder of CSV + JSON pairs."
        )
    files = {(p.stem, p.suffix.lower()): p for p in names if p.suffix.lower() in (".csv", ".json")}
    stems = sorted({stem for stem, _ in files})
    if not stems:
        raise DataError(
            f"Benchmark folder {folder} has no .csv/.json pairs: "
            "each hardware needs <algorithm>_<hardware>.csv and .json."
        )
    if len(stems) > MAX_PLATFORMS:
        raise DataError(f"Benchmark folder {folder} has {len(stems)} datasets, more than {MAX_PLATFORMS}: split it.")
    platforms: list[Platform] = []
    algorithms: dict[str, str] = {}
    for stem in stems:
        csv_path, json_path = files.get((stem, ".csv")), files.get((stem, ".json"))
        if csv_path is None or json_path is None:
            present, absent = (json_path, f"{stem}.csv") if csv_path is None else (csv_path, f"{stem}.json")
            raise DataError(
                f"{present} has no {absent} beside it: every dataset is a CSV of runs plus its JSON description."
            )
        algorithm, platform = _load_pair(csv_path, json_path)
        algorithms[algorithm] = json_path.name
        platforms.append(platform)
    if len(algorithms) > 1:
        named = ", ".join(f"'{a}' ({f})" for a, f in algorithms.items())
        raise DataError(f"Benchmark folder {folder} mixes algorithms {named}: keep one algorithm per folder.")
    _check_consistent(platforms)
    return BenchmarkSet(next(iter(algorithms)), tuple(platforms))


def _check_consistent(platforms: list[Platform]) -> None:
    first = platforms[0]
    seen: dict[str, str] = {}
    for platform in platforms:
        if platform.hardware in seen:
            raise DataError(
                f"{platform.source} and {seen[platform.hardware]} both describe hardware "
                f"'{platform.hardware}': keep one."
            )
        seen[platform.hardware] = platform.source
        names = [(h.name, h.kind) for h in platform.hyperparameters]
        if names != [(h.name, h.kind) for h in first.hyperparameters]:
            raise DataError(
                f"{platform.source} has hyperparameters {names}, but {first.source} has "
                f"{[(h.name, h.kind) for h in first.hyperparameters]}: "
                "one algorithm has the same hyperparameters on every hardware."
            )


def _load_pair(csv_path: Path, json_path: Path) -> tuple[str, Platform]:
    spec = _parse_json(json_path)
    algorithm = _text(spec, "name", json_path)
    hardware = _text(spec, "HW_ID", json_path)
    price = spec.get("HW_price")
    if price is not None and (
        isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price) or price < 0
    ):
        raise DataError(f"{json_path}: 'HW_price' must be a number of 0 or more, or null; it is {price!r}.")
    hyperparameters = tuple(
        _hyperparameter(item, json_path, i) for i, item in enumerate(_list(spec, "hyperparams", json_path))
    )
    targets = [_entry_id(item, json_path, "targets", i) for i, item in enumerate(_list(spec, "targets", json_path))]
    if not hyperparameters or not targets:
        raise DataError(f"{json_path}: 'hyperparams' and 'targets' must each name at least one column.")
    columns = [h.name for h in hyperparameters] + targets
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise DataError(
            f"{json_path} names column(s) {', '.join(duplicated)} more than once: "
            "each column is a hyperparameter or a target, once."
        )
    values, lines = _parse_csv(csv_path, json_path, columns)
    inputs = values[:, : len(hyperparameters)]
    for index, h in enumerate(hyperparameters):
        if h.kind == "int":
            bad = np.flatnonzero(inputs[:, index] != np.round(inputs[:, index]))
            if bad.size:
                row = lines[int(bad[0])]
                raise DataError(
                    f"{csv_path} row {row}, column '{h.name}': {inputs[bad[0], index]:g} is not a whole number, "
                    f"but {json_path.name} says the hyperparameter is an int."
                )
    outputs = {t: values[:, len(hyperparameters) + i].copy() for i, t in enumerate(targets)}
    platform = Platform(
        hardware, None if price is None else float(price), hyperparameters, inputs.copy(), outputs, str(csv_path)
    )
    _check_int_ranges(platform, json_path)
    return algorithm, platform


def _check_int_ranges(platform: Platform, json_path: Path) -> None:
    """An int hyperparameter's range is the space searched: refuse one too wide to hold (or empty)."""
    for index, h in enumerate(platform.hyperparameters):
        if h.kind != "int":
            continue
        low, high = platform.int_range(index)
        count = high - low + 1
        if count > MAX_DOMAIN_VALUES:
            raise DataError(
                f"{json_path}: hyperparameter '{h.name}' spans {count:,.0f} whole numbers ({low:g}..{high:g}), more "
                f"than the {MAX_DOMAIN_VALUES:,} the dimensioning searches: narrow LB/UB."
            )
        if count < 1:
            raise DataError(f"{json_path}: hyperparameter '{h.name}' has no whole number between LB and UB.")


def _parse_json(path: Path) -> dict[str, Any]:
    text = _read_text(path, MAX_JSON_BYTES)
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}): {FIX}."
        ) from None
    except RecursionError:
        raise DataError(f"{path} is nested too deeply to be a benchmark description: {FIX}.") from None
    if not isinstance(spec, dict):
        raise DataError(f"{path} must hold a JSON object with name, HW_ID, hyperparams and targets: {FIX}.")
    return spec


def _text(spec: dict[str, Any], key: str, path: Path) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{path}: '{key}' must be a non-empty text; it is {value!r}.")
    return value.strip()


def _list(spec: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = spec.get(key)
    if not isinstance(value, list):
        raise DataError(f"{path}: '{key}' must be a list of {{\"ID\": ...}} entries; it is {value!r}.")
    return value


def _entry_id(item: Any, path: Path, key: str, index: int) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("ID"), str) or not item["ID"].strip():
        raise DataError(f"{path}: entry {index + 1} of '{key}' needs an 'ID' naming a CSV column; it is {item!r}.")
    return str(item["ID"]).strip()


def _hyperparameter(item: Any, path: Path, index: int) -> Hyperparameter:
    name = _entry_id(item, path, "hyperparams", index)
    kind = item.get("type")
    if kind not in HYPERPARAMETER_TYPES:
        raise DataError(f'{path}: hyperparameter \'{name}\' has type {kind!r}; use "int" or "float".')
    bounds = []
    for key in ("LB", "UB"):
        value = item.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
        ):
            raise DataError(f"{path}: hyperparameter '{name}' has {key} {value!r}; use a number or null.")
        bounds.append(None if value is None else float(value))
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise DataError(f"{path}: hyperparameter '{name}' has LB {bounds[0]:g} above UB {bounds[1]:g}.")
    return Hyperparameter(name, kind, bounds[0], bounds[1])


def _parse_csv(path: Path, json_path: Path, columns: list[str]) -> tuple[FloatArray, list[int]]:
    """The named columns as numbers (runs x columns), and each run's line in the file (the header is line 1)."""
    text = _read_text(path, MAX_CSV_BYTES)
    if not text.strip():
        raise DataError(f"{path} is empty: it needs a header row and one row per run.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [c.strip() for c in next(reader)]
        missing = [c for c in columns if c not in header]
        if missing:
            raise DataError(
                f"{path} has no column {', '.join(repr(c) for c in missing)}, which {json_path.name} names: "
                f"the CSV's header has {', '.join(header)}."
            )
        where = [header.index(c) for c in columns]
        rows: list[list[float]] = []
        lines: list[int] = []
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataError(f"{path} row {reader.line_num} has {len(row)} fields, the header {len(header)}: {FIX}.")
            rows.append([_number(row[i], path, reader.line_num, columns[k]) for k, i in enumerate(where)])
            lines.append(reader.line_num)
    except csv.Error as err:
        raise DataError(f"{path} is not readable CSV ({err}): {FIX}.") from None
    if not rows:
        raise DataError(f"{path} has a header but no runs: it needs one row per run.")
    return np.array(rows, dtype=np.float64), lines


def _number(cell: str, path: Path, row: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{path} row {row}, column '{column}': '{cell}' is not a number.") from None
    if not math.isfinite(value):
        raise DataError(f"{path} row {row}, column '{column}': '{cell}' is not a finite number.")
    return value


def _read_text(path: Path, limit: int) -> str:
    """The file as UTF-8 text, read only if it is a regular file within `limit` bytes (checked on the open file,
    opened non-blocking so a FIFO cannot hang the caller, and read with a bound)."""
    try:
        content = read_regular_file(path, limit)
    except NotARegularFile as err:
        raise DataError(
            f"{path} is {err.what}, not a regular file: a benchmark folder holds CSV and JSON files only."
        ) from None
    except OSError as err:
        raise DataError(f"{path} cannot be read ({err.strerror}).") from None
    if len(content) > limit:
        size = f"{limit // 1024**2} MB" if limit >= 1024**2 else f"{limit} bytes"
        raise DataError(f"{path} is larger than the {size} limit for a benchmark file: split the runs.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path} is not UTF-8 text (byte {err.start}): save it as UTF-8.") from None

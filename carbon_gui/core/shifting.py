"""When and where to start a run: the start with the least expected emissions, jointly over region and start hour.

Each region has an hourly intensity series (expected, low, high; gCO2e/kWh) from the decision time on; hour k of a
series stands for [k, k + 1) hours after it. A run of H hours (fractional allowed) may start at any whole hour s with
s + H <= the deadline. Its emissions are energy per hour x the sum of the hours it covers, the last one in part:
with cumulative sums C, sum(s) = C[s + n] - C[s] + f x series[s + n] for H = n + f. One numpy expression covers
every region and start at once (no Python loop over them), which keeps 45 regions x 72 h well under 20 ms.

A window that touches an unknown hour (NaN) has no emissions (NaN), so it is never chosen.
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Window:
    """One (region, start) choice: its index in the plan's regions, start in hours after the decision time."""

    region: int
    start_h: int
    emissions_kg: float
    low_kg: float
    high_kg: float


@dataclass(frozen=True)
class ShiftPlan:
    run_hours: float
    starts_h: NDArray[np.int64]  # candidate starts, hours after the decision time: 0, 1, ...
    emissions_kg: Array  # (regions, starts) expected; NaN where a window touches an unknown hour
    low_kg: Array
    high_kg: Array

    def best_in_region(self, region: int) -> Window | None:
        """The region's start with the least expected emissions (earliest on ties); None when no window is known."""
        row = self.emissions_kg[region]
        if np.isnan(row).all():
            return None
        return self._window(region, _first_least(row))

    def now(self, region: int) -> Window | None:
        """Starting at once in `region`; None when its first window is unknown."""
        if math.isnan(self.emissions_kg[region, 0]):
            return None
        return self._window(region, 0)

    def best(self, regions: list[int] | None = None) -> Window | None:
        """The least expected emissions over `regions` (default: all) and their starts; ties: earliest, then first."""
        rows = list(range(self.emissions_kg.shape[0])) if regions is None else regions
        if not rows:
            return None
        block = self.emissions_kg[rows]
        if np.isnan(block).all():
            return None
        flat = _first_least(block.T.ravel())  # transposed: on ties the earliest start wins, then the first region
        start, row = divmod(flat, len(rows))
        return self._window(rows[row], start)

    def _window(self, region: int, start_index: int) -> Window:
        return Window(
            region,
            int(self.starts_h[start_index]),
            float(self.emissions_kg[region, start_index]),
            float(self.low_kg[region, start_index]),
            float(self.high_kg[region, start_index]),
        )


def _first_least(values: Array) -> int:
    """Index of the first value within rounding of the least: cumulative sums make equal windows differ in the
    last bits, and a flat series must start now, not at a random hour."""
    least = np.nanmin(values)
    return int(np.argmax(values <= least + 1e-9 * max(1.0, abs(least))))


def series_hours(run_hours: float, deadline_hours: float) -> int:
    """How many hourly values each series needs to cover every start up to the deadline."""
    return max(1, math.ceil(deadline_hours - 1e-9))


def check_run_fits(run_hours: float, deadline_hours: float) -> None:
    if not run_hours > 0:
        raise ValueError(f"run length must be above 0 h, not {run_hours:g}")
    if deadline_hours < run_hours - 1e-9:
        raise ValueError(f"a {run_hours:g} h run cannot finish within {deadline_hours:g} h")


def window_sums(series: Array, run_hours: float, starts: int) -> Array:
    """Sum of each run window over intensity x hours: (regions, hours) -> (regions, starts), NaN where unknown."""
    whole = math.floor(run_hours + 1e-9)
    part = run_hours - whole
    if part < 1e-9:
        part = 0.0
    regions, hours = series.shape
    unknown = np.isnan(series)
    filled = np.where(unknown, 0.0, series)
    zeros = np.zeros((regions, 1))
    total = np.concatenate([zeros, np.cumsum(filled, axis=1)], axis=1)
    gaps = np.concatenate([zeros, np.cumsum(unknown, axis=1, dtype=np.float64)], axis=1)
    first = np.arange(starts)
    sums = total[:, first + whole] - total[:, first]
    missing = gaps[:, first + whole] - gaps[:, first]
    if part:
        tail = np.full((regions, starts), np.nan)
        inside = first + whole < hours
        tail[:, inside] = series[:, first[inside] + whole]
        sums = sums + part * np.where(np.isnan(tail), 0.0, tail)
        missing = missing + np.isnan(tail)
    return np.where(missing > 0, np.nan, sums)


def plan_shift(
    expected: Array,
    low: Array,
    high: Array,
    run_hours: float,
    deadline_hours: float,
    kwh_per_hour: Array,
    kwh_per_hour_low: Array | None = None,
    kwh_per_hour_high: Array | None = None,
) -> ShiftPlan:
    """Emissions of every (region, start) for a run that must end by `deadline_hours` after the decision time.

    `expected`, `low`, `high`: (regions, hours) gCO2e/kWh with hours >= series_hours(...); `kwh_per_hour`:
    (regions,) facility energy per hour of the run (PUE included), with an optional low-high range that pairs with
    the intensity's low and high.
    """
    check_run_fits(run_hours, deadline_hours)
    hours = series_hours(run_hours, deadline_hours)
    arrays = [np.asarray(a, dtype=np.float64) for a in (expected, low, high)]
    if any(a.ndim != 2 or a.shape != arrays[0].shape for a in arrays) or arrays[0].shape[1] < hours:
        raise ValueError(f"intensity series must be (regions, >= {hours}) arrays of one shape")
    starts = math.floor(deadline_hours - run_hours + 1e-9) + 1
    energy = np.asarray(kwh_per_hour, dtype=np.float64)
    energy_low = energy if kwh_per_hour_low is None else np.asarray(kwh_per_hour_low, dtype=np.float64)
    energy_high = energy if kwh_per_hour_high is None else np.asarray(kwh_per_hour_high, dtype=np.float64)
    expected_a, low_a, high_a = (a[:, :hours] for a in arrays)
    return ShiftPlan(
        run_hours=run_hours,
        starts_h=np.arange(starts, dtype=np.int64),
        emissions_kg=window_sums(expected_a, run_hours, starts) * energy[:, None] / 1000.0,
        low_kg=window_sums(low_a, run_hours, starts) * energy_low[:, None] / 1000.0,
        high_kg=window_sums(high_a, run_hours, starts) * energy_high[:, None] / 1000.0,
    )


def savings(best: Window, counterfactual: Window | None) -> tuple[float | None, float | None]:
    """(kg, %) saved by `best` against `counterfactual`; None when the counterfactual is unknown or zero."""
    if counterfactual is None:
        return None, None
    saved = counterfactual.emissions_kg - best.emissions_kg
    pct = None if counterfactual.emissions_kg <= 0 else 100.0 * saved / counterfactual.emissions_kg
    return saved, pct

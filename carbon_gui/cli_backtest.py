"""carbon-gui backtest: replay the start-time choice over the bundled real hourly data of 2024.

    carbon-gui backtest [--zones Z,...] [--json]

Jobs of 1, 4 and 8 h are submitted every 6 h through 2024, each free to start within 24 h. At each submission the
own forecaster (core/forecast.py, refitted every 30 days on the year before) predicts the next
hours from the data up to that hour only; the job starts where the forecast sum over its run is lowest, and is
scored on the real values. Per zone and on average: the forecaster's MAPE 1–24 h ahead next to the
yesterday-same-hour baseline, its 90 % interval's coverage, and per job length the oracle's savings (perfect
foresight) against starting at once, the savings realised, and the share of the oracle's savings captured: decided
once at submission, and re-planned every hour until the start (as the app does for a job launched at the best time).
Across the chosen zones also the spatial (region now) and joint (region and start) choice. docs/FORECAST.md.
"""

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from carbon_gui.cli import Commands
from carbon_gui.core.errors import InputError
from carbon_gui.core.forecast import FloatArray, IntArray, fit_model, hourly_series, predict, seasonal_naive_at

YEAR = 2024
SUBMIT_EVERY_HOURS = 6
START_WINDOW_HOURS = 24  # the job may start in any of the 24 hours after its submission
JOB_HOURS = (1, 4, 8)
MAPE_HOURS = 24  # the forecaster is scored 1..24 h ahead
LEVEL = 0.9
REFIT_EVERY_DAYS = 30  # refitting every 14 or 7 days scored the same (docs/FORECAST.md) at 2× and 4× the time
HORIZON = START_WINDOW_HOURS - 1 + max(JOB_HOURS)  # the latest start's last hour


@dataclass(frozen=True)
class ZoneForecasts:
    """Forecasts made at each origin (the last known hour): origins × HORIZON, and the real values there."""

    origins: IntArray
    values: FloatArray
    low: FloatArray
    high: FloatArray
    baseline: FloatArray
    actual: FloatArray
    hourly_values: FloatArray  # forecasts made at every hour from the first origin on, for the re-plans


def submission_origins(start: datetime, size: int) -> IntArray:
    """Row indices of the submissions: every SUBMIT_EVERY_HOURS from YEAR's first hour, while the window fits."""
    first = int((datetime(YEAR, 1, 1, tzinfo=UTC) - start).total_seconds() // 3600)
    last = min(int((datetime(YEAR + 1, 1, 1, tzinfo=UTC) - start).total_seconds() // 3600), size - HORIZON) - 1
    return np.arange(first, last + 1, SUBMIT_EVERY_HOURS)


def zone_forecasts(series: FloatArray, first_hour: int, origins: IntArray) -> ZoneForecasts:
    """The forecaster refitted at each month's first hour on everything before it (the strict time split), run at
    every hour from the first origin to the last one's latest start (the re-plans need them)."""
    ahead = np.arange(1, HORIZON + 1)
    hourly_origins = np.arange(origins[0], origins[-1] + START_WINDOW_HOURS)
    values, low, high = (np.empty((hourly_origins.size, HORIZON)) for _ in range(3))
    period_of = hourly_origins // (REFIT_EVERY_DAYS * 24)
    for period in np.unique(period_of):
        rows = np.flatnonzero(period_of == period)
        model = fit_model(series[: hourly_origins[rows[0]] + 1], first_hour, HORIZON)
        if model is None:
            raise InputError("Too little history before the backtest year to fit the forecaster.")
        values[rows], low[rows], high[rows] = predict(model, series, first_hour, hourly_origins[rows], HORIZON, LEVEL)
    at_origins = origins - origins[0]
    baseline = seasonal_naive_at(series, origins, HORIZON)
    return ZoneForecasts(
        origins,
        values[at_origins],
        low[at_origins],
        high[at_origins],
        baseline,
        series[origins[:, None] + ahead[None, :]],
        values,
    )


def window_sums(hourly: FloatArray, job_hours: int) -> FloatArray:
    """Sum over a run of `job_hours` for each start 0..START_WINDOW_HOURS-1 hours after the next hour: ... × starts."""
    cumulative = np.concatenate([np.zeros((*hourly.shape[:-1], 1)), np.cumsum(hourly, axis=-1)], axis=-1)
    starts = np.arange(START_WINDOW_HOURS)
    result: FloatArray = cumulative[..., starts + job_hours] - cumulative[..., starts]
    return result


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def replanned_starts(hourly_values: FloatArray, rows: IntArray, job_hours: int) -> IntArray:
    """The start each job finally takes when, as the app does for a job launched at the best time, it is re-planned
    every hour until it starts. `hourly_values[r]`: the forecast made at hour r (its next hours); `rows`: each
    submission's row. A start is counted in hours after the submission's next hour (0 = at once). The re-plan at
    hour r + k sees only the forecast made then, and may choose any start from that hour on within the window."""
    plan_sums = window_sums(hourly_values, job_hours)  # hourly origins × starts after each
    starts: IntArray = np.argmin(plan_sums[rows], axis=1)
    for k in range(1, START_WINDOW_HOURS):
        waiting = np.flatnonzero(starts >= k)  # the others have started: nothing left to re-plan
        remaining = plan_sums[rows[waiting] + k, : START_WINDOW_HOURS - k]
        starts[waiting] = k + np.argmin(remaining, axis=1)
    return starts


def shifting_scores(f: ZoneForecasts, job_hours: int) -> dict[str, float]:
    """Savings of starting at the forecast's best hour (and the oracle's) against starting at once, in %: decided
    once at submission, and re-planned every hour until the start."""
    actual = window_sums(f.actual, job_hours)
    rows = np.arange(actual.shape[0])

    def realised(forecast: FloatArray) -> float:
        return float(actual[rows, np.argmin(window_sums(forecast, job_hours), axis=1)].sum())

    now, oracle = float(actual[:, 0].sum()), float(actual.min(axis=1).sum())
    chosen, baseline_chosen = realised(f.values), realised(f.baseline)
    replanned = float(actual[rows, replanned_starts(f.hourly_values, f.origins - f.origins[0], job_hours)].sum())
    return {
        "oracle_savings_pct": _pct(now - oracle, now),
        "realised_savings_pct": _pct(now - chosen, now),
        "captured_pct": _pct(now - chosen, now - oracle),
        "replanned_realised_savings_pct": _pct(now - replanned, now),
        "replanned_captured_pct": _pct(now - replanned, now - oracle),
        "baseline_realised_savings_pct": _pct(now - baseline_chosen, now),
        "baseline_captured_pct": _pct(now - baseline_chosen, now - oracle),
    }


def zone_scores(f: ZoneForecasts) -> dict[str, Any]:
    actual, values = f.actual[:, :MAPE_HOURS], f.values[:, :MAPE_HOURS]
    inside = (f.low[:, :MAPE_HOURS] <= actual) & (actual <= f.high[:, :MAPE_HOURS])
    result: dict[str, Any] = {
        "mape_pct": round(100.0 * float(np.mean(np.abs(values - actual) / actual)), 2),
        "baseline_mape_pct": round(100.0 * float(np.mean(np.abs(f.baseline[:, :MAPE_HOURS] - actual) / actual)), 2),
        "coverage_pct": round(100.0 * float(inside.mean()), 2),
    }
    for job_hours in JOB_HOURS:
        result[str(job_hours)] = shifting_scores(f, job_hours)
    return result


def across_zones(forecasts: list[ZoneForecasts], reference: FloatArray, job_hours: int) -> dict[str, Any]:
    """Spatial (the zone now) and joint (zone and start) choice, against starting at once in the zone with the
    lowest mean of the year before (`reference`, per zone): what a planner on yearly figures would pick."""
    actual = np.stack([window_sums(f.actual, job_hours) for f in forecasts], axis=1)  # origins × zones × starts
    expected = np.stack([window_sums(f.values, job_hours) for f in forecasts], axis=1)
    rows = np.arange(actual.shape[0])
    counterfactual = float(actual[:, int(np.argmin(reference)), 0].sum())

    def scores(actual_choices: FloatArray, expected_choices: FloatArray) -> dict[str, float]:
        flat_actual = actual_choices.reshape(len(rows), -1)
        chosen = float(flat_actual[rows, np.argmin(expected_choices.reshape(len(rows), -1), axis=1)].sum())
        oracle = float(flat_actual.min(axis=1).sum())
        return {
            "oracle_savings_pct": _pct(counterfactual - oracle, counterfactual),
            "realised_savings_pct": _pct(counterfactual - chosen, counterfactual),
            "captured_pct": _pct(counterfactual - chosen, counterfactual - oracle),
        }

    return {"spatial": scores(actual[:, :, :1], expected[:, :, :1]), "joint": scores(actual, expected)}


def run_backtest(start: datetime, zones: tuple[str, ...], table: FloatArray, chosen: list[str]) -> dict[str, Any]:
    """The backtest over `table` (hours × zones from `start`, gapless) for the `chosen` zones."""
    missing = [z for z in chosen if z not in zones]
    if missing:
        raise InputError(f"Unknown zone {', '.join(missing)}: the bundled hourly data has {', '.join(zones)}.")
    first_hour = int(start.timestamp() // 3600)
    hours = first_hour + np.arange(table.shape[0], dtype=np.int64)
    year_start = int((datetime(YEAR, 1, 1, tzinfo=UTC) - start).total_seconds() // 3600)
    origins = submission_origins(start, table.shape[0])
    forecasts, per_zone = [], {}
    for zone in chosen:
        grid_start, series = hourly_series(hours, table[:, zones.index(zone)], int(hours[-1]))  # fills gaps
        if grid_start != first_hour:
            raise InputError(f"The hourly data of {zone} does not start at a midnight UTC with a value.")
        forecasts.append(zone_forecasts(series, first_hour, origins))
        per_zone[zone] = zone_scores(forecasts[-1])
    reference = np.array([np.nanmean(table[year_start - 365 * 24 : year_start, zones.index(z)]) for z in chosen])
    report: dict[str, Any] = {"average": _average(list(per_zone.values())), "zones": per_zone}
    if len(chosen) > 1:
        report["across_zones"] = {str(h): across_zones(forecasts, reference, h) for h in JOB_HOURS}
    report["method"] = {
        "year": YEAR,
        "submit_every_hours": SUBMIT_EVERY_HOURS,
        "start_window_hours": START_WINDOW_HOURS,
        "decisions_per_zone": int(origins.size),
        "interval_level": LEVEL,
        "average": "zone mean of each figure; captured_pct = mean realised / mean oracle savings",
    }
    return report


def _average(zone_results: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(values: list[float]) -> float:
        return round(float(np.mean(values)), 2)

    average: dict[str, Any] = {
        key: mean([z[key] for z in zone_results]) for key in ("mape_pct", "baseline_mape_pct", "coverage_pct")
    }
    for job_hours in map(str, JOB_HOURS):
        scores = [z[job_hours] for z in zone_results]
        keys = ("oracle_savings_pct", "realised_savings_pct", "replanned_realised_savings_pct",
                "baseline_realised_savings_pct")  # fmt: skip
        entry = {key: mean([s[key] for s in scores]) for key in keys}
        entry["captured_pct"] = _pct(entry["realised_savings_pct"], entry["oracle_savings_pct"])
        entry["replanned_captured_pct"] = _pct(entry["replanned_realised_savings_pct"], entry["oracle_savings_pct"])
        entry["baseline_captured_pct"] = _pct(entry["baseline_realised_savings_pct"], entry["oracle_savings_pct"])
        average[job_hours] = entry
    return average


def _zone_list(text: str) -> list[str]:
    zones = [z.strip() for z in text.split(",") if z.strip()]
    if not zones:
        raise argparse.ArgumentTypeError("give at least one zone, e.g. --zones DE,GB")
    return list(dict.fromkeys(zones))


def add_backtest_command(commands: Commands) -> None:
    b = commands.add_parser(
        "backtest",
        help="replay the own forecaster and the start-time choice over the bundled 2024 hourly data",
        description="Jobs of 1, 4 and 8 h submitted every 6 h through 2024, each free to start within 24 h, start "
        "where the own forecast (made from the data up to the submission only) is lowest. Prints the forecaster's "
        "MAPE 1-24 h ahead against the yesterday-same-hour baseline, its 90 % interval's coverage, and the savings "
        "against starting at once: the oracle's (perfect foresight), the realised ones and the share captured.",
    )
    b.add_argument("--zones", type=_zone_list, metavar="Z,...", help="comma-separated zones (default: all 16)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(handler=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency

    from carbon_gui.sources.replay import load_hourly_history

    history = load_hourly_history()
    with threadpool_limits(1):  # thousands of small products: one BLAS thread is ~10× faster than a busy team
        report = run_backtest(history.start, history.zones, history.values, args.zones or list(history.zones))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'zone':<13} {'MAPE %':>7} {'base %':>7} {'cover %':>7}   captured % of the oracle's savings "
          "(1 / 4 / 8 h): once, re-planned hourly")  # fmt: skip
    for zone, z in [*report["zones"].items(), ("average", report["average"])]:
        once, replanned = (" / ".join(f"{z[str(h)][key]:.0f}" for h in JOB_HOURS)
                           for key in ("captured_pct", "replanned_captured_pct"))  # fmt: skip
        print(f"{zone:<13} {z['mape_pct']:>7.2f} {z['baseline_mape_pct']:>7.2f} {z['coverage_pct']:>7.1f}   "
              f"{once:<14} {replanned}")  # fmt: skip
    return 0

"""The app's own forecaster of hourly grid carbon intensity, from history alone (pure numpy, no I/O).

Strict time split: `forecast` uses only the history stamped at or before `decision_time`; everything after is
dropped before any computation, so a decision never sees the future (tests/forecast proves it by perturbing it).

Hour semantics: a value stamped T is the intensity of the hour [T, T+1). The value of the decision hour is the
last observation; the forecast covers the hours after it: decision hour + 1 … decision hour + horizon_hours.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from carbon_gui.core.errors import InputError

FloatArray = npt.NDArray[np.float64]
HOURS_PER_DAY = 24
MIN_HISTORY_HOURS = HOURS_PER_DAY  # less than one day says nothing about the daily cycle
MAX_HORIZON_HOURS = 24 * 7


@dataclass(frozen=True)
class Forecast:
    times: tuple[datetime, ...]  # UTC, hourly, the hours after the decision hour
    values: FloatArray  # expected gCO2e/kWh per hour
    low: FloatArray  # lower end of the `level` interval
    high: FloatArray  # upper end of the `level` interval
    level: float  # e.g. 0.9 for a 90 % interval
    source_label: str  # "own forecast from N days of history"
    history_hours: int  # hours of history the forecast was made from


def _hour_index(times: Sequence[datetime] | npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Whole UTC hours since the epoch; naive datetimes are read as UTC."""
    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[h]").astype(np.int64)
    return np.array([int(_as_utc(t).timestamp() // 3600) for t in times], dtype=np.int64)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def hourly_series(hours: npt.NDArray[np.int64], values: FloatArray, last_hour: int) -> FloatArray:
    """The values on a gapless hourly grid ending at `last_hour` (only hours ≤ last_hour kept); gaps are
    filled with the last earlier value (the first hours, if missing, with the first known value)."""
    keep = (hours <= last_hour) & np.isfinite(values)
    hours, values = hours[keep], values[keep]
    if hours.size == 0:
        return np.empty(0)
    first = int(hours.min())
    grid = np.full(last_hour - first + 1, np.nan)
    grid[hours - first] = values
    known = np.isfinite(grid)
    last_known = np.maximum.accumulate(np.where(known, np.arange(grid.size), 0))
    return grid[last_known]


def forecast(
    history_times: Sequence[datetime] | npt.NDArray[np.datetime64],
    history_values: Sequence[float | None] | FloatArray,
    decision_time: datetime,
    horizon_hours: int,
    level: float = 0.9,
) -> Forecast:
    """Forecast `horizon_hours` hours after the decision hour from the history at or before `decision_time`.

    Raises InputError when the history before the decision is shorter than a day, or the horizon or level is
    out of range."""
    if not 1 <= horizon_hours <= MAX_HORIZON_HOURS:
        raise InputError(f"Forecast horizon {horizon_hours} h is out of range: use 1 to {MAX_HORIZON_HOURS} hours.")
    if not 0.0 < level < 1.0:
        raise InputError(f"Interval level {level} is out of range: use a fraction such as 0.8 or 0.9.")
    decision_hour = int(_as_utc(decision_time).timestamp() // 3600)
    raw = np.array([np.nan if v is None else float(v) for v in history_values], dtype=np.float64)
    series = hourly_series(_hour_index(history_times), raw, decision_hour)
    if series.size < MIN_HISTORY_HOURS:
        raise InputError(
            f"Only {series.size} hours of history before {_as_utc(decision_time):%Y-%m-%d %H:00} UTC: "
            f"the own forecast needs at least {MIN_HISTORY_HOURS}."
        )
    values, low, high = _predict(series, horizon_hours, level)
    start = datetime.fromtimestamp(decision_hour * 3600, tz=UTC)
    days = series.size / HOURS_PER_DAY
    return Forecast(
        times=tuple(start + timedelta(hours=h) for h in range(1, horizon_hours + 1)),
        values=values,
        low=low,
        high=high,
        level=level,
        source_label=f"own forecast from {days:.0f} days of history",
        history_hours=int(series.size),
    )


def seasonal_naive(series: FloatArray, horizon_hours: int) -> FloatArray:
    """The yesterday-same-hour baseline: each hour ahead takes the most recent observed value at the same hour."""
    ahead = np.arange(1, horizon_hours + 1)
    days_back = -(-ahead // HOURS_PER_DAY)  # ceil: 1..24 h ahead look 1 day back, 25..48 two days
    result: FloatArray = series[series.size - 1 + ahead - HOURS_PER_DAY * days_back]
    return result


def _predict(series: FloatArray, horizon_hours: int, level: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    values = seasonal_naive(series, horizon_hours)
    low, high = _interval_from_history(series, values, horizon_hours, level)
    return values, low, high


def _interval_from_history(
    series: FloatArray, values: FloatArray, horizon_hours: int, level: float
) -> tuple[FloatArray, FloatArray]:
    """Empirical ratio quantiles of the baseline's past errors at each horizon (conformal-style)."""
    low, high = np.empty(horizon_hours), np.empty(horizon_hours)
    for h in range(1, horizon_hours + 1):
        lag = HOURS_PER_DAY * -(-h // HOURS_PER_DAY)
        actual, predicted = series[lag:], series[:-lag] if lag < series.size else series[:0]
        ratio = actual / np.maximum(predicted, 1e-6)
        if ratio.size < 10:
            low[h - 1], high[h - 1] = values[h - 1] * 0.7, values[h - 1] * 1.3
            continue
        q_low, q_high = np.quantile(ratio[-24 * 60 :], [(1 - level) / 2, (1 + level) / 2])
        low[h - 1], high[h - 1] = values[h - 1] * q_low, values[h - 1] * q_high
    return np.minimum(low, values), np.maximum(high, values)

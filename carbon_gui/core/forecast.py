"""The app's own forecaster of hourly grid carbon intensity, from history alone (pure numpy, no I/O).

Strict time split: `forecast` uses only the history stamped at or before `decision_time`; everything after is
dropped before any computation, so a decision never sees the future (tests/forecast proves it by perturbing it).

Hour semantics: a value stamped T is the intensity of the hour [T, T+1). The value of the decision hour is the
last observation; the forecast covers the hours after it: decision hour + 1 … decision hour + horizon_hours.

Fitting is the costly part (~0.3 s per zone for 72 h ahead), so `forecast` fits on the history up to the midnight
(UTC) that starts the decision day and keeps the model in a `ModelCache` keyed by the exact values it was fitted on:
every later decision that day only predicts (milliseconds). The hours since midnight still enter every forecast
through its features. A forecast is the same whether the cache was warm or cold.
"""

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from carbon_gui.core.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HOURS_PER_DAY = 24
HOURS_PER_WEEK = 7 * HOURS_PER_DAY
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)
MIN_HISTORY_HOURS = HOURS_PER_DAY  # less than one day says nothing about the daily cycle
MAX_HORIZON_HOURS = HOURS_PER_WEEK  # the weekly lag must stay in the past
MIN_INTENSITY = 1.0  # gCO2e/kWh: floor before taking logs
FEATURE_LOOKBACK_HOURS = HOURS_PER_WEEK + HOURS_PER_DAY  # the oldest hour a feature reads, before its origin
TRAIN_DAYS = 365  # a year of origins: 180 scored worse, 730 no better (docs/FORECAST.md)
CALIBRATION_DAYS = 60  # held out for the interval's errors, then fitted too
TRAIN_STEP = 1  # every origin: every fifth (coprime with 24) scored 9.05 % instead of 8.9 % (docs/FORECAST.md)
MIN_TRAIN_ORIGINS = 24 * 7  # fewer training rows than this and the regression is not trusted
RIDGE = 0.1  # 10 scored 9.28 %, 1 8.90 %, 0.1 8.88 %
FIT_HOURS = TRAIN_DAYS * HOURS_PER_DAY + FEATURE_LOOKBACK_HOURS  # all a fit reads (a whole number of days)
# Every horizon keeps the same number of calibration errors, so a model fitted further ahead gives the same interval
CALIBRATION_SAMPLES = CALIBRATION_DAYS * HOURS_PER_DAY - MAX_HORIZON_HOURS


@dataclass(frozen=True)
class Forecast:
    times: tuple[datetime, ...]  # UTC, hourly, the hours after the decision hour
    values: FloatArray  # expected gCO2e/kWh per hour
    low: FloatArray  # lower end of the `level` interval
    high: FloatArray  # upper end of the `level` interval
    level: float  # e.g. 0.9 for a 90 % interval
    source_label: str  # "own forecast from N days of history"
    history_hours: int  # hours of history the forecast was made from


def _hour_index(times: Sequence[datetime] | npt.NDArray[np.datetime64]) -> IntArray:
    """Whole UTC hours since the epoch; naive datetimes are read as UTC."""
    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[h]").astype(np.int64)
    return np.array([int(_as_utc(t).timestamp() // 3600) for t in times], dtype=np.int64)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def hourly_series(hours: IntArray, values: FloatArray, last_hour: int) -> tuple[int, FloatArray]:
    """The values on a gapless hourly grid that starts at a midnight UTC (the calendar features count from it)
    and ends at `last_hour`, with the grid's first hour (UTC hours since 1970). Hours after `last_hour` are
    dropped. Gaps take the last earlier value; the hours before the first value (at most 23, to reach midnight)
    take the first value."""
    keep = (hours <= last_hour) & np.isfinite(values)
    hours, values = hours[keep], values[keep]
    if hours.size == 0:
        return last_hour + 1, np.empty(0)
    first = int(hours.min()) // HOURS_PER_DAY * HOURS_PER_DAY
    grid = np.full(last_hour - first + 1, np.nan)
    grid[hours - first] = values
    grid[0] = grid[0] if np.isfinite(grid[0]) else values[np.argmin(hours)]
    known = np.isfinite(grid)
    last_known = np.maximum.accumulate(np.where(known, np.arange(grid.size), 0))
    result: FloatArray = grid[last_known]
    return first, result


def forecast(
    history_times: Sequence[datetime] | npt.NDArray[np.datetime64],
    history_values: Sequence[float | None] | FloatArray,
    decision_time: datetime,
    horizon_hours: int,
    level: float = 0.9,
    models: "ModelCache | None" = None,
) -> Forecast:
    """Forecast `horizon_hours` hours after the decision hour from the history at or before `decision_time`.
    `models`: where fitted models are kept between calls (default: none kept).

    Raises InputError when the history before the decision is shorter than a day, or the horizon or level is
    out of range."""
    if not 1 <= horizon_hours <= MAX_HORIZON_HOURS:
        raise InputError(f"Forecast horizon {horizon_hours} h is out of range: use 1 to {MAX_HORIZON_HOURS} hours.")
    if not 0.0 < level < 1.0:
        raise InputError(f"Interval level {level} is out of range: use a fraction such as 0.8 or 0.9.")
    decision_hour = int(_as_utc(decision_time).timestamp() // 3600)
    if isinstance(history_values, np.ndarray):
        raw = history_values.astype(np.float64)
    else:
        raw = np.array([np.nan if v is None else float(v) for v in history_values], dtype=np.float64)
    hours = _hour_index(history_times)
    if hours.shape != raw.shape:
        raise InputError(f"History has {hours.size} times but {raw.size} values: give one value per time.")
    known = (hours <= decision_hour) & np.isfinite(raw)
    known_hours = decision_hour - int(hours[known].min()) + 1 if known.any() else 0
    if known_hours < MIN_HISTORY_HOURS:
        raise InputError(
            f"Only {known_hours} hours of history before {_as_utc(decision_time):%Y-%m-%d %H:00} UTC: "
            f"the own forecast needs at least {MIN_HISTORY_HOURS}."
        )
    values, low, high = _predict(*hourly_series(hours, raw, decision_hour), horizon_hours, level, models)
    start = datetime.fromtimestamp(decision_hour * 3600, tz=UTC)
    days = known_hours / HOURS_PER_DAY
    return Forecast(
        times=tuple(start + timedelta(hours=h) for h in range(1, horizon_hours + 1)),
        values=values,
        low=low,
        high=high,
        level=level,
        source_label=f"own forecast from {days:.0f} days of history",
        history_hours=known_hours,
    )


def seasonal_naive(series: FloatArray, horizon_hours: int) -> FloatArray:
    """The yesterday-same-hour baseline: each hour ahead takes the most recent observed value at the same hour."""
    result: FloatArray = seasonal_naive_at(series, np.array([series.size - 1]), horizon_hours)[0]
    return result


def seasonal_naive_at(series: FloatArray, origins: IntArray, horizon_hours: int) -> FloatArray:
    """The baseline made at each origin (the index of the last known hour): origins × horizon_hours."""
    ahead = np.arange(1, horizon_hours + 1)
    back = HOURS_PER_DAY * -(-ahead // HOURS_PER_DAY)  # 1..24 h ahead look 1 day back, 25..48 two days
    result: FloatArray = series[origins[:, None] + ahead[None, :] - back[None, :]]
    return result


@dataclass(frozen=True)
class ForecastModel:
    """Ridge regression per hour ahead on log intensity, and its out-of-sample errors for the intervals."""

    weights: FloatArray  # horizon × features
    calibration_errors: FloatArray  # horizon × samples: log(actual / predicted) on hours the fit did not see
    _quantiles: dict[float, tuple[FloatArray, FloatArray]] = field(default_factory=dict, compare=False, repr=False)

    def error_quantiles(self, level: float) -> tuple[FloatArray, FloatArray]:
        """Per hour ahead, the low and high quantiles of the errors for a `level` interval (computed once: sorting
        the errors was most of a re-plan)."""
        if level not in self._quantiles:
            low, high = np.quantile(self.calibration_errors, [(1 - level) / 2, (1 + level) / 2], axis=1)
            self._quantiles[level] = (low, high)
        return self._quantiles[level]

    @property
    def horizon_hours(self) -> int:
        return int(self.weights.shape[0])


def _features(log_series: FloatArray, first_hour: int, origins: IntArray, ahead: int | IntArray) -> FloatArray:
    """What a forecast made at `origins` for `ahead` hours later may use: only indices ≤ origin. `ahead` is one
    number, or one per origin (every term is elementwise).

    Recent level (last hours, 6 h, 24 h, 3-day and 7-day means), the mean of the origin's hour over the 7 days
    before (so the level now reads as above or below the usual for this hour), the most recent same hour and the
    one a day before it, the mean of the same hour over the last 7 days, the same hour a week before, and the
    target's hour of day and weekend as calendar terms (plus the level × daily-cycle interactions that let the
    daily shape scale)."""
    y, t = log_series, origins
    cumulative = np.concatenate([[0.0], np.cumsum(y)])

    def mean_of_last(hours: int) -> FloatArray:
        result: FloatArray = (cumulative[t + 1] - cumulative[t + 1 - hours]) / hours
        return result

    same_hour = t + ahead - HOURS_PER_DAY * -(-ahead // HOURS_PER_DAY)
    week_mean = np.mean([y[same_hour - HOURS_PER_DAY * d] for d in range(7)], axis=0)
    origin_hour_week_mean = np.mean([y[t - HOURS_PER_DAY * d] for d in range(1, 8)], axis=0)
    target_hour = (t + ahead) % HOURS_PER_DAY  # index 0 is a midnight UTC (hourly_series' contract)
    origin_hour = t % HOURS_PER_DAY
    hour_of_day = np.zeros((t.size, HOURS_PER_DAY))
    hour_of_day[np.arange(t.size), target_hour] = 1.0
    weekend = (((first_hour + t + ahead) // HOURS_PER_DAY + EPOCH_WEEKDAY) % 7 >= 5).astype(np.float64)
    target_angle, origin_angle = 2 * np.pi * target_hour / HOURS_PER_DAY, 2 * np.pi * origin_hour / HOURS_PER_DAY
    columns = [
        np.ones(t.size),
        y[t],
        y[t - 1],
        y[t - 2],
        mean_of_last(6),
        mean_of_last(HOURS_PER_DAY),
        mean_of_last(3 * HOURS_PER_DAY),
        mean_of_last(HOURS_PER_WEEK),
        origin_hour_week_mean,
        y[same_hour],
        y[same_hour - HOURS_PER_DAY],
        week_mean,
        y[t + ahead - HOURS_PER_WEEK],
        y[t] * np.cos(target_angle),
        y[t] * np.sin(target_angle),
        y[t] * np.cos(2 * target_angle),
        y[t] * np.sin(2 * target_angle),
        y[t] * np.cos(origin_angle),
        y[t] * np.sin(origin_angle),
        np.cos(origin_angle),
        np.sin(origin_angle),
        weekend,
    ]
    return np.column_stack([*columns, hour_of_day, weekend[:, None] * hour_of_day])


def fit_model(series: FloatArray, first_hour: int, horizon_hours: int) -> ForecastModel | None:
    """Fit on `series` (hourly, gapless, index 0 at `first_hour`, a midnight UTC in hours since 1970; every value
    is history). None when it is too
    short for the regression. The last CALIBRATION_DAYS are first held out to measure honest errors for the
    intervals, then added to the fit (the normal equations of the two parts are summed)."""
    log_series = np.log(np.maximum(series, MIN_INTENSITY))
    first_origin = max(FEATURE_LOOKBACK_HOURS, series.size - TRAIN_DAYS * HOURS_PER_DAY)
    calibration_start = series.size - CALIBRATION_DAYS * HOURS_PER_DAY
    if calibration_start - first_origin < MIN_TRAIN_ORIGINS * TRAIN_STEP:
        return None
    weights, errors = [], []
    for ahead in range(1, horizon_hours + 1):
        early = np.arange(first_origin, calibration_start - ahead, TRAIN_STEP)
        late = np.arange(calibration_start, series.size - ahead)
        x_early = _features(log_series, first_hour, early, ahead)
        x_late = _features(log_series, first_hour, late, ahead)
        y_early, y_late = log_series[early + ahead], log_series[late + ahead]
        gram_early, moment_early = x_early.T @ x_early, x_early.T @ y_early
        ridge = RIDGE * np.eye(x_early.shape[1])
        held_out_fit = np.linalg.solve(gram_early + ridge, moment_early)
        errors.append(y_late - x_late @ held_out_fit)
        late_sample = x_late[::TRAIN_STEP]
        weights.append(
            np.linalg.solve(
                gram_early + late_sample.T @ late_sample + ridge, moment_early + late_sample.T @ y_late[::TRAIN_STEP]
            )
        )
    kept = min(CALIBRATION_SAMPLES, min(e.size for e in errors))
    return ForecastModel(np.array(weights), np.array([e[-kept:] for e in errors]))


def predict(
    model: ForecastModel, series: FloatArray, first_hour: int, origins: IntArray, horizon_hours: int, level: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Forecasts made at each origin (index of the last known hour of `series`): values, low, high, each
    origins × horizon_hours. Reads no value of `series` after an origin."""
    # Features read at most FEATURE_LOOKBACK_HOURS back: drop older whole days (a year of logs costs more than the rest)
    drop = max(0, int(origins.min()) - FEATURE_LOOKBACK_HOURS) // HOURS_PER_DAY * HOURS_PER_DAY
    series, first_hour, origins = series[drop:], first_hour + drop, origins - drop
    log_series = np.log(np.maximum(series, MIN_INTENSITY))
    # every (origin, hour ahead) pair in one feature matrix: a Python loop over 72 horizons cost most of a re-plan
    ahead = np.tile(np.arange(1, horizon_hours + 1), origins.size)
    features = _features(log_series, first_hour, np.repeat(origins, horizon_hours), ahead)
    log_values = np.einsum("rf,rf->r", features, model.weights[ahead - 1]).reshape(origins.size, horizon_hours)
    q_low, q_high = (q[:horizon_hours] for q in model.error_quantiles(level))
    return np.exp(log_values), np.exp(log_values + q_low), np.exp(log_values + q_high)


class ModelCache:
    """Fitted models by the exact history they were fitted on (its first hour and a digest of its values), so a
    model is never used with data it did not see, and changed data is refitted. Thread-safe; keeps the newest."""

    def __init__(self, max_models: int = 256) -> None:
        self._models: dict[tuple[int, int, bytes], ForecastModel | None] = {}
        self._lock = threading.Lock()
        self._max_models = max_models
        self.fits = 0  # how many fits were made, for tests and benchmarks

    def model(self, fit_series: FloatArray, first_hour: int, horizon_hours: int) -> "ForecastModel | None":
        key = (first_hour, fit_series.size, hashlib.blake2b(fit_series.tobytes(), digest_size=16).digest())
        with self._lock:
            known = self._models.get(key, ())
        if known is None or (isinstance(known, ForecastModel) and known.horizon_hours >= horizon_hours):
            return known  # None: too short for the regression, whatever the horizon
        from threadpoolctl import threadpool_limits  # scikit-learn's dependency; lazy: only fits need it

        with threadpool_limits(1):  # dozens of small matrix products: one BLAS thread is far faster than a busy team
            model = fit_model(fit_series, first_hour, horizon_hours)  # outside the lock: other zones fit meanwhile
        with self._lock:
            self.fits += 1
            self._models.pop(key, None)
            self._models[key] = model
            while len(self._models) > self._max_models:
                self._models.pop(next(iter(self._models)))
        return model


def _predict(
    first_hour: int, series: FloatArray, horizon_hours: int, level: float, models: ModelCache | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    # Fit on the whole days before the decision day (index 0 is a midnight), at most what a fit reads.
    fit_end = (series.size - 1) // HOURS_PER_DAY * HOURS_PER_DAY
    fit_start = max(0, fit_end - FIT_HOURS)
    fit_series = series[fit_start:fit_end]
    model = (models or ModelCache()).model(fit_series, first_hour + fit_start, horizon_hours)
    if model is None:  # too little history for the regression: yesterday's values, with their past errors
        values = seasonal_naive(series, horizon_hours)
        low, high = _interval_from_history(series, values, horizon_hours, level)
        return values, low, high
    values, low, high = predict(model, series, first_hour, np.array([series.size - 1]), horizon_hours, level)
    return values[0], low[0], high[0]


def _interval_from_history(
    series: FloatArray, values: FloatArray, horizon_hours: int, level: float
) -> tuple[FloatArray, FloatArray]:
    """Empirical ratio quantiles of the baseline's past errors at each horizon (conformal-style)."""
    low, high = np.empty(horizon_hours), np.empty(horizon_hours)
    for h in range(1, horizon_hours + 1):
        lag = HOURS_PER_DAY * -(-h // HOURS_PER_DAY)
        ratio = series[lag:] / np.maximum(series[:-lag], MIN_INTENSITY) if lag < series.size else np.empty(0)
        if ratio.size < 10:  # a day or two of history: no errors to learn from, a wide guess
            low[h - 1], high[h - 1] = values[h - 1] * 0.7, values[h - 1] * 1.3
            continue
        q_low, q_high = np.quantile(ratio[-CALIBRATION_DAYS * HOURS_PER_DAY :], [(1 - level) / 2, (1 + level) / 2])
        low[h - 1], high[h - 1] = values[h - 1] * q_low, values[h - 1] * q_high
    return np.minimum(low, values), np.maximum(high, values)

"""Offline stand-in for live data: real hourly Electricity Maps intensities for 16 zones (2021–2024;
the 2024 values replayed at the same date and hour of today). Always labelled as a replay, never as live data."""

import csv
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from carbon_gui.core.errors import DataError
from carbon_gui.core.signals import GridSignal, SignalKind, SignalPoint
from carbon_gui.sources.reference import bundled_data_dir

REPLAY_YEAR = 2024
REPLAY_SOURCE = "Electricity Maps hourly data, 2024 replay (bundled, ODbL)"
HOURS_BACK = 24
HOURS_AHEAD = 24
HOURLY_FILE = "em_hourly_ci_lca_2021_2024.csv.gz"  # the replay reads its REPLAY_YEAR rows


@dataclass(frozen=True)
class ReplayData:
    start: datetime  # first hour of REPLAY_YEAR, UTC
    values: dict[str, list[float | None]]  # zone -> one value per hour of the year
    estimated_share: dict[str, float]  # zone -> % of hours Electricity Maps estimated

    @property
    def zones(self) -> list[str]:
        return sorted(self.values)


@dataclass(frozen=True)
class GridHistory:
    """The bundled hourly lifecycle intensity, 2021–2024, 16 zones (gCO2eq/kWh; NaN where a value is missing)."""

    start: datetime  # the first row's hour, UTC
    zones: tuple[str, ...]
    values: npt.NDArray[np.float64]  # hours × zones

    def series(self, zone: str) -> npt.NDArray[np.float64]:
        return self.values[:, self.zones.index(zone)]

    def hour_of(self, moment: datetime) -> int:
        """Row index of the hour that contains `moment`."""
        return int((moment.astimezone(UTC) - self.start).total_seconds() // 3600)


def load_hourly_history(data: Path | None = None) -> GridHistory:
    path = (data or bundled_data_dir()) / HOURLY_FILE
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = handle.read().splitlines()
        header = lines[0].split(",")
        # genfromtxt: C-speed parsing (a 35,064-row file in ~0.4 s), empty fields become NaN, ragged rows raise
        values = np.genfromtxt(lines[1:], delimiter=",", usecols=range(1, len(header)), dtype=np.float64, ndmin=2)
        start, last = (datetime.fromisoformat(line.split(",")[0]).replace(tzinfo=UTC) for line in (lines[1], lines[-1]))
    except FileNotFoundError:
        raise DataError(f"Data file {path.name} is missing. Reinstall carbon_gui.") from None
    except (OSError, ValueError, EOFError, IndexError) as err:
        raise DataError(f"Data file {path.name} is not readable ({err}). Reinstall carbon_gui.") from None
    if last != start + timedelta(hours=len(values) - 1):
        raise DataError(f"Data file {path.name} skips or repeats hours. Reinstall carbon_gui.")
    for row, column in zip(*np.nonzero(np.isnan(values)), strict=True):  # genfromtxt reads any bad text as NaN
        text = lines[row + 1].split(",")[column + 1]
        if text.strip():
            raise DataError(f"Data file {path.name} line {row + 2}: '{text}' is not a number. Reinstall carbon_gui.")
    return GridHistory(start, tuple(header[1:]), values)


def load_replay(data: Path | None = None) -> ReplayData:
    data = data or bundled_data_dir()
    history = load_hourly_history(data)
    year = history.values[history.hour_of(datetime(REPLAY_YEAR, 1, 1, tzinfo=UTC)) :][: 366 * 24]
    values: dict[str, list[float | None]] = {
        zone: [None if np.isnan(v) else float(v) for v in year[:, i]] for i, zone in enumerate(history.zones)
    }
    share_path = data / "em_hourly_2024_estimated_share.csv"
    shares: dict[str, float] = {}
    try:
        with share_path.open(newline="", encoding="utf-8") as handle:
            for share in csv.DictReader(handle):
                shares[share["zone"]] = float(share["pct_hours_estimated"])
    except (OSError, KeyError, ValueError) as err:
        raise DataError(f"Data file {share_path.name} is not readable ({err}). Reinstall carbon_gui.") from None
    return ReplayData(datetime(REPLAY_YEAR, 1, 1, tzinfo=UTC), values, shares)


def _replay_hour(data: ReplayData, now: datetime) -> int:
    """Hour of REPLAY_YEAR with the same month, day and hour as `now` (Feb 29 exists in 2024)."""
    same = now.astimezone(UTC).replace(year=REPLAY_YEAR, minute=0, second=0, microsecond=0)
    return int((same - data.start).total_seconds() // 3600)


def replay_signal(data: ReplayData, zone: str, now: datetime) -> GridSignal | None:
    """The zone's 2024 values around today's date and hour, placed on today's time axis."""
    series = data.values.get(zone)
    if series is None:
        return None
    hours = len(series)
    at = _replay_hour(data, now)
    now_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    estimated = data.estimated_share.get(zone, 0.0) >= 99.9  # no per-hour flag: only all-estimated zones

    def point(offset: int) -> SignalPoint:
        return SignalPoint(now_hour + timedelta(hours=offset), series[(at + offset) % hours], estimated)

    replay_date = (data.start + timedelta(hours=at)).strftime("%Y-%m-%d %H:00")
    share = data.estimated_share.get(zone)
    notes = [f"values of {replay_date} UTC and the hours around it, shown on today's time axis"]
    if share:
        notes.append(f"{share:g} % of this zone's 2024 hours were estimated by Electricity Maps")
    return GridSignal(
        zone=zone,
        source=REPLAY_SOURCE,
        kind=SignalKind.AVERAGE_LIFECYCLE,
        fetched_at=now,
        latest=point(0),
        history=tuple(point(-h) for h in range(HOURS_BACK, 0, -1)),
        forecast=tuple(point(h) for h in range(0, HOURS_AHEAD + 1)),
        is_replay=True,
        notes=tuple(notes),
    )

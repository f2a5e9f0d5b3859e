"""Offline stand-in for live data: real hourly 2024 Electricity Maps intensities for 16 zones,
replayed at the same date and hour of today. Always labelled as a replay, never as live data."""

import csv
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from carbon_gui.core.errors import DataError
from carbon_gui.core.signals import GridSignal, SignalKind, SignalPoint
from carbon_gui.sources.reference import bundled_data_dir

REPLAY_YEAR = 2024
REPLAY_SOURCE = "Electricity Maps hourly data, 2024 replay (bundled, ODbL)"
HOURS_BACK = 24
HOURS_AHEAD = 24


@dataclass(frozen=True)
class ReplayData:
    start: datetime  # first hour of REPLAY_YEAR, UTC
    values: dict[str, list[float | None]]  # zone -> one value per hour of the year
    estimated_share: dict[str, float]  # zone -> % of hours Electricity Maps estimated

    @property
    def zones(self) -> list[str]:
        return sorted(self.values)


def load_replay(data: Path | None = None) -> ReplayData:
    data = data or bundled_data_dir()
    path = data / "em_hourly_ci_lca_2024.csv.gz"
    values: dict[str, list[float | None]] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            zones = header[1:]
            values = {z: [] for z in zones}
            for row in reader:
                if len(row) != len(header):
                    raise DataError(f"Data file {path.name} line {reader.line_num} has the wrong number of fields.")
                for zone, text in zip(zones, row[1:], strict=True):
                    values[zone].append(float(text) if text else None)
    except FileNotFoundError:
        raise DataError(f"Data file {path.name} is missing. Reinstall carbon_gui.") from None
    except (OSError, ValueError, EOFError, StopIteration) as err:
        raise DataError(f"Data file {path.name} is not readable ({err}). Reinstall carbon_gui.") from None
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

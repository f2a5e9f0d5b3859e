"""The bundled 2021-2024 hourly table: what the forecaster learns from and the replay shows."""

import gzip
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from carbon_gui.core.errors import DataError
from carbon_gui.sources.replay import HOURLY_FILE, load_hourly_history, load_replay


def test_four_years_of_16_zones_and_the_replay_is_its_2024_part() -> None:
    history = load_hourly_history()
    assert history.start == datetime(2021, 1, 1, tzinfo=UTC)
    assert history.values.shape == (35_064, 16) and not np.isnan(history.values).any()
    replay = load_replay()
    row = history.hour_of(datetime(2024, 1, 1, tzinfo=UTC))
    for zone in ("DE", "ZA"):
        assert replay.values[zone] == list(history.series(zone)[row:])
        assert len(replay.values[zone]) == 366 * 24


def _write(folder: Path, lines: list[str]) -> None:
    with gzip.open(folder / HOURLY_FILE, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["2024-01-01 00:00:00,1,2", "2024-01-01 02:00:00,1,2"], "skips or repeats hours"),
        (["2024-01-01 00:00:00,1,2", "2024-01-01 01:00:00,1"], "is not readable"),
        (["2024-01-01 00:00:00,1,x"], "line 2: 'x' is not a number"),
    ],
)
def test_a_damaged_file_is_a_data_error_naming_it(tmp_path: Path, rows: list[str], message: str) -> None:
    _write(tmp_path, ["datetime_utc,DE,GB", *rows])
    with pytest.raises(DataError, match=f"{HOURLY_FILE} {message}"):
        load_hourly_history(tmp_path)


def test_a_missing_value_is_nan_not_an_error(tmp_path: Path) -> None:
    _write(tmp_path, ["datetime_utc,DE,GB", "2024-01-01 00:00:00,1,", "2024-01-01 01:00:00,3,4"])
    history = load_hourly_history(tmp_path)
    assert history.zones == ("DE", "GB")
    assert np.isnan(history.series("GB")[0]) and history.series("GB")[1] == 4

"""settings.json as a careless user leaves it: every bad value is named, the good ones are kept."""

import dataclasses
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon_gui.settings import FIELD_CHECKS, UserSettings, load_settings, read_settings, save_settings, settings_path

DEFAULTS = UserSettings()


def write(config: Path, **fields: Any) -> Path:
    path = config / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema_version": 1, **fields}), encoding="utf-8")  # json.dumps writes NaN as NaN
    return path


def test_nan_hours_fall_back_with_a_message_naming_them(_private_config_dir: Path) -> None:
    write(_private_config_dir, hours=math.nan, machine="n1-standard-8")
    loaded = read_settings()
    assert loaded.settings.hours == DEFAULTS.hours
    assert loaded.settings.machine == "n1-standard-8"  # the good field is kept
    (message,) = loaded.warnings
    assert message.startswith("settings.json: 'hours' was NaN (") and message.endswith("; using 12 h.")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("machine", 5, ["'machine'", "5", "a2-highgpu-1g"]),
        ("machine", "", ["'machine'"]),
        ("accelerator", ["t4"], ["'accelerator'"]),
        ("accelerator_count", 3, ["'accelerator_count'", "3"]),
        ("accelerator_count", True, ["'accelerator_count'"]),
        ("hours", -2, ["'hours'", "-2"]),
        ("hours", 1e-300, ["'hours'"]),
        ("hours", "12", ["'hours'", "'12'"]),
        ("hours", math.inf, ["'hours'", "Infinity"]),
        ("location", 48.8, ["'location'"]),
        ("location", "Paris\x00", ["'location'"]),
        ("carbon_year", "2024", ["'carbon_year'"]),
        ("carbon_year", 2024.5, ["'carbon_year'"]),
        ("weights", [1, 2], ["'weights'"]),
        ("weights", {"carbon": 0, "cost": 0}, ["'weights'", "above zero"]),
        ("residency_rule", "moon", ["'residency_rule'", "moon", "anywhere"]),
        ("allowed_countries", "FRA", ["'allowed_countries'"]),
        ("trust_overrides", ["FRA"], ["'trust_overrides'"]),
        ("max_usd_per_hour", -1, ["'max_usd_per_hour'", "-1"]),
        ("max_usd_per_hour", math.nan, ["'max_usd_per_hour'", "NaN"]),
        ("max_emissions_kg", "lots", ["'max_emissions_kg'"]),
        ("vertex_only", "yes", ["'vertex_only'"]),
        ("provider", "greenpeace", ["'provider'", "electricitymaps"]),
        ("carbon_mode", "vibes", ["'carbon_mode'", "yearly"]),
        ("refresh_minutes", 0, ["'refresh_minutes'"]),
        ("refresh_minutes", 10**9, ["'refresh_minutes'"]),
        ("refresh_minutes", 2.5, ["'refresh_minutes'"]),
        ("gcp_project", 7, ["'gcp_project'"]),
        ("gcp_project", "My Project; rm -rf", ["'gcp_project'"]),
    ],
)
def test_each_bad_field_falls_back_alone(_private_config_dir: Path, field: str, value: Any, words: list[str]) -> None:
    good = ("vertex_only", True) if field != "vertex_only" else ("location", "Lyon")
    write(_private_config_dir, **{good[0]: good[1], field: value})
    loaded = read_settings()
    assert getattr(loaded.settings, field) == getattr(DEFAULTS, field)
    assert getattr(loaded.settings, good[0]) == good[1]  # the good field next to it is kept
    assert len(loaded.warnings) == 1, loaded.warnings
    message = loaded.warnings[0]
    assert message.startswith("settings.json: ") and "\n" not in message
    for word in words:
        assert word in message


def test_bad_trust_tier_is_dropped_and_the_good_ones_kept(_private_config_dir: Path) -> None:
    write(_private_config_dir, trust_overrides={"FRA": "nonsense", "DEU": "restricted", "xx": "trusted"})
    loaded = read_settings()
    assert loaded.settings.trust_overrides == {"DEU": "restricted"}
    assert len(loaded.warnings) == 2
    assert "'nonsense'" in loaded.warnings[0] and "FRA" in loaded.warnings[0] and "restricted" in loaded.warnings[0]
    assert "'xx'" in loaded.warnings[1]


def test_country_codes_are_checked_one_by_one(_private_config_dir: Path) -> None:
    write(_private_config_dir, allowed_countries=["fra", "DEU", 3, "Germany", "DEU"])
    loaded = read_settings()
    assert loaded.settings.allowed_countries == ["FRA", "DEU"]
    assert len(loaded.warnings) == 2, loaded.warnings
    assert "3" in loaded.warnings[0] and "'Germany'" in loaded.warnings[1]


def test_weights_keep_the_good_criteria_and_large_ones_are_scaled(_private_config_dir: Path) -> None:
    write(_private_config_dir, weights={"carbon": 50, "cost": 25, "latency": -1, "speed": 3})
    loaded = read_settings()
    assert loaded.settings.weights == {"carbon": 1.0, "cost": 0.5, "security": 0.0, "latency": 0.0}
    assert len(loaded.warnings) == 2
    assert "'latency'" in loaded.warnings[0] and "'speed'" in loaded.warnings[1]


def test_huge_weights_do_not_overflow(_private_config_dir: Path) -> None:
    write(_private_config_dir, weights={"carbon": 1e308, "cost": 1e308})
    loaded = read_settings()
    assert loaded.settings.weights == {"carbon": 1.0, "cost": 1.0, "security": 0.0, "latency": 0.0}
    assert loaded.warnings == ()


def test_weights_too_small_for_the_sliders_are_scaled_up(_private_config_dir: Path) -> None:
    """The window's sliders step by 0.01: 1e-300 would show as 0 and rank nothing."""
    write(_private_config_dir, weights={"carbon": 1e-300, "cost": 5e-301})
    loaded = read_settings()
    assert loaded.settings.weights == {"carbon": 1.0, "cost": 0.5, "security": 0.0, "latency": 0.0}


def test_unknown_setting_is_named(_private_config_dir: Path) -> None:
    write(_private_config_dir, hour=30)
    loaded = read_settings()
    assert loaded.settings == DEFAULTS
    assert loaded.warnings == ("settings.json: unknown setting 'hour' ignored.",)


def test_a_good_file_loads_without_warnings(_private_config_dir: Path) -> None:
    good = UserSettings(
        machine="n1-standard-8",
        accelerator="nvidia-tesla-t4",
        accelerator_count=2,
        hours=3.5,
        location="48.85, 2.35",
        carbon_year=2022,
        weights={"carbon": 1.0, "cost": 0.0, "security": 0.25, "latency": 0.5},
        residency_rule="countries",
        allowed_countries=["FRA", "DEU"],
        trust_overrides={"USA": "restricted"},
        max_usd_per_hour=4.0,
        max_emissions_kg=0,
        vertex_only=True,
        provider="replay",
        carbon_mode="forecast",
        refresh_minutes=60,
        gcp_project="carbon-test-1",
    )
    save_settings(good)
    assert read_settings().settings == good
    assert read_settings().warnings == ()


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"schema_version": "1"}', "\udcff"])
def test_an_unreadable_file_is_set_aside_with_a_message(_private_config_dir: Path, text: str) -> None:
    path = _private_config_dir / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    loaded = read_settings()
    assert loaded.settings == DEFAULTS
    assert len(loaded.warnings) == 1 and "settings.bad" in loaded.warnings[0]
    assert (_private_config_dir / "settings.bad").read_bytes() == text.encode("utf-8", "surrogateescape")
    assert not path.exists()


def test_no_file_no_warnings(_private_config_dir: Path) -> None:
    assert read_settings().warnings == ()


def test_loading_never_rewrites_the_file(_private_config_dir: Path) -> None:
    path = write(_private_config_dir, hours=math.nan, trust_overrides={"FRA": "nonsense"})
    before = path.read_bytes()
    read_settings()
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_settings_and_their_directory_are_owner_only(_private_config_dir: Path) -> None:
    save_settings(UserSettings())
    assert stat.S_IMODE(_private_config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(settings_path().stat().st_mode) == 0o600
    assert [p.name for p in _private_config_dir.iterdir()] == ["settings.json"]  # no temp file left behind


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_an_old_world_readable_file_becomes_owner_only(_private_config_dir: Path) -> None:
    path = write(_private_config_dir)
    path.chmod(0o644)
    save_settings(UserSettings(hours=3))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_settings().settings.hours == 3


@pytest.mark.parametrize(
    ("field", "value"), [("trust_overrides", {"FRA": "nonsense"}), ("machine", 5), ("hours", math.nan)]
)
def test_load_settings_never_hands_out_the_values_from_the_issue(
    _private_config_dir: Path, field: str, value: Any
) -> None:
    write(_private_config_dir, **{field: value})
    assert getattr(load_settings(), field) == getattr(DEFAULTS, field)


def test_every_field_is_checked() -> None:
    names = {f.name for f in dataclasses.fields(UserSettings)} - {"schema_version"}
    assert set(FIELD_CHECKS) == names


def _containers_of(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


# A named function, not a lambda: hypothesis reads the extend function's source to check that it recurses, and a
# lambda's source line is not always parsed alone.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30), _containers_of, max_leaves=12
)
FIELD_NAMES = st.sampled_from(sorted(FIELD_CHECKS)) | st.text(max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=8))
def test_whatever_the_file_holds_loading_gives_settings_that_load_cleanly(
    _private_config_dir: Path, fields: dict[str, Any]
) -> None:
    """Any JSON object: no exception, one line per problem, and what comes out is valid (saved and read back, it is
    the same and draws no warning)."""
    write(_private_config_dir, **fields)
    loaded = read_settings()
    assert all(w.startswith("settings.json") and "\n" not in w for w in loaded.warnings)
    save_settings(loaded.settings)
    again = read_settings()
    assert again.warnings == ()
    assert again.settings == loaded.settings


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero")
@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("kind", "what"), [("fifo", "a named pipe (FIFO)"), ("dev-zero", "a device"), ("directory", "a directory")]
)
def test_a_settings_path_that_is_no_file_never_hangs_the_start(
    _private_config_dir: Path, kind: str, what: str
) -> None:
    path = _private_config_dir / "settings.json"
    _private_config_dir.mkdir()
    if kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer for ever
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")  # reading it would never end
    else:
        path.mkdir()
    loaded = read_settings()
    assert loaded.settings == DEFAULTS
    (message,) = loaded.warnings
    assert message == f"settings.json is {what}, not a regular file; using the defaults."
    assert path.exists() or path.is_symlink()  # left where it is: carbon-gui did not make it


def test_a_huge_file_is_set_aside(_private_config_dir: Path) -> None:
    path = write(_private_config_dir, location="x" * 2_000_000)
    loaded = read_settings()
    assert loaded.settings == DEFAULTS
    assert "over 1 MB" in loaded.warnings[0] and "settings.bad" in loaded.warnings[0]
    assert not path.exists()

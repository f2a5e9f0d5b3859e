"""settings.json across versions and after a killed save, through `carbon-gui rank` (which reads the window's
trust tiers from it) and the window's own read and save functions, on a real file in a private config dir."""

import json
import os
import time
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.settings import SCHEMA_VERSION, UserSettings, read_settings, save_settings

RANK = ["rank", "--machine", "n1-standard-8", "--hours", "2", "--from", "Paris", "--json"]
OVERRIDES = {"USA": "restricted", "FRA": "trusted"}


def _rank(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    code = main(RANK)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err


def _settings_file(config: Path, content: dict[str, object]) -> Path:
    config.mkdir(parents=True, exist_ok=True)
    path = config / "settings.json"
    path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


def test_a_file_written_before_settings_had_a_schema_version_is_read_not_set_aside(
    _private_config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written_today = json.loads(_today_s_file(_private_config_dir).read_text(encoding="utf-8"))
    del written_today["schema_version"]  # what versions before the schema version wrote: the same fields
    path = _settings_file(_private_config_dir, written_today)
    out, err = _rank(capsys)
    assert out["trust_overrides"] == OVERRIDES
    assert err == "" and path.exists() and not (_private_config_dir / "settings.bad").exists()
    assert read_settings().settings.machine == "n1-highmem-8"


def test_a_file_written_by_today_s_version_reads_back_unchanged(_private_config_dir: Path) -> None:
    _today_s_file(_private_config_dir)
    loaded = read_settings()
    assert loaded.warnings == ()
    assert loaded.settings == _today_s_settings()


def test_a_file_from_a_newer_version_is_left_alone_and_the_defaults_are_used_for_this_run(
    _private_config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = {"schema_version": SCHEMA_VERSION + 1, "trust_overrides": OVERRIDES, "a_new_field": [1, 2]}
    path = _settings_file(_private_config_dir, newer)
    before = path.read_bytes()
    out, err = _rank(capsys)
    assert out["trust_overrides"] == {}
    assert "newer carbon-gui" in err and "defaults" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(OSError, match="newer carbon-gui"):  # the window's save on close: refused, with a reason
        save_settings(UserSettings(machine="n1-standard-4"))
    assert path.read_bytes() == before and not (_private_config_dir / "settings.bad").exists()


def test_stale_temporary_files_of_a_killed_save_are_removed_and_nothing_else(
    _private_config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _today_s_file(_private_config_dir)
    stale = _private_config_dir / ".settings.json.k3v9_x2a.tmp"  # tempfile's pattern, as save_settings names them
    fresh = _private_config_dir / ".settings.json.a8d2kq0z.tmp"  # a save in progress in another process
    others = [_private_config_dir / name for name in (".notes.json.k3v9_x2a.tmp", "settings.json.tmp", "mine.tmp")]
    an_hour_ago = time.time() - 3600
    for file in (stale, fresh, *others):
        file.write_text("{", encoding="utf-8")
    for file in (stale, *others):
        os.utime(file, (an_hour_ago, an_hour_ago))
    _rank(capsys)  # reading the settings tidies up
    assert not stale.exists()
    assert fresh.exists() and all(file.exists() for file in others)
    os.utime(fresh, (an_hour_ago, an_hour_ago))
    save_settings(_today_s_settings())  # and so does saving
    assert not fresh.exists() and all(file.exists() for file in others)


def _today_s_settings() -> UserSettings:
    return UserSettings(machine="n1-highmem-8", hours=30.0, trust_overrides=dict(OVERRIDES), residency_rule="eu")


def _today_s_file(config: Path) -> Path:
    """settings.json as this version writes it."""
    save_settings(_today_s_settings())
    return config / "settings.json"

"""The user's preferences: one typed object with a schema version, stored as JSON.

Path: platformdirs' user config dir, or CARBON_GUI_CONFIG_DIR (tests, portable installs). A file
that cannot be read is set aside (renamed *.bad) and defaults are used, so a bad file never stops
the app; no secret is ever stored here.
"""

import contextlib
import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

SCHEMA_VERSION = 1
APP_NAME = "carbon-gui"


@dataclass
class UserSettings:
    schema_version: int = SCHEMA_VERSION
    machine: str = "a2-highgpu-1g"
    accelerator: str | None = None
    accelerator_count: int = 1
    hours: float = 12.0
    location: str = ""  # empty: derive from the system time zone
    carbon_year: int | None = None  # None: newest
    weights: dict[str, float] = field(
        default_factory=lambda: {"carbon": 0.5, "cost": 0.3, "security": 0.1, "latency": 0.1}
    )
    residency_rule: str = "anywhere"  # "anywhere", "eu" or "countries"
    allowed_countries: list[str] = field(default_factory=list)
    trust_overrides: dict[str, str] = field(default_factory=dict)
    max_usd_per_hour: float | None = None
    max_emissions_kg: float | None = None
    vertex_only: bool = False
    provider: str = "auto"  # "auto" (the first provider with a key), "electricitymaps", "watttime" or "replay"
    carbon_mode: str = "yearly"  # "yearly", "latest" or "forecast"
    refresh_minutes: int = 15
    gcp_project: str = ""  # Google Cloud project id for launches (Settings → Google Cloud)


def config_dir() -> Path:
    override = os.environ.get("CARBON_GUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> UserSettings:
    path = path or settings_path()
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserSettings()
    except (OSError, ValueError):
        _set_aside(path)
        return UserSettings()
    if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION:
        _set_aside(path)
        return UserSettings()
    known = {f.name for f in dataclasses.fields(UserSettings)}
    try:
        return UserSettings(**{k: v for k, v in raw.items() if k in known})
    except TypeError:
        _set_aside(path)
        return UserSettings()


def save_settings(settings: UserSettings, path: Path | None = None) -> None:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(settings), indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash mid-write never leaves half a file


def _set_aside(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.replace(path.with_suffix(".bad"))

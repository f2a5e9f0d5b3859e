"""The user's preferences: one typed object with a schema version, stored as JSON.

Path: platformdirs' user config dir, or CARBON_GUI_CONFIG_DIR (tests, portable installs). The file is written
atomically and owner-only. Reading checks every field: a bad value falls back to its default with a message that
names it, the good ones are kept, and the file is left as it is (the next save writes the valid values). A file that
cannot be read as settings at all is set aside (renamed *.bad). No secret is ever stored here.

Versions: a file without schema_version was written before there was one and holds version 1's fields; each
MIGRATIONS step brings a file one version up. A file from a newer carbon-gui is left as it is (never set aside nor
overwritten: that version may still need it), and this run uses the defaults.
"""

import contextlib
import dataclasses
import json
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from carbon_gui.core.errors import InputError
from carbon_gui.core.scoring import MAX_HOURS, MIN_HOURS, check_hours
from carbon_gui.core.security import TRUST_TIERS, ResidencyRule
from carbon_gui.core.signals import CarbonMode
from carbon_gui.core.weights import CRITERIA
from carbon_gui.local_files import NotARegularFile, read_regular_file
from carbon_gui.providers import PROVIDER_NAMES

SCHEMA_VERSION = 1
APP_NAME = "carbon-gui"
AUTO_PROVIDER = "auto"  # the first provider with a key
GPU_COUNTS = (1, 2, 4, 8)  # how many GPUs Compute Engine attaches to one machine
MAX_REFRESH_MINUTES = 24 * 60
GCP_PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")  # Google Cloud's rule for project ids
ISO3 = re.compile(r"[A-Z]{3}")
MAX_FILE_BYTES = 2**20  # the app writes well under 10 KB
PRE_VERSIONED = 0  # the schema_version of a file written before settings had one
# schema_version N -> N + 1; the pre-versioned file already has version 1's fields
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {PRE_VERSIONED: lambda raw: raw}
STALE_TEMPORARY_S = 60.0  # a save's temporary file older than this was left by a save that was killed
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


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
    provider: str = AUTO_PROVIDER  # AUTO_PROVIDER, "electricitymaps", "watttime" or "replay"
    carbon_mode: str = "yearly"  # "yearly", "latest" or "forecast"
    refresh_minutes: int = 15
    gcp_project: str = ""  # Google Cloud project id for launches (Settings → Google Cloud)
    welcome_seen: bool = False  # the welcome dialog shows at the first start-up…
    show_welcome: bool = False  # …and at every start-up while its "Show at start-up" box is ticked
    log_level: str = "WARNING"  # the log file's level (Settings → Log level); CARBON_GUI_LOG_LEVEL overrides it


@dataclass(frozen=True)
class LoadedSettings:
    settings: UserSettings
    warnings: tuple[str, ...] = ()  # one line per value that could not be used, for the window and the CLI


def config_dir() -> Path:
    override = os.environ.get("CARBON_GUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.json"


def read_settings(path: Path | None = None) -> LoadedSettings:
    """The saved settings, each bad field replaced by its default, with a message per value that was not used."""
    path = path or settings_path()
    _remove_stale_temporaries(path)
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return LoadedSettings(UserSettings())
    except NotARegularFile as err:  # carbon-gui did not make it: leave it where it is
        return LoadedSettings(UserSettings(), (f"{path.name} is {err.what}, not a regular file; using the defaults.",))
    except OSError as err:  # e.g. no permission
        return LoadedSettings(UserSettings(), (f"{path.name} could not be read ({err.strerror}); using the defaults.",))
    if len(data) > MAX_FILE_BYTES:
        return LoadedSettings(UserSettings(), (_set_aside(path, f"is over {MAX_FILE_BYTES // 2**20} MB"),))
    try:
        raw: Any = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond the parser
        return LoadedSettings(UserSettings(), (_set_aside(path, "is not valid JSON"),))
    if not isinstance(raw, dict):
        return LoadedSettings(UserSettings(), (_set_aside(path, "does not hold a JSON object"),))
    version = raw.get("schema_version", PRE_VERSIONED)
    if _newer_version(version):
        return LoadedSettings(UserSettings(), (_newer_file_text(path, version) + "; it is left as it is and the "
                                               "defaults are used for this run, without saving changes.",))  # fmt: skip
    if version not in MIGRATIONS and version != SCHEMA_VERSION:
        problem = f"has schema_version {_shown(version)}, not {SCHEMA_VERSION}"
        return LoadedSettings(UserSettings(), (_set_aside(path, problem),))
    while version != SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
    return _checked_settings(raw, path.name)


def _newer_version(version: Any) -> bool:
    return isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION


def _newer_file_text(path: Path, version: int) -> str:
    return f"{path.name} was written by a newer carbon-gui (schema_version {version}; this one reads {SCHEMA_VERSION})"


def _saved_by_a_newer_version(path: Path) -> int | None:
    """The schema_version of the file at `path` when a newer carbon-gui wrote it, else None."""
    try:
        raw = json.loads(read_regular_file(path, MAX_FILE_BYTES).decode("utf-8"))
    except (OSError, NotARegularFile, ValueError, RecursionError):
        return None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    return version if _newer_version(version) else None


def _remove_stale_temporaries(path: Path) -> None:
    """Delete the temporary files of saves that were killed before their rename: only files named the way
    save_settings names them (".settings.json.<8 characters>.tmp"), and only once they are a minute old."""
    ours = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    try:
        candidates = [entry for entry in os.scandir(path.parent) if ours.fullmatch(entry.name)]
    except OSError:  # no config folder yet, or unreadable: nothing to tidy
        return
    for entry in candidates:
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > STALE_TEMPORARY_S:
                os.unlink(entry.path)


def load_settings(path: Path | None = None) -> UserSettings:
    """The saved settings, without the messages about values that were not used."""
    return read_settings(path).settings


def save_settings(settings: UserSettings, path: Path | None = None) -> None:
    """Write atomically (a temporary file, then os.replace) and owner-only (directory 0700, file 0600)."""
    path = path or settings_path()
    newer = _saved_by_a_newer_version(path)
    if newer is not None:  # OSError: the window reports it as "Settings not saved: …"
        raise PermissionError(f"{_newer_file_text(path, newer)}: not overwritten")
    _remove_stale_temporaries(path)
    text = json.dumps(dataclasses.asdict(settings), indent=2)
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.parent.mkdir(mode=0o700)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)  # a crash mid-write never leaves half a file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _set_aside(path: Path, problem: str) -> str:
    aside = path.with_suffix(".bad")
    try:
        path.replace(aside)
    except OSError:
        return f"{path.name} {problem}; using the defaults."
    return f"{path.name} {problem}: it was renamed {aside.name}, and the defaults are used."


# ----- checking each field ------------------------------------------------------------------------------------------
Note = Callable[[str], None]  # records a problem with one entry of a list or an object; the rest is kept


class _Invalid(Exception):
    """A saved value that cannot be used; the message says what a good one looks like."""


def _checked_settings(raw: dict[str, Any], file_name: str) -> LoadedSettings:
    defaults = UserSettings()
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for name, value in raw.items():
        if name == "schema_version":
            continue
        check = FIELD_CHECKS.get(name)
        if check is None:
            warnings.append(f"{file_name}: unknown setting {_shown(name)} ignored.")
            continue
        notes: list[str] = []
        try:
            values[name] = check(value, notes.append)
        except _Invalid as bad:
            notes.append(f"'{name}' was {_shown(value)} ({bad}); using {_default_text(name, getattr(defaults, name))}")
        warnings.extend(f"{file_name}: {note}." for note in notes)
    return LoadedSettings(dataclasses.replace(defaults, **values), tuple(warnings))


def _shown(value: Any) -> str:
    """A saved value as it reads in a one-line message: strings in quotes, anything unprintable escaped."""
    text = json.dumps(value, ensure_ascii=False)
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if isinstance(value, str):
        text = f"'{text[1:-1]}'"
    return text if len(text) <= 60 else f"{text[:57]}…"


def _default_text(name: str, default: Any) -> str:
    if name == "hours":
        return f"{default:g} h"
    if default is None or default == "":
        empty = {"accelerator": "no attached GPU", "carbon_year": "the newest year", "location": "your time zone"}
        return empty.get(name, "none")
    return _shown(default)


def _finite(value: Any) -> float | None:
    """The value as a float if it is a finite JSON number (not true/false), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Invalid(f"a whole number from {low} to {high}")
    return value


def _gpu_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in GPU_COUNTS:
        raise _Invalid(f"one of {', '.join(map(str, GPU_COUNTS))}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _text(value: Any, limit: int = 200) -> str:
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise _Invalid(f"text of at most {limit} printable characters")
    return value


def _name(value: Any, example: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100 or not value.isprintable():
        raise _Invalid(f"a name such as {example}")
    return value.strip()


def _one_of(value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _Invalid(f"one of {', '.join(choices)}")
    return value


def _hours(value: Any) -> float:
    number = _finite(value)
    try:
        return check_hours(math.nan if number is None else number)
    except InputError:
        raise _Invalid(f"a run length from {MIN_HOURS:g} to {MAX_HOURS} hours") from None


def _limit(value: Any) -> float | None:
    number = _finite(value)
    if value is not None and (number is None or number < 0):
        raise _Invalid("a number of 0 or more, or null for no limit")
    return number


def _year(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise _Invalid("a year such as 2024, or null for the newest")
    return value


def _gcp_project(value: Any) -> str:
    if not isinstance(value, str) or (value and not GCP_PROJECT_ID.fullmatch(value)):
        raise _Invalid("a Google Cloud project id: 6 to 30 lowercase letters, digits or hyphens")
    return value


def _country(value: Any) -> str | None:
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if ISO3.fullmatch(code) else None


def _weights(value: Any, note: Note) -> dict[str, float]:
    if not isinstance(value, dict):
        raise _Invalid("an object such as {\"carbon\": 0.5, \"cost\": 0.3, \"security\": 0.1, \"latency\": 0.1}")
    weights = dict.fromkeys(CRITERIA, 0.0)
    for criterion, weight in value.items():
        number = _finite(weight)
        if criterion not in CRITERIA:
            note(f"'weights' names {_shown(criterion)}, not one of {', '.join(CRITERIA)}; ignoring it")
        elif number is None or number < 0:
            note(f"'weights' gives '{criterion}' {_shown(weight)}, not a number of 0 or more; using 0")
        else:
            weights[criterion] = number
    top = max(weights.values())
    if top <= 0:
        raise _Invalid("at least one weight above zero")
    if not 0.01 <= top <= 1:  # the window's sliders go from 0 to 1 in steps of 0.01; scaling keeps the ranking
        weights = {criterion: weight / top for criterion, weight in weights.items()}
    return weights


def _allowed_countries(value: Any, note: Note) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid('a list of ISO 3166 alpha-3 codes such as ["FRA", "DEU"]')
    codes: list[str] = []
    for item in value:
        code = _country(item)
        if code is None:
            note(f"'allowed_countries' has {_shown(item)}, not an ISO 3166 alpha-3 code such as FRA; ignoring it")
        elif code not in codes:
            codes.append(code)
    return codes


def _trust_overrides(value: Any, note: Note) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid('an object such as {"USA": "restricted"}')
    tiers: dict[str, str] = {}
    for country, tier in value.items():
        code = _country(country)
        if code is None:
            note(f"'trust_overrides' names {_shown(country)}, not an ISO 3166 alpha-3 code such as FRA; ignoring it")
        elif not isinstance(tier, str) or tier not in TRUST_TIERS:
            note(
                f"'trust_overrides' gives {code} {_shown(tier)}, not one of {', '.join(TRUST_TIERS)}; "
                "using its default tier"
            )
        else:
            tiers[code] = tier
    return tiers


def _plain(check: Callable[[Any], Any]) -> Callable[[Any, Note], Any]:
    """A check of a single value (it has no entries to note problems with)."""
    return lambda value, _note: check(value)


FIELD_CHECKS: dict[str, Callable[[Any, Note], Any]] = {
    "machine": _plain(lambda v: _name(v, "a2-highgpu-1g")),
    "accelerator": _plain(lambda v: None if v is None else _name(v, "nvidia-tesla-t4, or null for none")),
    "accelerator_count": _plain(_gpu_count),
    "hours": _plain(_hours),
    "location": _plain(_text),
    "carbon_year": _plain(_year),
    "weights": _weights,
    "residency_rule": _plain(lambda v: _one_of(v, tuple(rule.value for rule in ResidencyRule))),
    "allowed_countries": _allowed_countries,
    "trust_overrides": _trust_overrides,
    "max_usd_per_hour": _plain(_limit),
    "max_emissions_kg": _plain(_limit),
    "vertex_only": _plain(_flag),
    "provider": _plain(lambda v: _one_of(v, (AUTO_PROVIDER, *PROVIDER_NAMES))),
    "carbon_mode": _plain(lambda v: _one_of(v, tuple(mode.value for mode in CarbonMode))),
    "refresh_minutes": _plain(lambda v: _whole(v, 1, MAX_REFRESH_MINUTES)),
    "gcp_project": _plain(_gcp_project),
    "welcome_seen": _plain(_flag),
    "show_welcome": _plain(_flag),
    "log_level": _plain(lambda v: _one_of(v, LOG_LEVELS)),
}

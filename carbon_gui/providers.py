"""Names and addresses of the grid-data providers (light: imported at start-up)."""

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

ELECTRICITYMAPS = "electricitymaps"
WATTTIME = "watttime"
REPLAY = "replay"
PROVIDER_NAMES = {ELECTRICITYMAPS: "Electricity Maps", WATTTIME: "WattTime", REPLAY: "2024 replay (offline)"}
SIGNAL_SOURCES = {ELECTRICITYMAPS: "Electricity Maps", WATTTIME: "WattTime"}  # GridSignal.source per provider

DEFAULT_URLS = {ELECTRICITYMAPS: "https://api.electricitymaps.com/v3", WATTTIME: "https://api.watttime.org"}
URL_ENV = {ELECTRICITYMAPS: "CARBON_GUI_ELECTRICITYMAPS_URL", WATTTIME: "CARBON_GUI_WATTTIME_URL"}


def provider_url(provider: str, environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(URL_ENV[provider], DEFAULT_URLS[provider]).rstrip("/")


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    override = environ.get("CARBON_GUI_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("carbon-gui"))

"""Run the real CLI in a child process with its own temporary home (cache, config, data and state directories), so
a test can scan every file the run left behind."""

import os
from pathlib import Path

HOME_DIRS = ("cache", "config", "data", "state")


def cli_env(home: Path, **variables: str) -> dict[str, str]:
    """This process's environment without carbon_gui's variables and XDG paths, pointed at fresh directories under
    `home`, with `variables` added (provider URLs and keys)."""
    dirs = {name: home / name for name in HOME_DIRS}
    for directory in dirs.values():
        directory.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CARBON_GUI_", "XDG_"))}
    return {
        **clean,
        "HOME": str(home),
        **{f"XDG_{name.upper()}_HOME": str(path) for name, path in dirs.items()},
        "NO_PROXY": "127.0.0.1,localhost",
        **variables,
    }

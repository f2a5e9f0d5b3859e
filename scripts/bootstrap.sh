#!/usr/bin/env bash
# Set up everything `make run` and `make test` need, on a fresh clone of a fresh machine:
#   1. the Qt system libraries (Debian: installed when root, else the exact apt command is printed)
#   2. for the tests (offscreen profile, Linux): gnome-keyring and dbus-run-session, so the real-keyring
#      test runs, and desktop-file-validate and appstreamcli for the packaging tests (Debian: installed when
#      root, else the apt command is printed and those tests are skipped)
#   3. .venv with carbon_gui and its dependencies (re-installed when pyproject.toml changes)
# Usage: scripts/bootstrap.sh [offscreen|desktop]   (desktop adds the X11/xcb libraries and Xvfb)
set -euo pipefail
profile="${1:-offscreen}"
cd "$(dirname "$0")/.."

# Library file -> Debian package. Offscreen Qt needs these; a real window adds the xcb set.
offscreen_libs="libEGL.so.1:libegl1 libGL.so.1:libgl1 libX11.so.6:libx11-6 libdbus-1.so.3:libdbus-1-3
libfontconfig.so.1:libfontconfig1 libfreetype.so.6:libfreetype6 libglib-2.0.so.0:libglib2.0-0
libxkbcommon.so.0:libxkbcommon0"
desktop_libs="libxkbcommon-x11.so.0:libxkbcommon-x11-0 libxcb-cursor.so.0:libxcb-cursor0
libxcb-icccm.so.4:libxcb-icccm4 libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1
libxcb-render-util.so.0:libxcb-render-util0 libxcb-shape.so.0:libxcb-shape0 libxcb-xkb.so.1:libxcb-xkb1"

missing=()
check() {
  for pair in $1; do
    lib="${pair%%:*}"; pkg="${pair##*:}"
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$pkg")
  done
}
if [ "$(uname -s)" = Linux ]; then
  check "$offscreen_libs"
  [ "$profile" = desktop ] && check "$desktop_libs"
  fc-list 2>/dev/null | grep -qi . || missing+=(fonts-dejavu-core)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Qt system libraries: ${missing[*]}"
    apt-get update -qq
    apt_updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: Qt needs system libraries that are missing. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# tests/secret_store/test_real_keyring.py runs gnome-keyring's Secret Service on a private D-Bus session.
# Without these tools that one test is skipped, so a non-root run only prints the command.
if [ "$(uname -s)" = Linux ] && [ "$profile" = offscreen ]; then
  test_tools_missing=()
  command -v gnome-keyring-daemon >/dev/null 2>&1 || test_tools_missing+=(gnome-keyring)
  command -v dbus-run-session >/dev/null 2>&1 || test_tools_missing+=(dbus)
  # tests/shipping validates the desktop entry and the AppStream metainfo with the desktops' own tools
  command -v desktop-file-validate >/dev/null 2>&1 || test_tools_missing+=(desktop-file-utils)
  command -v appstreamcli >/dev/null 2>&1 || test_tools_missing+=(appstream)
  if [ "${#test_tools_missing[@]}" -gt 0 ]; then
    if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
      echo "bootstrap: installing the tests' tools: ${test_tools_missing[*]}"
      [ -n "${apt_updated:-}" ] || apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${test_tools_missing[@]}" >/dev/null
    else
      echo "bootstrap: the tests needing these tools will be skipped; to run them, install the tools with:" >&2
      echo "  sudo apt-get install -y --no-install-recommends ${test_tools_missing[*]}" >&2
    fi
  fi
fi

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: carbon_gui needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.carbon-gui-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing carbon_gui and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi

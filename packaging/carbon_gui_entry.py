"""PyInstaller's entry point: the same as the installed `carbon-gui` command."""

import sys

from carbon_gui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())

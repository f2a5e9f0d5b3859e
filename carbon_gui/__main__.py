"""python -m carbon_gui / carbon-gui: no arguments opens the window; a command runs headless."""

import sys


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:  # here, not in cli: it opens the window, and cli must not import Qt
        from carbon_gui.self_test import main as self_test

        return self_test()
    if len(sys.argv) > 1:
        from carbon_gui.cli import main as cli_main

        return cli_main(sys.argv[1:])
    from carbon_gui.app import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())

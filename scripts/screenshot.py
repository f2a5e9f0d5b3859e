"""Render the main window offscreen to a PNG (the README's screenshot): `make screenshot`."""

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CARBON_GUI_CONFIG_DIR", tempfile.mkdtemp(prefix="carbon-gui-shot-"))

from carbon_gui.app import open_ranked_window


def main(path: str) -> None:
    app, window = open_ranked_window()
    window.plan_form.location.setText("Paris")
    window.plan_form.locationEntered.emit("Paris")
    def ready() -> bool:  # the location is found and the live source (the replay without a key) is chosen
        located = "Paris" in window.plan_form.location_info.text()
        return located and (window.live is None or (bool(window.live.signals) and not window.live.busy))

    deadline = time.time() + 20
    while not ready() and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()
    window.grab().save(path)
    window.views.setCurrentIndex(1)
    app.processEvents()
    window.grab().save(path.replace(".png", "_map.png"))
    window.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")

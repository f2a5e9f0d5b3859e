"""Child process of startup.py: open a window, report when it first paints, then quit.

argv[1] is "app" (carbon_gui's main window), "bare" (an empty PySide6 + pyqtgraph window) or "qt" (an empty PySide6
window: carbon_gui no longer loads pyqtgraph before its first paint, so this is the floor it is also compared with).
Prints one JSON line: wall-clock time of the first paint, of the first ranking (app only) and RSS.
"""

import json
import sys
import time

import psutil


def _inside(obj: object, window: object) -> bool:
    from PySide6.QtWidgets import QWidget

    return isinstance(obj, QWidget) and obj.window() is window


def main(kind: str) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    if kind == "app":
        from carbon_gui.app import build_window

        window = build_window()
    else:
        from PySide6.QtWidgets import QMainWindow, QWidget

        window = QMainWindow()
        if kind == "bare":
            import pyqtgraph as pg

            window.setCentralWidget(pg.PlotWidget())
        else:
            window.setCentralWidget(QWidget())
        window.resize(1380, 860)
    result: dict[str, float] = {}

    def finish() -> None:
        result["rss_mb"] = psutil.Process().memory_info().rss / 2**20
        print(json.dumps(result), flush=True)
        window.close()
        app.quit()

    def ranked() -> None:
        if getattr(window, "ranking", None) is not None:
            result["ranked"] = time.time()
            finish()
        else:
            QTimer.singleShot(5, ranked)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "painted" not in result and _inside(obj, window):
                result["painted"] = time.time()
                QTimer.singleShot(0, ranked if kind == "app" else finish)
            return False

    probe = FirstPaint()
    app.installEventFilter(probe)  # the window's children paint it, not always the window itself
    window.show()
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1])

"""Renders the main window for the readability tests, in a process of its own (QT_SCALE_FACTOR must be set before Qt
starts). Usage: python -m tests.ui_help.render_window OUT_DIR light|dark WIDTHxHEIGHT [TAB_INDEX ...]
(no index: every tab).

For each tab it saves a PNG and checks every visible text widget: the contrast between its text and what is behind
it (measured on the rendered pixels, so a stylesheet colour that assumes a light palette is caught) and that its text
fits. Prints one JSON object: {"scale": ..., "shots": [...], "problems": [...]}.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QTabBar, QWidget

checked = 0  # text widgets measured, so a test can tell a real check from one that saw nothing
MIN_CONTRAST = 3.0  # WCAG's minimum for large text and UI parts; body text should reach 4.5 (see the test)


def dark_palette() -> QPalette:
    """A dark system palette as Fusion gets it from a dark desktop theme (KDE Breeze Dark's main colours)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2a2e32", QPalette.ColorRole.WindowText: "#fcfcfc",
        QPalette.ColorRole.Base: "#1b1e20", QPalette.ColorRole.AlternateBase: "#232629",
        QPalette.ColorRole.Text: "#fcfcfc", QPalette.ColorRole.Button: "#31363b",
        QPalette.ColorRole.ButtonText: "#fcfcfc", QPalette.ColorRole.Highlight: "#3daee9",
        QPalette.ColorRole.HighlightedText: "#fcfcfc", QPalette.ColorRole.ToolTipBase: "#31363b",
        QPalette.ColorRole.ToolTipText: "#fcfcfc", QPalette.ColorRole.Link: "#1d99f3",
        QPalette.ColorRole.PlaceholderText: "#a1a9b1", QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Light: "#40464c", QPalette.ColorRole.Midlight: "#363b40",
        QPalette.ColorRole.Mid: "#6e7175", QPalette.ColorRole.Dark: "#191b1d", QPalette.ColorRole.Shadow: "#0f1012",
    }  # fmt: skip
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6e7175"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6e7175"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6e7175"))
    return palette


def luminance(rgb: int) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel((rgb >> 16) & 255) + 0.7152 * channel((rgb >> 8) & 255) + 0.0722 * channel(rgb & 255)


def text_contrast(image: QImage) -> float:
    """The contrast between the background (the most common brightness, in 24 bands, so a button's gradient counts
    as one) and the pixel that differs most from it (the core of the text's strokes)."""
    step = max(1, image.width() * image.height() // 40000)  # a sample is enough for big widgets
    lums = [luminance(image.pixel(i % image.width(), i // image.width()) & 0xFFFFFF)
            for i in range(0, image.width() * image.height(), step)]  # fmt: skip
    bands: dict[int, list[float]] = {}
    for lum in lums:
        bands.setdefault(min(23, int(lum * 24)), []).append(lum)
    common = max(bands.values(), key=len)
    background = sum(common) / len(common)
    extreme = max(lums, key=lambda lum: abs(lum - background))
    high, low = max(background, extreme), min(background, extreme)
    return (high + 0.05) / (low + 0.05)


def text_of(widget: QWidget) -> str:
    if isinstance(widget, QLabel):
        return widget.text() if widget.pixmap().isNull() else ""
    if isinstance(widget, QAbstractButton):
        return widget.text()
    return ""


def clipped(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        if widget.wordWrap():
            return widget.heightForWidth(widget.width()) > widget.height() + 1
        return widget.sizeHint().width() > widget.width() + 1 or widget.sizeHint().height() > widget.height() + 1
    if isinstance(widget, QAbstractButton):
        return widget.sizeHint().width() > widget.width() + 1
    return False


def check(window: QWidget, tab: str) -> list[dict[str, object]]:
    """Contrast is measured on the window's own rendering (a child grabbed alone would be drawn on the palette's
    background, not on the styled frame behind it)."""
    global checked
    problems: list[dict[str, object]] = []
    screen = window.grab().toImage()
    ratio = screen.devicePixelRatio()

    def on_screen(widget: QWidget, rect: QRect) -> QImage:
        top_left = widget.mapTo(window, rect.topLeft())
        return screen.copy(QRect(round(top_left.x() * ratio), round(top_left.y() * ratio),
                                 round(rect.width() * ratio), round(rect.height() * ratio)))  # fmt: skip

    for widget in window.findChildren(QWidget):
        text = text_of(widget).strip()
        if not text or not widget.isVisible() or widget.width() < 4 or not widget.isEnabled():
            continue  # disabled text may be faint (WCAG exempts it)
        if not window.rect().contains(QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())):
            continue  # scrolled out of view
        name = widget.objectName() or type(widget).__name__
        checked += 1
        contrast = text_contrast(on_screen(widget, widget.rect()))
        if contrast < MIN_CONTRAST:
            problems.append({"tab": tab, "widget": name, "text": text[:60], "contrast": round(contrast, 2)})
        if clipped(widget):
            problems.append({"tab": tab, "widget": name, "text": text[:60], "clipped": True,
                             "size": [widget.width(), widget.height()], "needs": [widget.sizeHint().width(),
                             widget.sizeHint().height()]})  # fmt: skip
    for bar in window.findChildren(QTabBar):
        if bar.isVisible() and bar.isEnabled():
            for index in range(bar.count()):
                contrast = text_contrast(on_screen(bar, bar.tabRect(index)))
                if contrast < MIN_CONTRAST:
                    problems.append({"tab": tab, "widget": "tab " + bar.tabText(index), "contrast": round(contrast, 2)})
    return problems


def render_status_widgets(out_dir: Path, scheme: str, problems: list[dict[str, object]]) -> str:
    """The coloured messages the default window does not show: the jobs tab's bars and a job's note and error."""
    from types import SimpleNamespace

    from PySide6.QtWidgets import QVBoxLayout

    from carbon_gui.ui.jobs.damaged_bar import DamagedBar
    from carbon_gui.ui.jobs.job_details import JobDetails
    from carbon_gui.ui.jobs.orphans_bar import OrphansBar

    panel = QWidget()
    layout = QVBoxLayout(panel)
    damaged, orphans, details = DamagedBar(), OrphansBar(), JobDetails()
    for widget in (damaged, orphans, details):
        layout.addWidget(widget)
    damaged.set_damaged(["damaged: job-7: the state 'flying' is not one the app knows"])  # type: ignore[list-item]
    bucket = SimpleNamespace(bucket=SimpleNamespace(name="carbon-gui-staging-x"), reason="never started")
    orphans.set_orphans([bucket])  # type: ignore[list-item]
    details.note.setText("The run ended but its emissions file was not found.")
    details.error.setText("Vertex AI refused the job: quota exceeded in us-west1.")
    details.setEnabled(True)  # as with a job selected
    for label in (details.note, details.error):
        label.show()
    panel.resize(1024, 640)
    panel.show()
    for _ in range(10):
        QApplication.processEvents()
    path = out_dir / f"status-{scheme}-x{QGuiApplication.primaryScreen().devicePixelRatio():g}.png"
    panel.grab().save(str(path))
    problems += check(panel, "status widgets")
    panel.close()
    return str(path)


def render_help_dialogs(window: QWidget, out_dir: Path, scheme: str, problems: list[dict[str, object]]) -> list[str]:
    """Each Help dialog, opened through its menu action."""
    from PySide6.QtGui import QAction

    shots = []
    for name in ("welcomeAction", "shortcutsAction", "diagnosticsAction", "aboutAction"):
        window.findChild(QAction, name).trigger()
        dialog = window.help_menu.dialog  # type: ignore[attr-defined]
        for _ in range(10):
            QApplication.processEvents()
        scale = QGuiApplication.primaryScreen().devicePixelRatio()
        path = out_dir / f"dialog-{name.removesuffix('Action')}-{scheme}-x{scale:g}.png"
        dialog.grab().save(str(path))
        shots.append(str(path))
        problems += check(dialog, name)
        dialog.close()
    return shots


def main(out_dir: str, scheme: str, size: str, tabs: list[int]) -> int:
    from carbon_gui.settings import UserSettings
    from carbon_gui.ui.main_window import MainWindow
    from tests.ui.conftest import make_services

    app = QApplication([])
    app.setStyle("Fusion")
    if scheme == "dark":
        app.setPalette(dark_palette())
    width, height = (int(v) for v in size.split("x"))
    window = MainWindow(UserSettings(), make_services())
    window.resize(width, height)
    window.show()
    deadline = time.monotonic() + 60
    while window.ranking is None and time.monotonic() < deadline:
        app.processEvents()
    assert window.ranking is not None, "no ranking within 60 s"
    shots, problems = [], []
    for index in tabs or range(window.views.count()):
        window.views.setCurrentIndex(index)
        for _ in range(20):
            app.processEvents()
        title = window.views.tabText(index).replace("&", "")
        scale = QGuiApplication.primaryScreen().devicePixelRatio()
        path = Path(out_dir) / f"window-{scheme}-{size}-x{scale:g}-{title}.png"
        window.grab().save(str(path))
        shots.append(str(path))
        problems += check(window, title)
    shots.append(render_status_widgets(Path(out_dir), scheme, problems))
    shots += render_help_dialogs(window, Path(out_dir), scheme, problems)
    window.close()
    print(json.dumps({"scale": QGuiApplication.primaryScreen().devicePixelRatio(), "shots": shots,
                      "checked": checked, "problems": problems}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], [int(t) for t in sys.argv[4:]]))

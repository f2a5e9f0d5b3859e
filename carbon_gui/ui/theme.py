"""Colours for messages that must stay readable on a light and a dark system palette.

A fixed text colour chosen for a light window (dark red on near white) all but vanishes on a dark one, and a light
banner keeps the palette's text colour (white, on a dark theme) unless it says otherwise. These helpers pick by the
application palette's window colour when the widget is made.
"""

from PySide6.QtGui import QGuiApplication, QPalette

# (on a light window, on a dark window): each at least 4.5:1 against Fusion's and Breeze's window colours
ERROR_TEXT = ("#b00020", "#ff8a80")
WARNING_TEXT = ("#8a5200", "#ffc46b")
BANNER_TEXT = "#1f1f1f"  # on the light banners (#fde2e1, #fff4d6) whatever the palette


def dark_palette_in_use() -> bool:
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightnessF() < 0.5


def error_style() -> str:
    return f"color: {ERROR_TEXT[dark_palette_in_use()]};"


def warning_style() -> str:
    return f"color: {WARNING_TEXT[dark_palette_in_use()]};"


def banner_style(object_name: str, background: str) -> str:
    """A light banner whose own text (not its buttons, which keep the palette's) is dark on any palette."""
    return f"#{object_name} {{ background: {background}; }} #{object_name} QLabel {{ color: {BANNER_TEXT}; }}"

"""Open a dialog at its preferred size, but never larger than the screen it opens on (a 1024x640 laptop screen too):
a dialog taller than the screen hides its buttons below the screen's edge."""

from PySide6.QtWidgets import QWidget

# room for the window manager's title bar and borders, which the dialog's own size does not include
FRAME_WIDTH, FRAME_HEIGHT = 16, 48
# below this a dialog's texts no longer fit; a screen smaller than this (in logical pixels) cannot show it whole anyway
SMALLEST_WIDTH, SMALLEST_HEIGHT = 640, 480


def resize_within_screen(dialog: QWidget, width: int, height: int) -> None:
    available = dialog.screen().availableGeometry()
    dialog.resize(
        min(width, max(available.width() - FRAME_WIDTH, SMALLEST_WIDTH)),
        min(height, max(available.height() - FRAME_HEIGHT, SMALLEST_HEIGHT)),
    )

"""Error messages in the window: a window-modal box that never blocks the event loop."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from carbon_gui.terminal_text import printable

MESSAGE_LIMIT = 2000  # characters: a server's 5 MB error message would take the window minutes to lay out


def show_error(parent: QWidget, title: str, text: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, title, printable(text, MESSAGE_LIMIT), QMessageBox.StandardButton.Ok,
                      parent)  # fmt: skip
    box.setObjectName("errorMessage")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the text may come from a server: its HTML is not ours to render
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

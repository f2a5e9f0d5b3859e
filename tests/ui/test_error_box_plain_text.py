"""A server's error text is shown as text: an answer holding HTML must not be rendered (a link, an image or a
huge font in a message box would be the server's, not ours)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from carbon_gui.ui.dialogs.messages import show_error


def test_an_error_from_a_server_is_plain_text(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    hostile = '<a href="https://example.invalid/login">Your key expired: sign in here</a><img src="x">'
    box = show_error(parent, "Live data", hostile)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == hostile  # shown as written, tags and all
    box.close()

"""Read-only monospace text with a Copy button that puts it on the clipboard."""

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class CopyableText(QWidget):
    def __init__(self, copy_text: str = "&Copy", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton(copy_text)
        self.copy_button.setToolTip("Copy the whole text to the clipboard")
        self.copied = QLabel("")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text_view, 1)
        layout.addLayout(buttons)
        self.copy_button.clicked.connect(self.copy)
        self.set_text("")

    def set_text(self, text: str, empty_note: str = "") -> None:
        """Shows `text`; without text, shows `empty_note` and disables Copy."""
        self.text_view.setPlainText(text or empty_note)
        self.copy_button.setEnabled(bool(text))
        self.copied.setText("")

    def text(self) -> str:
        return self.text_view.toPlainText() if self.copy_button.isEnabled() else ""

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copied.setText("Copied to the clipboard.")

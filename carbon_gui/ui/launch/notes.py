"""A note under a wizard field: what the field does not do for the run chosen (a local run uses no container image
and installs no requirements file), hidden while there is nothing to say."""

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

LOCAL_LIBRARIES = (
    "A local run uses this machine's Python and its installed libraries; a requirements file applies to Vertex AI runs."
)


def with_note(row: QHBoxLayout, note: QLabel) -> QWidget:
    """A field with a note under it (a box layout wraps long notes at the field's width)."""
    note.setWordWrap(True)
    note.setVisible(False)
    field = QWidget()
    column = QVBoxLayout(field)
    column.setContentsMargins(0, 0, 0, 0)
    column.addLayout(row)
    column.addWidget(note)
    return field


def set_note(label: QLabel, text: str) -> None:
    """A note under a field, hidden while there is nothing to say."""
    label.setText(text)
    label.setVisible(bool(text))

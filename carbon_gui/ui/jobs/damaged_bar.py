"""A bar over the jobs table when ledger rows cannot be read: each as "damaged: <id>: <what is wrong>", and that
the app leaves them alone (no poll, no cancel, no cleanup: no bucket is deleted on the strength of one)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from carbon_gui.ui.theme import banner_style

if TYPE_CHECKING:
    from carbon_gui.cloud.ledger import DamagedRecord

SHOWN = 5  # more go in the tooltip


def damaged_text(damaged: "Sequence[DamagedRecord]") -> str:
    count = len(damaged)
    records = "record" if count == 1 else "records"
    lines = [f"{count} damaged {records} in the job ledger, left alone: never polled, cancelled or cleaned up."]
    lines += [str(row) for row in damaged[:SHOWN]]
    if count > SHOWN:
        lines.append(f"… and {count - SHOWN} more (hover for all)")
    return "\n".join(lines)


class DamagedBar(QFrame):
    """Hidden while every ledger row can be read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("damagedBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(banner_style("damagedBar", "#fde2e1"))
        self.damaged: list[DamagedRecord] = []
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # the ledger's text is shown, never interpreted
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self).addWidget(self.label)
        self.hide()

    def set_damaged(self, damaged: "Sequence[DamagedRecord]") -> None:
        self.damaged = list(damaged)
        self.label.setText(damaged_text(self.damaged))
        self.label.setToolTip("\n".join(str(row) for row in self.damaged))
        self.setVisible(bool(self.damaged))

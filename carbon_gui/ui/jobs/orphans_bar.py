"""A bar over the jobs table when the app finds staging buckets it left behind: how many, and Review…"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from carbon_gui.ui.theme import banner_style

if TYPE_CHECKING:
    from carbon_gui.cloud.ledger import BucketRecord
    from carbon_gui.core.cleanup_policy import Orphan


def orphans_text(count: int) -> str:
    buckets = "staging bucket" if count == 1 else "staging buckets"
    return f"{count} {buckets} of jobs that never started or ended long ago"


class OrphansBar(QFrame):
    """`review_requested` when the user presses Review…; hidden while there are no orphans."""

    review_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orphansBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(banner_style("orphansBar", "#fff4d6"))
        self.orphans: list[Orphan[BucketRecord]] = []
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.review = QPushButton("Re&view…")
        self.review.setToolTip(
            "Shows each bucket with its size and why it is offered, then deletes the ones you keep checked"
        )
        layout.addWidget(self.label, 1)
        layout.addWidget(self.review)
        self.review.clicked.connect(self.review_requested)
        self.hide()

    def set_orphans(self, orphans: "Sequence[Orphan[BucketRecord]]") -> None:
        self.orphans = list(orphans)
        self.label.setText(orphans_text(len(self.orphans)) + " — delete them?")
        self.label.setToolTip("\n".join(f"gs://{o.bucket.name}: {o.reason}" for o in self.orphans))
        self.setVisible(bool(self.orphans))

"""Asked on start for each scheduled job whose start passed while carbon-gui was closed: launch it now, re-plan
its start from now, or drop it. Closing the dialog leaves the job as it is (asked again at the next start)."""

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

LAUNCH, REPLAN, DROP = "launch", "replan", "drop"


class MissedStartDialog(QMessageBox):
    chosen = Signal(str, str)  # job id, LAUNCH | REPLAN | DROP

    def __init__(self, job_id: str, name: str, start: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.setObjectName("missedStartDialog")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Scheduled start passed")
        self.setText(f"{name} ({job_id}) was scheduled to start {start:%Y-%m-%d %H:%M} UTC, while carbon-gui "
                     "was closed. What should happen to it?")  # fmt: skip
        self.setInformativeText("Re-plan finds the best start from now (within a day, or its deadline if later).")
        self.buttons_by_choice = {
            LAUNCH: self.addButton("&Launch now", QMessageBox.ButtonRole.AcceptRole),
            REPLAN: self.addButton("&Re-plan", QMessageBox.ButtonRole.ActionRole),
            DROP: self.addButton("&Drop it", QMessageBox.ButtonRole.DestructiveRole),
        }
        self.addButton("Ask me &later", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.buttons_by_choice[REPLAN])
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        choice = next((c for c, b in self.buttons_by_choice.items() if b is button), None)
        if choice is not None:
            self.chosen.emit(self.job_id, choice)

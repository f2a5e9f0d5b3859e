"""Page 3: the dry run. Problems (Launch stays disabled while there are any), the estimate with what it rests
on, "Launch at best time" (best_time.py), the CustomJob spec and the equivalent gcloud command with its config
file, each with a Copy button."""

import html

from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QListWidget,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from carbon_gui.jobs.planner import with_hints
from carbon_gui.jobs.request import LOCAL, LaunchPlan
from carbon_gui.ui.launch.best_time import BestTimeBox
from carbon_gui.ui.launch.copyable_text import CopyableText
from carbon_gui.ui.launch.hints import WINDOW_HINTS

NO_SPEC = "Runs on this machine: there is no Vertex AI CustomJob spec or gcloud command."
ESTIMATE_BASIS = (
    "Power is modelled from published coefficients; the price is the Compute Engine list price, a proxy "
    "for Vertex AI's training price. codecarbon's measured figures appear in the Jobs tab after the run."
)


class ReviewPage(QWizardPage):
    def __init__(self, best_time: BestTimeBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Review the dry run")
        self.setSubTitle("Checked without credentials; nothing has been created. Launch creates what is listed here.")
        self.setCommitPage(True)  # no way back once the launch has started
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Launch")
        self.plan: LaunchPlan | None = None
        self.problems_shown: list[str] = []
        self._checking = True
        self.best_time = best_time
        best_time.scheduled.connect(lambda _job_id: self.completeChanged.emit())  # that job is not launched now too

        self.status = QLabel("Checking…")
        self.status.setWordWrap(True)
        self.status.setObjectName("reviewStatus")
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.setMaximumHeight(110)
        self.problems.setAccessibleName("Problems")

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.estimate = QLabel("")
        self.estimate.setWordWrap(True)
        self.basis = QLabel(ESTIMATE_BASIS)
        self.basis.setWordWrap(True)
        estimate_box = QGroupBox("This run")
        estimate_layout = QVBoxLayout(estimate_box)
        estimate_layout.addWidget(self.summary)
        estimate_layout.addWidget(self.estimate)
        estimate_layout.addWidget(self.basis)

        self.spec = CopyableText("&Copy spec")
        self.command = CopyableText("&Copy command")
        self.config = CopyableText("&Copy config file")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.spec, "CustomJob &spec (JSON)")
        self.tabs.addTab(self.command, "&gcloud command")
        self.tabs.addTab(self.config, "gcloud con&fig file")
        # the spec takes the room that is left, at least a few lines, but never asks for more: else the page would
        # scroll even when the window is tall enough
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.tabs.setMinimumHeight(140)

        contents = QWidget()
        layout = QVBoxLayout(contents)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.problems)
        layout.addWidget(estimate_box)
        layout.addWidget(best_time)
        layout.addWidget(self.tabs, 1)
        # on a low screen (1024x640) the page scrolls instead of squeezing the estimate's lines into one another
        scroll = QScrollArea()
        scroll.setWidget(contents)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        QVBoxLayout(self).addWidget(scroll)
        self.show_checking()

    def isComplete(self) -> bool:
        ready = not self._checking and self.plan is not None and not self.problems_shown
        return ready and self.best_time.job_id is None

    def show_checking(self) -> None:
        """An input changed: what is on screen is out of date until the new dry run answers."""
        self._checking = True
        self.status.setText("Checking…")
        self.best_time.set_plan(None)
        self.completeChanged.emit()

    def show_plan(self, plan: LaunchPlan, input_problems: tuple[str, ...] = ()) -> None:
        self.plan, self._checking = plan, False
        self.problems_shown = [*input_problems, *with_hints(plan.problems, WINDOW_HINTS)]
        self.problems.clear()
        self.problems.addItems([f"✗ {problem}" for problem in self.problems_shown])
        self.problems.setVisible(bool(self.problems_shown))
        if self.problems_shown:
            count = len(self.problems_shown)
            self.status.setText(f"<b>{count} problem{'s' if count > 1 else ''} to fix before launching:</b>")
        else:
            self.status.setText("<b>No problems found: ready to launch.</b>")
        self.summary.setText(self._summary(plan))
        estimate = (
            plan.estimate.describe() if plan.estimate else plan.estimate_note[:1].upper() + plan.estimate_note[1:] + "."
        )
        self.estimate.setText(f"<b>Estimate:</b> {html.escape(estimate)}")
        self.basis.setVisible(plan.estimate is not None)
        local = plan.request.target == LOCAL
        self.spec.set_text(plan.body_json, NO_SPEC)
        self.command.set_text("" if local else plan.gcloud or "", NO_SPEC)
        self.config.set_text("" if local else plan.gcloud_config or "", NO_SPEC)
        self.best_time.set_plan(None if self.problems_shown else plan)
        self.completeChanged.emit()

    def show_failure(self, message: str) -> None:
        """The dry run itself failed (a bug or unreadable bundled data): say so; Launch stays disabled."""
        self.plan, self._checking = None, False
        self.problems_shown = [message]
        self.problems.clear()
        self.problems.addItem(f"✗ {message}")
        self.problems.setVisible(True)
        self.status.setText("<b>The dry run failed:</b>")
        self.best_time.set_plan(None)
        self.completeChanged.emit()

    @staticmethod
    def _summary(plan: LaunchPlan) -> str:
        request = plan.request
        if request.target == LOCAL:
            return f"Job {plan.job_id} runs on this machine; codecarbon charges its energy to {request.region}'s grid."
        gpu = ""
        if plan.job_request and plan.job_request.accelerator_type:
            gpu = f" + {plan.job_request.accelerator_count}× {plan.job_request.accelerator_type}"
        return (
            f"Job {plan.job_id}: {request.machine_type}{gpu} in {request.region}, for {request.hours:g} h.<br>"
            f"Staging bucket: gs://{plan.bucket} (created at launch)."
        )

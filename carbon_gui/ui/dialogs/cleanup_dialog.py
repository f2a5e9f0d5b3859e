"""Confirm and run the deletion of staging buckets (or local staging directories).

It first shows what would be deleted — gs://… or the folder, its object count and size — counted in the
background, or why it may not be deleted (the app deletes only what it created). Deleting runs in the
background too and shows the outcome; something already gone counts as done. One job, or the orphans the
app found at start: a list with checkboxes, all checked by default.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.errors import UserFacingError
from carbon_gui.ui.workers import BackgroundTasks

if TYPE_CHECKING:
    from carbon_gui.cloud.ledger import BucketRecord
    from carbon_gui.core.cleanup_policy import Orphan
    from carbon_gui.jobs.cleanup import CleanupPreview
    from carbon_gui.jobs.service import JobService

COUNTING = "counting…"


def size_text(size: int) -> str:
    """Bytes in decimal units: '812 bytes', '12.4 kB', '3.1 MB', '2.0 GB'."""
    if size < 1000:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000:
            return f"{value:,.1f} {unit}"
    return f"{value / 1000:,.1f} TB"


def contents_text(preview: "CleanupPreview") -> str:
    if preview.already_gone:
        return "already gone: nothing to delete"
    objects = "object" if preview.objects == 1 else "objects"
    return f"{preview.objects:,} {objects}, {size_text(preview.bytes)}"


@dataclass
class CleanupTarget:
    """One job's staging bucket or directory, and what the dialog has learnt about it."""

    job_id: str
    what: str  # gs://… or "the staging directory", until the preview names it exactly
    why: str = ""  # why it is offered (orphans)
    preview: "CleanupPreview | None" = None
    problem: str | None = None  # the preview or the deletion failed
    result: str | None = None  # what the deletion did

    @property
    def deletable(self) -> bool:
        p = self.preview
        return self.result is None and p is not None and (p.allowed or p.already_gone)

    def line(self) -> str:
        if self.result:
            return f"{self.what} — {self.result}"
        if self.problem:
            return f"{self.what} — {self.problem}"
        if self.preview is None:
            return f"{self.what} — {COUNTING}"
        refused = "" if self.deletable else f" — not allowed: {self.preview.reason}"
        why = f" ({self.why})" if self.why else ""
        return f"{self.preview.what} — {contents_text(self.preview)}{refused}{why}"


class CleanupDialog(QDialog):
    """`cleaned(list[str])`: the job ids whose staging bucket or directory is now gone."""

    cleaned = Signal(list)

    def __init__(
        self,
        jobs: Callable[[], "JobService"],
        tasks: BackgroundTasks,
        targets: Sequence[CleanupTarget],
        orphans: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs, self._tasks, self.targets, self._orphans = jobs, tasks, list(targets), orphans
        self._busy = False
        self._closed = False
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        self.question = QLabel()
        self.question.setWordWrap(True)
        layout.addWidget(self.question)

        self.items = QListWidget()
        self.items.setVisible(orphans)
        self.items.setWordWrap(True)
        layout.addWidget(self.items)
        for target in self.targets:
            item = QListWidgetItem(target.line())
            item.setData(Qt.ItemDataRole.UserRole, target.job_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.items.addItem(item)
        self.items.itemChanged.connect(lambda _item: self._update_buttons())

        form = QFormLayout()
        self.what = QLabel(self.targets[0].what if self.targets else "")
        self.contents = QLabel(COUNTING)
        self.reason = QLabel("")
        for label in (self.what, self.contents, self.reason):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("What:", self.what)
        form.addRow("Contents:", self.contents)
        form.addRow("Why:", self.reason)
        self.single = QWidget()
        self.single.setLayout(form)
        self.single.setVisible(not orphans)
        layout.addWidget(self.single)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: counting or deleting
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("cleanupStatus")
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.setEnabled(False)
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.delete_button.clicked.connect(self.delete)
        layout.addWidget(self.buttons)

        self._set_question()
        for target in self.targets:
            self._fetch_preview(target)

    @classmethod
    def for_job(
        cls,
        jobs: Callable[[], "JobService"],
        tasks: BackgroundTasks,
        job_id: str,
        what: str,
        parent: QWidget | None = None,
    ) -> "CleanupDialog":
        return cls(jobs, tasks, [CleanupTarget(job_id, what)], orphans=False, parent=parent)

    @classmethod
    def for_orphans(
        cls,
        jobs: Callable[[], "JobService"],
        tasks: BackgroundTasks,
        orphans: "Sequence[Orphan[BucketRecord]]",
        parent: QWidget | None = None,
    ) -> "CleanupDialog":
        targets = [CleanupTarget(o.bucket.job_id, f"gs://{o.bucket.name}", why=o.reason) for o in orphans]
        return cls(jobs, tasks, targets, orphans=True, parent=parent)

    # --- what is chosen ------------------------------------------------------------------------------

    def chosen(self) -> list[CleanupTarget]:
        """The targets the delete button would delete now."""
        if not self._orphans:
            return [t for t in self.targets if t.deletable]
        checked = {
            self.items.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.items.count())
            if self.items.item(row).checkState() == Qt.CheckState.Checked
        }
        return [t for t in self.targets if t.deletable and t.job_id in checked]

    def _set_question(self) -> None:
        if self._orphans:
            self.setWindowTitle("Delete left-over staging buckets")
            self.question.setText(
                f"carbon-gui created these {len(self.targets)} staging bucket(s) for jobs that never started or "
                "ended long ago. Delete the checked ones and every object in them?"
            )
            return
        local = not self.targets[0].what.startswith("gs://")
        self.setWindowTitle("Delete staging directory" if local else "Delete staging bucket")
        self.question.setText(
            "Delete this job's local staging directory and every file in it (its output and codecarbon's figures "
            "included)?"
            if local
            else "Delete this job's staging bucket and every object in it (its output and codecarbon's figures "
            "included)? This cannot be undone."
        )

    # --- preview -------------------------------------------------------------------------------------

    def _fetch_preview(self, target: CleanupTarget) -> None:
        self._tasks.run(
            lambda: self._jobs().cleanup_preview(target.job_id),
            on_result=lambda preview: self._previewed(target, preview),
            on_error=lambda message: self._preview_failed(target, message),
        )

    def _previewed(self, target: CleanupTarget, preview: "CleanupPreview") -> None:
        if self._closed:
            return
        target.preview, target.what = preview, preview.what
        self._render(target)

    def _preview_failed(self, target: CleanupTarget, message: str) -> None:
        if self._closed:
            return
        target.problem = f"could not count its contents: {message}"
        self._render(target)

    # --- delete --------------------------------------------------------------------------------------

    def delete(self) -> None:
        chosen = [t.job_id for t in self.chosen()]
        if not chosen or self._busy:
            return
        self._busy = True
        self.status.setText(f"Deleting {len(chosen)}…" if len(chosen) > 1 else "Deleting…")
        self._update_buttons()

        def delete_each() -> list[tuple[str, str, bool]]:
            service, outcomes = self._jobs(), []
            for job_id in chosen:
                try:
                    outcomes.append((job_id, service.cleanup(job_id), True))
                except UserFacingError as err:  # one refusal or failure does not stop the others
                    outcomes.append((job_id, str(err), False))
            return outcomes

        self._tasks.run(delete_each, on_result=self._deleted, on_error=self._delete_failed)

    def _deleted(self, outcomes: list[tuple[str, str, bool]]) -> None:
        self._busy = False
        by_id = {t.job_id: t for t in self.targets}
        for job_id, message, ok in outcomes:
            target = by_id[job_id]
            if ok:
                target.result = message
            else:
                target.problem = message
        done = [job_id for job_id, _message, ok in outcomes if ok]
        failed = len(outcomes) - len(done)
        if self._orphans:
            self.status.setText(f"{len(done)} deleted" + (f", {failed} failed (see the list)." if failed else "."))
        else:
            self.status.setText(outcomes[0][1])
        for target in self.targets:
            self._render(target)
        if done:
            self.cleaned.emit(done)

    def _delete_failed(self, message: str) -> None:
        self._busy = False
        self.status.setText(f"Not deleted: {message}")
        self._update_buttons()

    # --- showing it ----------------------------------------------------------------------------------

    def _render(self, target: CleanupTarget) -> None:
        row = self.targets.index(target)
        item = self.items.item(row)
        self.items.blockSignals(True)
        item.setText(target.line())
        if target.deletable:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            if item.data(Qt.ItemDataRole.CheckStateRole) is None:
                item.setCheckState(Qt.CheckState.Checked)  # all checked by default
        else:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(Qt.ItemDataRole.CheckStateRole, None)
        self.items.blockSignals(False)
        if not self._orphans:
            self._render_single(target)
        self._update_buttons()

    def _render_single(self, target: CleanupTarget) -> None:
        preview = target.preview
        self.what.setText(target.what)
        if target.result:
            self.contents.setText("deleted" if "already gone" not in target.result else "already gone")
        elif preview is not None:
            self.contents.setText(contents_text(preview))
        if target.problem:
            self.reason.setText(target.problem)
        elif preview is not None and not target.deletable and target.result is None:
            self.reason.setText(f"<b>Not allowed:</b> {escape(preview.reason)}.")
        elif preview is not None:
            self.reason.setText(_capitalised(preview.reason) + ".")

    def _update_buttons(self) -> None:
        waiting = any(t.preview is None and t.problem is None for t in self.targets)
        finished = all(t.result is not None or not t.deletable for t in self.targets) and not waiting
        self.progress.setVisible(self._busy or waiting)
        self.delete_button.setEnabled(not self._busy and bool(self.chosen()))
        self.delete_button.setDefault(self.delete_button.isEnabled())
        closing = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        closing.setText("&Close" if finished and any(t.result for t in self.targets) else "&Cancel")
        closing.setEnabled(not self._busy)

    def reject(self) -> None:
        if self._busy:
            return  # a deletion is running: its outcome is shown here first
        super().reject()

    def done(self, code: int) -> None:
        self._closed = True
        super().done(code)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]

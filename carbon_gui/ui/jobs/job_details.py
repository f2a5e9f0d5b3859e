"""The details of the selected job: what and where, the note of a failed poll, its error, links to the console
and logs, the app's estimate beside codecarbon's figures, the state timeline, the launch steps, and the live
output of a local run. Shows a JobSnapshot; fetches nothing itself."""

from collections.abc import Sequence
from datetime import datetime
from html import escape

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFont, QFontDatabase, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import (
    duration_text,
    estimate_text,
    machine_text,
    measured_text,
    message_text,
    staging_text,
    where_text,
)
from carbon_gui.ui.jobs.output_follow import new_lines
from carbon_gui.ui.theme import error_style, warning_style

NOTHING_SELECTED = "Select a job to see its timeline, launch steps and output."
OUTPUT_BLOCKS = 5000  # lines kept in the output pane
MIN_INFO_HEIGHT = 60  # px of the job's texts and figures kept in view when the pane is short (the rest scrolls)
ESTIMATE_HEADER = "<b>Estimate</b> by carbon-gui (modelled power × time × PUE × grid intensity)"
LOCAL_ESTIMATE_HEADER = "<b>Estimate</b> by carbon-gui (this machine's CPU power × time × grid intensity)"


def _local_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _wrapping_label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _InfoArea(QScrollArea):
    """The job's texts and figures: as tall as their wrapped lines need when the pane has room, scrolling up and
    down when it is short (a box layout would squeeze word-wrapped labels and cut their last lines off)."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self._content = content
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:
        content = self._content
        return QSize(content.sizeHint().width(), content.heightForWidth(self.viewport().width()))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, MIN_INFO_HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # the wrapped text's height follows the width

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._content and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a text changed: so may the height it needs
        return super().eventFilter(watched, event)


class JobDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = _wrapping_label("jobTitle")
        self.note = _wrapping_label("jobNote")
        self.note.setStyleSheet(warning_style())
        self.error = _wrapping_label("jobError")
        self.error.setStyleSheet(error_style())
        for label in (self.note, self.error):  # text from Vertex AI or the ledger: its HTML is not ours to render
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.links = QLabel()
        self.links.setObjectName("jobLinks")
        self.links.setOpenExternalLinks(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        # the staging path wraps (Qt breaks a path after its '/' and '-') and can be selected to copy; on one line
        # it ran past the pane's right edge at 1024 px
        self.links.setWordWrap(True)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        info = QWidget()
        info_layout = QVBoxLayout(info)
        info_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.note, self.error, self.links):
            info_layout.addWidget(widget)

        figures = QGroupBox("Energy and CO₂e")
        grid = QGridLayout(figures)
        self.estimate_header = QLabel(ESTIMATE_HEADER)
        self.measured_header = QLabel("<b>Measured</b> by codecarbon (read from the run's emissions.csv)")
        self.estimate = _wrapping_label("jobEstimate")
        self.estimate_source = _wrapping_label("jobEstimateSource")
        self.measured = _wrapping_label("jobMeasured")
        self.measured_source = _wrapping_label("jobMeasuredSource")
        for column, widgets in enumerate(
            (
                (self.estimate_header, self.estimate, self.estimate_source),
                (self.measured_header, self.measured, self.measured_source),
            )
        ):
            for row, widget in enumerate(widgets):
                widget.setWordWrap(True)
                widget.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                grid.addWidget(widget, row, column)
            grid.setColumnStretch(column, 1)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        self.estimate_source.setFont(small)
        self.measured_source.setFont(small)
        info_layout.addWidget(figures)
        self.info_area = _InfoArea(info)
        layout.addWidget(self.info_area)

        self.tabs = QTabWidget()
        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels(["Time", "State"])
        self.timeline.setRootIsDecorated(False)
        self.steps = QTreeWidget()
        self.steps.setHeaderLabels(["Time", "Step", "Status", "Detail"])
        self.steps.setRootIsDecorated(False)
        self.output = QPlainTextEdit()
        self.output.setObjectName("jobOutput")
        self.output.setReadOnly(True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.output.setMaximumBlockCount(OUTPUT_BLOCKS)
        self.output.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs.addTab(self.timeline, "&Timeline")
        self.tabs.addTab(self.steps, "Launch &steps")
        self.tabs.addTab(self.output, "&Output")
        layout.addWidget(self.tabs, 1)
        self.show_job(None, datetime.now().astimezone())

    def show_job(self, snapshot: JobSnapshot | None, now: datetime) -> None:
        """Show `snapshot` (None: nothing selected). The output pane is kept while the same job stays shown."""
        if snapshot is None or snapshot.id != self.job_id:
            self.output.clear()
        self.job_id = snapshot.id if snapshot else None
        self.setEnabled(snapshot is not None)
        if snapshot is None:
            self.title.setText(NOTHING_SELECTED)
            for label in (self.note, self.error, self.links):
                label.hide()
            for label in (self.estimate, self.estimate_source, self.measured, self.measured_source):
                label.clear()
            self.timeline.clear()
            self.steps.clear()
            return
        record = snapshot.record
        cpu = f" ({snapshot.local.cpu_model})" if snapshot.local and snapshot.local.cpu_model else ""
        self.title.setText(
            f"<b>{escape(record.display_name)}</b> — {escape(record.id)}<br>"
            f"{escape(where_text(record))} · {escape(machine_text(record) + cpu)} · <b>{escape(record.state)}</b> · "
            f"elapsed {duration_text(snapshot.elapsed_seconds(now))}"
        )
        self._set_optional(self.note, snapshot.note and message_text(snapshot.note))
        self._set_optional(self.error, f"Error: {message_text(record.error)}" if record.error else None)
        self._show_links(snapshot)
        self.show_figures(snapshot, now)
        self._show_timeline(snapshot)
        self._show_steps(snapshot)
        self.tabs.setTabEnabled(2, snapshot.is_local)

    def show_figures(self, snapshot: JobSnapshot, now: datetime) -> None:
        self.estimate_header.setText(LOCAL_ESTIMATE_HEADER if snapshot.is_local else ESTIMATE_HEADER)
        estimate, how = estimate_text(snapshot, now)
        measured, source = measured_text(snapshot)
        self.estimate.setText(estimate)
        self.estimate_source.setText(how)
        self.measured.setText(measured)
        self.measured_source.setText(source)

    def append_output(self, batch: Sequence[str]) -> None:
        """Add the lines of `batch` (the run's last lines) that the pane does not show yet."""
        shown = self.output.toPlainText().splitlines()[-len(batch) :] if batch else []
        fresh = new_lines(shown, batch)
        if not fresh:
            return
        at_end = self.output.verticalScrollBar().value() == self.output.verticalScrollBar().maximum()
        self.output.appendPlainText("\n".join(fresh))
        if at_end:
            self.output.moveCursor(QTextCursor.MoveOperation.End)

    def _set_optional(self, label: QLabel, text: str | None) -> None:
        label.setText(text or "")
        label.setVisible(bool(text))

    def _show_links(self, snapshot: JobSnapshot) -> None:
        lines = []
        if snapshot.console_url and snapshot.logs_url:
            lines.append(f'<a href="{escape(snapshot.console_url)}">Open in console</a> · '
                         f'<a href="{escape(snapshot.logs_url)}">Logs</a>')  # fmt: skip
        staging = staging_text(snapshot)
        if staging:
            lines.append(escape(staging))
        self._set_optional(self.links, "<br>".join(lines))

    def _show_timeline(self, snapshot: JobSnapshot) -> None:
        self.timeline.clear()
        for change in snapshot.history:
            self.timeline.addTopLevelItem(QTreeWidgetItem([_local_time(change.at), change.state]))
        self.timeline.resizeColumnToContents(0)

    def _show_steps(self, snapshot: JobSnapshot) -> None:
        self.steps.clear()
        for step in snapshot.steps:
            item = QTreeWidgetItem([_local_time(step.at), step.step, step.status, step.detail])
            item.setToolTip(3, step.detail)
            self.steps.addTopLevelItem(item)
        for column in range(3):
            self.steps.resizeColumnToContents(column)

"""The When tab: for a run of H hours that must finish within D hours, the (region, start) with the least expected
emissions, with the planner's weights, rules and limits (time_planning.plan_when).

The plan runs on the thread pool: the first one fits the own forecaster per zone (seconds), later ones the same day
only predict. A plan started while another runs cancels it (its result is dropped by generation); progress and a
Cancel button appear when a plan takes longer than half a second. Planner changes re-plan after a short pause.
Nothing is planned before the tab is first shown: the first plan costs seconds of CPU a user may never ask for.
"""

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.signals import GridSignal
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest
from carbon_gui.providers import PROVIDER_NAMES, REPLAY
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.when.scroll_when_short import ScrollWhenShort
from carbon_gui.ui.when.when_texts import (
    answer_html,
    best_start_tooltip,
    best_starts,
    kg,
    notes_text,
    short_start_text,
    source_text,
    start_text,
    window_caption,
)

if TYPE_CHECKING:
    from carbon_gui.sources.replay import GridHistory
    from carbon_gui.time_planning import TimePlan
    from carbon_gui.ui.when.when_plots import EmissionsHeatmap, WindowPlot
    from carbon_gui.ui.workers import BackgroundTasks

DEBOUNCE_MS = 400  # planner edits come in bursts (typing, slider drags): plan once they settle
SHOW_PROGRESS_MS = 500
NO_INPUTS = "No plan: the planner needs a machine it knows, a run length and a weight above 0."
DEFAULT_WITHIN_H = 36.0
# (header, its tooltip: the full name with the unit); short headers on two lines, each with its unit, so that 29
# regions' rows fit beside the plan at 1024 px without sideways scrolling
COLUMNS = (
    ("Region", "Google Cloud region, ranked by your weights with each region's emissions at its best start"),
    ("Best start\nUTC", "The start with the least expected emissions for a run finishing by the deadline: 'now' or "
                        "a weekday, day of the month and time in UTC (the full date in the cell's tooltip)"),
    ("Best start\nkg CO₂e", "Expected emissions of the run at its best start, in kg CO₂e (estimate; its low–high "
                            "range in the cell's tooltip)"),
    ("low–high\nkg CO₂e", "Low and high ends of those emissions, in kg CO₂e (estimate: forecast interval and power "
                          "range). Left out where the window is too narrow: the range is then in the tooltip of the "
                          "best start's emissions"),
    ("Start now\nkg CO₂e", "Expected emissions of the run starting now in this region, in kg CO₂e (estimate)"),
    ("Source", "Where the region's hourly grid intensity comes from: a provider's forecast, the own forecast from "
               "past hourly data, or Google's yearly figure (flat: no hourly data)"),
)  # fmt: skip
RANGE_COLUMN = 3
SOURCE_COLUMN = 5
SOURCE_LEAST_CHARS = 24  # the source's kind and a little more ('own forecast from 433 d…'), else the range gives way
PLOT_MIN_HEIGHT = 220  # px: a region name on every other heatmap row, and a readable intensity axis
TABLE_ROWS_SHOWN = 3  # the table never gets shorter than this many rows: the splitter takes it from the plots


@dataclass(frozen=True)
class WhenInputs:
    """The planner's state, read on the GUI thread before a plan starts."""

    reference: ReferenceData
    request: PlanRequest
    weights: Weights
    constraints: Constraints
    signals: Mapping[str, GridSignal] | None  # live signals (not the replay); None: the bundled hourly data


class PlanCancelled(UserFacingError):
    """A newer plan replaced this one, or the user pressed Cancel."""


class _Progress(QObject):
    """Carries a plan's progress from the pool thread to the GUI thread (a queued signal)."""

    moved = Signal(int, int, int)  # generation, regions done, regions in all


def _load_history() -> "GridHistory":
    from carbon_gui.sources.replay import load_hourly_history

    return load_hourly_history()


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _Captioned(QWidget):
    """A plot above its caption. Its least height counts the caption's wrapped lines at the present width (a splitter
    asks for the least height only, and gave the caption one line: its second was drawn over the plot's axis)."""

    def __init__(self, plot: QWidget, caption: QLabel) -> None:
        super().__init__()
        self._plot, self._caption = plot, caption
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(plot, 1)
        layout.addWidget(caption)

    def minimumSizeHint(self) -> QSize:
        least = super().minimumSizeHint()
        spacing = max(0, self._layout.spacing())
        height = self._plot.minimumHeight() + spacing + self._caption.heightForWidth(self.width())
        return QSize(least.width(), max(least.height(), height))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # the caption's lines follow the width


def _without_live(err: InputError) -> InputError:
    """plan_when's problem on live data, with where this window plans on the bundled data instead (with_hints)."""
    from carbon_gui.jobs.planner import with_hints
    from carbon_gui.time_planning import NO_HOURLY_DATA, NOT_COVERED

    replay = f"“{PROVIDER_NAMES[REPLAY]}” as the Live source under Carbon data, to plan on the bundled hourly data."
    hints = {NO_HOURLY_DATA: f"Choose {replay}", NOT_COVERED: f"Or choose {replay}"}
    return InputError(with_hints([str(err)], hints)[0])


class WhenView(QWidget):
    planned = Signal(object)  # the TimePlan shown
    bestStarts = Signal(object)  # {region: (best start text, its tooltip)} for the ranking's Best start column

    def __init__(
        self,
        inputs: Callable[[], WhenInputs | None],
        load_history: Callable[[], "GridHistory"] = _load_history,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("whenView")
        self._inputs = inputs
        self._load_history = load_history
        self._history: GridHistory | None = None
        self._tasks: BackgroundTasks | None = None
        self._generation = 0
        self._cancel = threading.Event()
        self._running = False
        self._planner_hours: float | None = None
        self._shown_once = False
        self.plan: TimePlan | None = None
        self._progress = _Progress()
        self._progress.moved.connect(self._on_progress)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.replan)
        self._progress_delay = QTimer(self)  # a child: it dies with the view, unlike a bare singleShot's lambda
        self._progress_delay.setSingleShot(True)
        self._progress_delay.setInterval(SHOW_PROGRESS_MS)
        self._progress_delay.timeout.connect(self._show_progress)
        self._build()

    # ----- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.run_hours = QDoubleSpinBox()
        self.run_hours.setObjectName("whenRunHours")
        self.run_hours.setRange(0.1, 168.0)
        self.run_hours.setDecimals(1)
        self.run_hours.setSuffix(" h")
        self.run_hours.setToolTip("Expected run length; follows the plan's run length until you change it here")
        self.within = QDoubleSpinBox()
        self.within.setObjectName("whenWithin")
        self.within.setRange(0.1, 168.0)
        self.within.setDecimals(1)
        self.within.setSuffix(" h")
        self.within.setValue(DEFAULT_WITHIN_H)
        self.within.setToolTip("The run must finish within this many hours from now (forecasts reach 7 days)")
        for box in (self.run_hours, self.within):
            box.setKeyboardTracking(False)  # typing "36" plans once, not for "3" then "36"
            box.valueChanged.connect(lambda _=0.0: self._debounce.start())
        self.plan_button = QPushButton("Plan now")
        self.plan_button.clicked.connect(self.replan)
        self.progress = QProgressBar()
        self.progress.setObjectName("whenProgress")
        self.progress.setFormat("fitting forecasts %v/%m regions")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.progress, self.cancel_button):
            widget.setVisible(False)
        inputs = QHBoxLayout()
        for text, box in (("Run length", self.run_hours), ("Finish within", self.within)):
            label = QLabel(text)
            label.setBuddy(box)
            inputs.addWidget(label)
            inputs.addWidget(box)
        inputs.addWidget(self.plan_button)
        inputs.addWidget(self.progress, 1)
        inputs.addWidget(self.cancel_button)
        inputs.addStretch(0)

        self.message = QLabel("No plan yet: planning starts when this tab is first shown.")
        self.message.setObjectName("whenMessage")
        self.message.setWordWrap(True)
        self.answer = QLabel()
        self.answer.setObjectName("whenAnswer")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heatmap: EmissionsHeatmap | None = None  # built on first show: ~100 ms the window's first paint skips
        self.window_plot: WindowPlot | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("whenTable")
        for column, (title, tooltip) in enumerate(COLUMNS):
            header_item = QTableWidgetItem(title)
            header_item.setToolTip(tooltip)
            self.table.setHorizontalHeaderItem(column, header_item)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # the figures keep their width; the source takes the rest, elided (its tooltip has it all), but never less
        # than its header: where even that does not fit, the table scrolls sideways
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SOURCE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(header.sectionSizeHint(SOURCE_COLUMN))
        self.table.setMinimumHeight(self._table_height(TABLE_ROWS_SHOWN))
        self.table.viewport().installEventFilter(self)  # its width decides whether the range column fits
        # the plot shows the selected row; a table left without one selects its top row, the best (the plot kept
        # showing the row that was current last, often the last one, while the table highlighted nothing)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.notes = QLabel()
        self.notes.setObjectName("whenNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)

        self.heatmap_caption = _caption("Each cell: a run starting at that hour, kg CO₂e (estimate); ★ the best. "
                                        "Blank: no data.")  # fmt: skip
        self.window_caption = _caption("")
        self._plots = QSplitter(Qt.Orientation.Horizontal)  # filled by _ensure_plots
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(self._plots)
        body.addWidget(self.table)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([3000, 1000])  # scaled to the room there is: plots three parts, the table one
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(inputs)
        layout.addWidget(self.message)
        layout.addWidget(self.answer)
        layout.addWidget(body, 1)
        layout.addWidget(self.notes)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(ScrollWhenShort(page))  # a short window scrolls rather than squash the plots

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Show the low-high column only where every column fits beside it whole, the source with a few words: at
        1024 px with 29 regions the table scrolled sideways. Its range is always in the estimate's tooltip."""
        table, header = self.table, self.table.horizontalHeader()
        if not table.rowCount():
            header.setSectionHidden(RANGE_COLUMN, False)
            return
        figures = sum(max(header.sectionSizeHint(column), table.sizeHintForColumn(column))
                      for column in range(len(COLUMNS)) if column != SOURCE_COLUMN)  # fmt: skip
        source = max(header.sectionSizeHint(SOURCE_COLUMN), SOURCE_LEAST_CHARS * table.fontMetrics().averageCharWidth())
        header.setSectionHidden(RANGE_COLUMN, figures + source > table.viewport().width())

    def _table_height(self, rows: int) -> int:
        """The height that shows the header and `rows` rows whole, with room for a sideways scroll bar."""
        table = self.table
        scroll_bar = table.horizontalScrollBar().sizeHint().height()
        rows_height = rows * table.verticalHeader().defaultSectionSize()
        return table.horizontalHeader().sizeHint().height() + rows_height + scroll_bar + 2 * table.frameWidth()

    def _ensure_plots(self) -> tuple["EmissionsHeatmap", "WindowPlot"]:
        if self.heatmap is None or self.window_plot is None:
            from carbon_gui.ui.when.when_plots import EmissionsHeatmap, WindowPlot

            self.heatmap, self.window_plot = EmissionsHeatmap(), WindowPlot()
            for plot in (self.heatmap, self.window_plot):
                plot.setMinimumHeight(PLOT_MIN_HEIGHT)
            self._plots.addWidget(_Captioned(self.heatmap, self.heatmap_caption))
            self._plots.addWidget(_Captioned(self.window_plot, self.window_caption))
            self._plots.setStretchFactor(0, 3)  # the heatmap carries region names and its colour bar
            self._plots.setStretchFactor(1, 2)
            self._plots.setSizes([3000, 2000])  # scaled to the room there is, so also where the window is narrow
            self._show_axes(False)  # no plan yet: no made-up 0-1 scales
        return self.heatmap, self.window_plot

    def _show_axes(self, shown: bool) -> None:
        heatmap, window_plot = self._ensure_plots()
        for plot in (heatmap, window_plot):
            for side in ("left", "bottom"):
                plot.getPlotItem().showAxis(side, shown)
        heatmap.colour_bar.setVisible(shown)

    # ----- planning -----------------------------------------------------------------------
    def attach(self, tasks: "BackgroundTasks") -> None:
        self._tasks = tasks

    def inputs_changed(self) -> None:
        """The planner changed (machine, run length, weights, rules, live data): re-plan once edits settle."""
        inputs = self._inputs()
        if inputs is not None and inputs.request.hours != self._planner_hours:
            self._planner_hours = inputs.request.hours  # a new planner run length replaces a local edit
            self.run_hours.blockSignals(True)
            self.run_hours.setValue(inputs.request.hours)
            self.run_hours.blockSignals(False)
        if self._shown_once:
            self._debounce.start()
            if inputs is not None:  # what the plan's wait looks like from the tab (the last plan stays below)
                self.message.setText("<i>Planning…</i>")
            elif not self._running:
                self._show_problem(NO_INPUTS)

    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_plots()  # before the first paint of the tab
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.inputs_changed()

    @property
    def running(self) -> bool:
        return self._running

    def replan(self) -> None:
        from carbon_gui.time_planning import check_window, plan_when  # with the first plan, not at start-up

        self._debounce.stop()
        inputs = self._inputs()
        if inputs is None or self._tasks is None:
            if inputs is None:
                self._show_problem(NO_INPUTS)
            return
        now = datetime.now(UTC)
        deadline = now + timedelta(hours=self.within.value())
        request = dataclasses.replace(inputs.request, hours=self.run_hours.value())
        try:
            check_window(now, deadline, request.hours)  # the common mistake, said at once
        except InputError as err:
            self.cancel()
            self._show_problem(str(err))
            return
        self._cancel.set()  # a running plan stops at its next region
        self._cancel = cancel = threading.Event()
        self._generation += 1
        generation = self._generation
        history, load_history, progress = self._history, self._load_history, self._progress

        def report(done: int, total: int) -> None:
            if cancel.is_set():
                raise PlanCancelled("Plan replaced or cancelled.")
            progress.moved.emit(generation, done, total)

        def work() -> tuple["TimePlan", "GridHistory"]:
            loaded = history if history is not None else load_history()
            try:
                return plan_when(inputs.reference, request, deadline, inputs.weights, inputs.constraints, now,
                                 signals=inputs.signals, history=loaded, progress=report), loaded  # fmt: skip
            except InputError as err:
                if inputs.signals is None:
                    raise
                raise _without_live(err) from None

        self._running = True
        self.message.setText("<i>Planning…</i>")
        self._tasks.run(work, on_result=lambda result: self._on_plan(generation, *result),
                        on_error=lambda message: self._on_error(generation, message))  # fmt: skip
        self._progress_delay.start()

    def cancel(self) -> None:
        self._cancel.set()
        self._generation += 1  # whatever the cancelled plan still delivers is dropped
        self._set_idle()
        if self.plan is not None:
            self.message.setText("Cancelled: the figures below are from the previous plan.")

    def _set_idle(self) -> None:
        self._running = False
        self._progress_delay.stop()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)

    def _show_progress(self) -> None:
        if self._running:
            self.progress.setVisible(True)
            self.cancel_button.setVisible(True)

    def _on_progress(self, generation: int, done: int, total: int) -> None:
        if generation == self._generation:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_error(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._set_idle()
        self._show_problem(message)

    def _show_problem(self, message: str) -> None:
        stale = " The figures below are from the previous plan." if self.plan is not None else ""
        self.message.setText(f"<b>{escape(message)}</b>{stale}")

    def _on_plan(self, generation: int, plan: "TimePlan", history: "GridHistory") -> None:
        self._history = history  # loaded once, kept for later plans
        if generation != self._generation:
            return
        self._set_idle()
        self.plan = plan
        self.message.setText(f"Planned at {plan.decision_time:%H:%M} UTC for a {plan.run_hours:g} h run finishing "
                             f"by {plan.deadline:%Y-%m-%d %H:%M} UTC. All figures are estimates.")  # fmt: skip
        self.answer.setText(answer_html(plan))
        self._ensure_plots()[0].set_plan(plan)
        self._show_axes(True)
        self._fill_table(plan)
        self.notes.setText(notes_text(plan))
        self.planned.emit(plan)
        self.bestStarts.emit({name: (text, best_start_tooltip(plan, name)) for name, text in best_starts(plan).items()})

    def _fill_table(self, plan: "TimePlan") -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(plan.regions))
        for row, where in enumerate(plan.regions):
            best, now = where.best, where.now
            cells = (
                where.facts.region.name,
                "—" if best is None else short_start_text(plan, best),
                "—" if best is None else kg(best.emissions_kg),
                "—" if best is None else f"{kg(best.low_kg)}–{kg(best.high_kg)}",
                "—" if now is None else kg(now.emissions_kg),
                source_text(where),
            )
            tooltips = list(cells)
            if best is not None:
                full = start_text(plan, best)
                tooltips[1] = full if best.start_h == 0 else f"{cells[1]} UTC, {full}"
                tooltips[2] = f"{cells[2]} kg CO₂e, range {cells[3]} kg (estimate)"
                tooltips[3] = f"{cells[3]} kg CO₂e (estimate)"
            if now is not None:
                tooltips[4] = f"{cells[4]} kg CO₂e (estimate)"
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tooltips[column])
                if 1 < column < 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self._fit_columns()
        self.table.clearSelection()  # a row selected before keeps its index, not its region
        self._on_selection()

    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._show_region(rows[0].row())
        elif self.table.rowCount():
            self.table.selectRow(0)  # selects: this runs again and shows it

    def _show_region(self, row: int) -> None:
        if self.plan is None or not 0 <= row < len(self.plan.regions):
            return
        where = self.plan.regions[row]
        self._ensure_plots()[1].set_region(self.plan, where)
        self.window_caption.setText(window_caption(self.plan, where))

    def shutdown(self) -> None:
        self._debounce.stop()
        self._progress_delay.stop()
        self._cancel.set()

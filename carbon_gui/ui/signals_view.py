"""The Signals tab: intensity over time and the power mix, for the candidate regions side by side."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.live_carbon import describe_age
from carbon_gui.core.signals import GridSignal, PowerMix
from carbon_gui.ui.live_labels import index_text
from carbon_gui.ui.plots.plot_export import ChooseExport, ask_export, export_plot

if TYPE_CHECKING:
    from carbon_gui.ui.plots.intensity_plot import IntensityPlot
    from carbon_gui.ui.plots.power_mix_plot import PowerMixPlot

MAX_DEFAULT_REGIONS = 5
SHORT_TITLE_CHARS = 40  # fits one line of the intensity plot's title at 1024 px
REGIONS_MAX_WIDTH = 220
REGIONS_CHROME_PX = 50  # a region list's check box, margins and scroll bar
INTENSITY_MIN_HEIGHT = 200  # two title lines, curves, the time axis and two legend rows


class SignalsView(QWidget):
    exportRequested = Signal(str, object)  # path, CSV bytes: written off the GUI thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.regions = QListWidget()
        self.regions.setObjectName("signalRegions")
        self.regions.setAccessibleName("Regions to plot")
        self.regions.setMaximumWidth(REGIONS_MAX_WIDTH)
        self.regions.itemChanged.connect(self._on_item_changed)
        self._user_choice: dict[str, Qt.CheckState] = {}  # ticks the user set; others follow the ranking
        # The plots are built when the tab is first shown: two plot widgets cost ~25 ms of start-up.
        self.intensity: IntensityPlot | None = None
        self.mix: PowerMixPlot | None = None
        self.status = QLabel()
        self.status.setObjectName("signalStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Each plot is exported on its own, at a size the user picks (a grab of the tab carried its buttons).
        self.choose_export: ChooseExport = ask_export  # tests put a chooser here that does not block
        self.export_intensity_action = QAction("&Carbon intensity plot…", self)
        self.export_intensity_action.triggered.connect(lambda: self._export_plot("intensity"))
        self.export_mix_action = QAction("&Power mix plot…", self)
        self.export_mix_action.triggered.connect(lambda: self._export_plot("mix"))
        export_menu = QMenu(self)
        export_menu.addActions([self.export_intensity_action, self.export_mix_action])
        export_menu.setToolTipsVisible(True)  # says why the power mix is not offered
        export_plot_button = QPushButton("Export &plot")
        export_plot_button.setMenu(export_menu)
        export_csv = QPushButton("Export CS&V…")
        export_csv.clicked.connect(self._export_csv)
        # at most three lines tall, the rest scrolls: ten lines of notes left the plots a strip at 1024 x 640
        status_area = QScrollArea()
        status_area.setWidget(self.status)
        status_area.setWidgetResizable(True)
        status_area.setFrameShape(QFrame.Shape.NoFrame)
        status_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        status_area.setMaximumHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        buttons = QHBoxLayout()
        buttons.addWidget(status_area, 1)
        buttons.addWidget(export_plot_button)
        buttons.addWidget(export_csv)
        self._plots = QSplitter(Qt.Orientation.Vertical)
        plots = self._plots
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Regions"))
        left.addWidget(self.regions)
        body.addLayout(left)
        # The plots scroll up and down when the tab is shorter than both need (at 1024 x 640 the power mix got 90 px:
        # its legend, region names and axis were cut); a taller tab gives them all its height.
        plots_area = QScrollArea()
        plots_area.setObjectName("signalPlots")
        plots_area.setWidget(plots)
        plots_area.setWidgetResizable(True)
        plots_area.setFrameShape(QFrame.Shape.NoFrame)
        plots_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.addWidget(plots_area, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(body, 1)
        self._signals: dict[str, GridSignal] = {}
        self._stale: set[str] = set()
        self._now = datetime.now(UTC)
        # What the plots show (see _plot_state): a redraw that would show the same is skipped, and a hidden tab's
        # plots wait for the tab to be shown (a plot redraw and its paint were most of a refresh's GUI stall).
        self._plotted: tuple[object, ...] | None = None
        self._plotted_signals: list[tuple[str, GridSignal]] = []  # held, so the ids in _plotted stay theirs
        # The power mix is drawn in a later turn of the event loop than the intensity plot: painting both in one go
        # was one of a refresh's longest GUI stalls.
        self._mix_due: tuple[list[tuple[str, PowerMix, str]], str] | None = None
        self._mix_timer = QTimer(self)
        self._mix_timer.setSingleShot(True)
        self._mix_timer.setInterval(0)
        self._mix_timer.timeout.connect(self._draw_mix)

    def set_candidates(self, ranked: list[str], selected: str | None) -> None:
        """Offer the ranked regions; tick the best few and the selected one unless the user chose."""
        self.regions.blockSignals(True)
        self.regions.clear()
        for index, name in enumerate(ranked):
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            default = index < MAX_DEFAULT_REGIONS or name == selected
            state = self._user_choice.get(name, Qt.CheckState.Checked if default else Qt.CheckState.Unchecked)
            item.setCheckState(state)
            self.regions.addItem(item)
        self.regions.blockSignals(False)
        # as wide as the longest name needs, so the plots keep the rest (at 1024 px every pixel counts)
        longest = max((self.regions.fontMetrics().horizontalAdvance(name) for name in ranked), default=0)
        self.regions.setMaximumWidth(min(REGIONS_MAX_WIDTH, longest + REGIONS_CHROME_PX))
        self._redraw()

    def ensure_plots(self) -> tuple[IntensityPlot, PowerMixPlot]:
        if self.intensity is None or self.mix is None:
            from carbon_gui.ui.plots.intensity_plot import IntensityPlot
            from carbon_gui.ui.plots.power_mix_plot import PowerMixPlot

            self.intensity = IntensityPlot()
            self.intensity.setMinimumHeight(INTENSITY_MIN_HEIGHT)
            self.mix = PowerMixPlot()
            self._plots.addWidget(self.intensity)
            self._plots.addWidget(self.mix)
            self._plots.setSizes([400, 200])  # the intensity plot has more around its curves: title, axis, legend
            self._draw_plots(self.shown())
        return self.intensity, self.mix

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_plots()
        self._draw_plots(self.shown())  # what came while the tab was hidden
        super().showEvent(event)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self._user_choice[item.text()] = item.checkState()
        self._redraw()

    def set_signals(self, signals: dict[str, GridSignal], stale: set[str], now: datetime) -> None:
        self._signals = dict(signals)  # a snapshot: the live dict changes as zones arrive
        self._stale = set(stale)
        self._now = now
        self._redraw()

    def checked_regions(self) -> list[str]:
        return [
            self.regions.item(i).text()
            for i in range(self.regions.count())
            if self.regions.item(i).checkState() == Qt.CheckState.Checked
        ]

    def shown(self) -> list[tuple[str, GridSignal]]:
        return [(name, self._signals[name]) for name in self.checked_regions() if name in self._signals]

    def _redraw(self) -> None:
        shown = self.shown()
        self.status.setText(self._status_text(shown))
        if self.isVisible():
            self._draw_plots(shown)

    def _plot_state(self, shown: list[tuple[str, GridSignal]]) -> tuple[object, ...]:
        """What the plots would show: the signal objects (a zone that arrives replaces its regions' objects), their
        STALE marks, and the minute of the 'now' line."""
        return (tuple((name, id(signal)) for name, signal in shown),
                frozenset(self._stale.intersection(name for name, _ in shown)), int(self._now.timestamp() // 60))

    def _draw_plots(self, shown: list[tuple[str, GridSignal]]) -> None:
        state = self._plot_state(shown)
        if self.intensity is None or self.mix is None or state == self._plotted:
            return  # not built yet (drawn when first shown), or showing this already
        self._plotted, self._plotted_signals = state, shown
        sources = sorted({s.source for _, s in shown})
        kinds = sorted({s.kind.value for _, s in shown})
        replay = any(s.is_replay for _, s in shown)
        # a long title on two lines (one was wider than the plot at 1024 px and was cut off), a short one on one:
        # each line is taken from the curves' height
        title = " · ".join(sources)
        if kinds:
            kind = ", ".join(kinds)
            title += f" · {kind}" if len(title) + len(kind) <= SHORT_TITLE_CHARS else f"<br>{kind}"
        if replay:
            title = f"REPLAY of 2024 Electricity Maps data, not live<br>{', '.join(kinds)}"
        self.intensity.set_signals(shown, self._now, title or "no signal yet")
        mixes = [(name, s.power_mix[-1], s.source) for name, s in shown if s.power_mix]
        empty = "No power mix in the 2024 replay (intensity only)" if replay else "No power mix for these regions"
        self._mix_due = (mixes, "Power production by source (latest)" if mixes else empty)
        self._mix_timer.start()
        self.export_mix_action.setEnabled(bool(mixes))
        self.export_mix_action.setToolTip("" if mixes else empty)

    def _draw_mix(self) -> None:
        if self._mix_due is not None and self.mix is not None:
            mixes, title = self._mix_due
            self._mix_due = None
            self.mix.set_mixes(mixes, title)

    def _status_text(self, shown: list[tuple[str, GridSignal]]) -> str:
        missing = [n for n in self.checked_regions() if n not in self._signals]
        lines = []
        problem_regions: dict[str, list[str]] = {}  # said once with its regions: repeated per region it filled the tab
        for name, signal in shown:
            age = "2024 replay at this hour" if signal.is_replay else describe_age(signal.age_s(self._now))
            flags = []
            if name in self._stale:
                flags.append("STALE")
            if signal.latest is not None and signal.latest.estimated:
                flags.append("estimated")
            for problem in dict.fromkeys(f"{p.endpoint}: {p.message}" for p in signal.problems):
                problem_regions.setdefault(problem, []).append(name)
            latest = "—" if signal.latest is None or signal.latest.value is None else f"{signal.latest.value:.0f}"
            line = f"<b>{name}</b> ({signal.zone}) {latest} gCO₂e/kWh, {age}"
            if flags:
                line += f" <b>[{', '.join(flags)}]</b>"
            if signal.index is not None:
                line += f"<br>&nbsp;&nbsp;{escape(index_text(signal.index, self._now))}"
            lines.append(line)
        for problem, names in problem_regions.items():
            which = "every region shown" if len(names) == len(shown) > 1 else ", ".join(names)
            lines.append(f"{escape(problem)} ({which})")
        if missing:
            lines.append("No signal for: " + ", ".join(missing))
        return "<br>".join(lines) or "Tick regions on the left to plot them."

    def csv_text(self) -> str:
        """Every plotted point with its provenance, one row each."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["region", "zone", "time_utc", "series", "value", "unit", "estimated", "source", "kind",
                         "replay", "fetched_at_utc"])  # fmt: skip
        for name, signal in self.shown():
            series = (("history", signal.history), ("latest", (signal.latest,) if signal.latest else ()),
                      ("replayed" if signal.is_replay else "forecast", signal.forecast))  # fmt: skip
            for label, points in series:
                for p in points:
                    writer.writerow([name, signal.zone, p.time.isoformat(), label,
                                     "" if p.value is None else p.value, signal.unit, p.estimated, signal.source,
                                     signal.kind.value, signal.is_replay, signal.fetched_at.isoformat()])  # fmt: skip
            if signal.index is not None:
                writer.writerow([name, signal.zone, signal.index.time.isoformat(), "signal-index, next-24 h percentile",
                                 signal.index.percent, "%", False, signal.source, "relative position, not a rate",
                                 signal.is_replay, signal.fetched_at.isoformat()])  # fmt: skip
            for mix in signal.power_mix:
                for source, mw in mix.production_mw.items():
                    writer.writerow([name, signal.zone, mix.time.isoformat(), f"production {source}",
                                     "" if mw is None else mw, "MW", mix.estimated, signal.source, "power mix",
                                     signal.is_replay, signal.fetched_at.isoformat()])  # fmt: skip
        return out.getvalue()

    def _export_plot(self, which: str) -> None:
        intensity, mix = self.ensure_plots()
        self._draw_plots(self.shown())  # (from the File menu the tab may be hidden, its plots behind)
        self._draw_mix()
        plot, name = (intensity, "carbon-intensity") if which == "intensity" else (mix, "power-mix")
        export_plot(self, plot.getPlotItem(), name, self.choose_export)

    def _export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export data as CSV", "carbon-signals.csv", "CSV (*.csv)")
        if path:
            self.exportRequested.emit(path, self.csv_text().encode("utf-8"))

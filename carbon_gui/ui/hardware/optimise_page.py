"""The Optimise page of the Hardware tab (HADA phase 3): which hardware, configuration (and region) meet the user's
limits with the least CO2e, solved off the GUI thread, with carbon by region and "Launch with this".

The page is given the loaded BenchmarkSet and the fitted surrogates (`set_fitted`); the service does the rest
(docs/DIMENSIONING.md). Surrogates a request needs and the models page did not fit (e.g. the energy column for
carbon by region) are fitted in the same worker before solving.
"""

import math
import re
import shlex
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from carbon_gui.core.dimensioning.answer import Answer
from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.regional import (
    COST_TARGET,
    ENERGY_TARGETS,
    TIME_TARGETS,
    RegionCarbon,
    carbon_target,
    first_present,
)
from carbon_gui.core.dimensioning.request import MAXIMIZE, MINIMIZE, DimensionRequest, Objective
from carbon_gui.core.dimensioning.surrogate import TREE
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning.fitting import Surrogates
from carbon_gui.sources.reference import ReferenceData, load_reference
from carbon_gui.ui.hardware.answer_view import AnswerView
from carbon_gui.ui.hardware.constraint_editor import ConstraintEditor
from carbon_gui.ui.hardware.region_choice_plot import RegionChoice

if TYPE_CHECKING:  # the page is built after start-up; the workers module loads then
    from carbon_gui.ui.workers import BackgroundTasks

# Alt+letters the window around the page already uses: its menus (File, Settings, Training, View, Help), its tabs
# (Ranking, Map, Signals, Jobs, Hardware) and the Hardware tab's pages (Benchmark, Data, Models, Optimise). The
# page's own mnemonics avoid them; Cancel has Esc instead (no letter is left for it).
WINDOW_MNEMONICS = frozenset("FSTVHBDMORAIJW")
SOLVERS = (("HiGHS (default)", "highs"), ("CP-SAT (OR-Tools)", "cp-sat"), ("Enumeration (cross-check)", "enumeration"))
_HARDWARE_ID = re.compile(r"^(?P<machine>[^+]+)(?:\+(?P<count>\d+)x(?P<gpu>.+))?$")  # core.benchmark_grid.hardware_id


@dataclass(frozen=True)
class LaunchPrefill:
    """What "Launch with this" hands `open_launch_wizard`: LaunchWizard's own arguments (region, machine_type,
    accelerator, accelerator_count, hours) plus the hyperparameters for its hardware page's "Script arguments"
    field. The wizard runs `train()` with no arguments and gives the script its arguments in sys.argv, so the
    hyperparameters go there as `--name value` (set `wizard.hardware_page.args.setText(prefill.script_arguments)`).
    """

    machine_type: str
    accelerator: str | None
    accelerator_count: int
    region: str | None  # None: the request did not choose a region (the opener uses the planner's)
    hours: float | None  # the run time the surrogate predicts at this configuration; None when the data has none
    arguments: tuple[str, ...]  # ("--layers", "3", "--lr", "0.1")

    @property
    def script_arguments(self) -> str:
        return shlex.join(self.arguments)


def split_hardware_id(hardware: str) -> tuple[str, str | None, int]:
    """'n1-standard-8+1xNVIDIA_TESLA_T4' -> ('n1-standard-8', 'NVIDIA_TESLA_T4', 1): the benchmark runner's HW_ID."""
    found = _HARDWARE_ID.match(hardware)
    if found is None:
        return hardware, None, 0
    count = found.group("count")
    return found.group("machine"), found.group("gpu"), int(count) if count else 0


def launch_prefill(answer: Answer, machines: set[str], hours: float | None) -> LaunchPrefill | str:
    """The wizard's prefill for a feasible answer, or why it cannot be launched (one line, for a tooltip)."""
    if not answer.feasible or answer.hardware is None:
        return "No feasible answer to launch."
    machine, accelerator, count = split_hardware_id(answer.hardware)
    if machine not in machines:
        return (
            f"'{answer.hardware}' is not a Compute Engine machine type (e.g. n1-standard-8 or "
            "n1-standard-8+1xnvidia-tesla-t4), so it cannot be launched on Vertex AI."
        )
    # str(): every digit (an int as an int, a float's shortest exact form); "{:g}" would cut to 6 significant digits
    arguments = tuple(part for name, value in answer.configuration.items() for part in (f"--{name}", str(value)))
    return LaunchPrefill(machine, accelerator, count, answer.region, hours, arguments)


@dataclass(frozen=True)
class Optimised:
    """A solved request: the answer, and the carbon-optimal answer in each selected region alone."""

    request: DimensionRequest
    answer: Answer
    by_region: dict[str, Answer]
    regions: list[RegionCarbon]
    carbon_target: str
    hours: float | None  # predicted run time at the answer (for the wizard's run length)
    fitted_here: list[str] = field(default_factory=list)  # targets fitted for this request (the models page had not)


def optimise(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    reference: ReferenceData | None,
    solver: str,
    cancel: threading.Event,
    planner: Mapping[str, RegionCarbon] | None = None,
) -> Optimised | None:
    """Runs on the thread pool. None when cancelled."""
    from carbon_gui.dimensioning import service
    from carbon_gui.dimensioning.fitting import Cancelled, fit_surrogates

    try:
        service.check_request_targets(data, request)
        needed = [service.base_target(data, t, bool(request.regions)) for t in request.targets]
        time_target = first_present(TIME_TARGETS, data.target_names)
        wanted = [*needed, *([time_target] if time_target else [])]
        missing = [t for t in dict.fromkeys(wanted) if any(surrogates.get(p.hardware, t) is None
                                                           for p in data.platforms if t in p.targets)]  # fmt: skip
        if missing:  # the same kind of model as the Models page fitted, with its depth and trees if the user set them
            like = next(iter(surrogates.by_key.values()), None)
            kind, depth, trees = TREE, None, None
            if like is not None:
                kind = like.kind
                depth = like.depth if like.depth_chosen_by == "user" else None
                trees = like.trees if like.trees_chosen_by == "user" else None
            extra = fit_surrogates(data, missing, depth, cancelled=cancel.is_set, kind=kind, trees=trees)
            surrogates = Surrogates({**surrogates.by_key, **extra.by_key})
        regions, prices = [], {}
        if request.regions:
            if reference is None:
                raise InputError("The region list has not loaded: untick 'Pick the region too' or try again.")
            regions = service.region_carbon(reference, request.regions, planner=planner)
            prices = service.machine_prices(reference, data.hardware, request.regions)
        answer = service.solve(data, surrogates, request, regions, prices, solver, cancel.is_set)
        carbon = carbon_target(data.target_names)
        by_region = {}
        if regions:
            lowest_carbon = replace(request, objective=Objective(carbon, MINIMIZE))
            by_region = service.solve_per_region(data, surrogates, lowest_carbon, regions, prices, solver,
                                                 cancel.is_set)  # fmt: skip
    except Cancelled:
        return None
    hours = _predicted_hours(data, surrogates, answer, time_target)
    return Optimised(request, answer, by_region, regions, carbon, hours, missing)


def _predicted_hours(
    data: BenchmarkSet, surrogates: Surrogates, answer: Answer, time_target: str | None
) -> float | None:
    if not answer.feasible or answer.hardware is None or time_target is None:
        return None
    surrogate = surrogates.get(answer.hardware, time_target)
    if surrogate is None:
        return None
    names = [h.name for h in data.platform(answer.hardware).hyperparameters]
    point = np.array([[float(answer.configuration[n]) for n in names]])
    seconds = float(surrogate.model.predict(point)[0])
    return max(seconds, 0.0) / 3600.0


class OptimisePage(QWidget):
    """Phase 3 of the Hardware tab: the request form, the answer and the carbon-optimal hardware by region.

    `open_launch_wizard(prefill: LaunchPrefill)` opens the launch wizard: LaunchWizard(service, tasks,
    prefill.region or the planner's region, prefill.machine_type, prefill.accelerator, prefill.accelerator_count,
    prefill.hours or the planner's run length, project), then `wizard.hardware_page.args.setText(
    prefill.script_arguments)`. `set_fitted(data, surrogates)` gives the page data and models; `clear()` forgets
    them. `load_reference` reads the bundled catalogue (regions, machine types); it runs on the thread pool.
    """

    def __init__(
        self,
        tasks: "BackgroundTasks",
        open_launch_wizard: Callable[[LaunchPrefill], None],
        parent: QWidget | None = None,
        load_reference: Callable[[], ReferenceData] = load_reference,
        planner_carbon: Callable[[], Mapping[str, RegionCarbon]] = dict,
    ) -> None:
        super().__init__(parent)
        self._tasks, self._open_launch_wizard = tasks, open_launch_wizard
        self._planner_carbon = planner_carbon  # the planner's current figure per region (read on the GUI thread)
        self._data: BenchmarkSet | None = None
        self._surrogates: Surrogates | None = None
        self._reference: ReferenceData | None = None
        self._cancel: threading.Event | None = None
        self._prefill: LaunchPrefill | None = None
        self.result: Optimised | None = None

        self.form = self._build_form()
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form wraps instead
        scroll.setMinimumWidth(self.form.minimumSizeHint().width() + 20)

        self.answer_view = AnswerView()
        self.launch_button = QPushButton("Lau&nch with this…")
        self.launch_button.clicked.connect(self._launch)
        answer_tab = QWidget()
        answer_layout = QVBoxLayout(answer_tab)
        answer_layout.addWidget(self.answer_view, 1)
        launch_row = QHBoxLayout()
        launch_row.addStretch(1)
        launch_row.addWidget(self.launch_button)
        answer_layout.addLayout(launch_row)
        self.region_choice = RegionChoice()
        self.results = QTabWidget()
        self.results.addTab(answer_tab, "Answer")
        self.results.addTab(self.region_choice, "Carbon by re&gion")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        enter = (QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter))
        for key in enter:  # Enter anywhere in the form solves
            QShortcut(key, self.form, self.start, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.clear()
        tasks.run(load_reference, on_result=self._reference_loaded, on_error=self._reference_failed)

    # --- the form -----------------------------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        form = QWidget()
        layout = QVBoxLayout(form)
        intro = QLabel(
            "Find the hardware and configuration that optimise the objective within your limits. The trees "
            "fitted on the benchmark runs are embedded in an exact solver."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.sense = QComboBox()
        self.sense.addItem("Minimise", MINIMIZE)
        self.sense.addItem("Maximise", MAXIMIZE)
        self.objective = QComboBox()
        self.objective.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.objective.setMinimumContentsLength(10)
        objective_row = QHBoxLayout()
        objective_row.addWidget(self.sense)
        objective_row.addWidget(self.objective, 1)
        objective_label = QLabel("Obje&ctive:")
        objective_label.setBuddy(self.sense)
        fields.addRow(objective_label, objective_row)

        self.use_budget = QCheckBox("Hardware b&udget, at most:")
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0, 1e9)
        self.budget.setDecimals(2)
        self.budget.setToolTip("The most a platform's HW_price (from the benchmark's JSON) may be, in its unit")
        self.use_budget.toggled.connect(self.budget.setEnabled)
        fields.addRow(self.use_budget, self.budget)

        self.use_margin = QCheckBox("Robustn&ess margin:")
        self.margin = QDoubleSpinBox()
        self.margin.setRange(0.0, 1.0)
        self.margin.setSingleStep(0.05)
        self.margin.setValue(0.9)
        self.margin.setPrefix("quantile ")
        tip = ("Tighten each limit by this quantile of the surrogate's cross-validated absolute errors "
               "(HADA's margin): 0.9 keeps a limit met where the model errs up to 90 % of its errors.")  # fmt: skip
        self.use_margin.setToolTip(tip)
        self.margin.setToolTip(tip)
        self.use_margin.toggled.connect(self.margin.setEnabled)
        fields.addRow(self.use_margin, self.margin)

        self.solver = QComboBox()
        for text, name in SOLVERS:
            self.solver.addItem(text, name)
        solver_label = QLabel("E&xact solver:")
        solver_label.setBuddy(self.solver)
        fields.addRow(solver_label, self.solver)
        layout.addLayout(fields)

        limits = QGroupBox("Limits")
        limits_layout = QVBoxLayout(limits)
        self.constraints = ConstraintEditor()
        limits_layout.addWidget(self.constraints)
        layout.addWidget(limits)

        self.choose_region = QGroupBox("Pic&k the region too")
        self.choose_region.setCheckable(True)
        self.choose_region.setChecked(False)
        self.choose_region.setToolTip(
            "CO₂e by region = the benchmark's energy x the region's PUE x its grid intensity (the planner's "
            "current figure: yearly, live or forecast, as chosen there); cost(USD) from the machine type's price there."
        )
        regions_layout = QVBoxLayout(self.choose_region)
        self.regions = QListWidget()
        self.regions.setAccessibleName("Regions")
        self.regions.setMinimumHeight(120)
        self.regions.setMinimumWidth(100)  # long region names scroll inside the list, not the form
        regions_layout.addWidget(self.regions)
        ticks = QHBoxLayout()
        for text, state in (("Tick all", Qt.CheckState.Checked), ("Untick all", Qt.CheckState.Unchecked)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, state=state: self._tick_all(state))
            ticks.addWidget(button)
        ticks.addStretch(1)
        regions_layout.addLayout(ticks)
        self.regions_note = QLabel("Loading the region list…")
        self.regions_note.setWordWrap(True)
        regions_layout.addWidget(self.regions_note)
        self.choose_region.toggled.connect(self._regions_toggled)
        layout.addWidget(self.choose_region, 1)

        buttons = QHBoxLayout()
        self.optimise_button = QPushButton("O&ptimise")
        self.optimise_button.setToolTip("Solve (Enter)")
        self.optimise_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the solve (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.optimise_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # a solve reports no steps: a busy bar
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        layout.addWidget(self.busy)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        return form

    # --- slots --------------------------------------------------------------------------------------------

    def set_fitted(self, data: BenchmarkSet, surrogates: Surrogates) -> None:
        """New data and models: the targets fill the form; an answer for the old data is dropped."""
        self.cancel()
        self._data, self._surrogates = data, surrogates
        self._fill_targets(default=True)
        prices = [p.price for p in data.platforms if p.price is not None]
        self.use_budget.setEnabled(bool(prices))
        self.use_budget.setToolTip("" if prices else "No platform of this benchmark has an HW_price.")
        if prices:
            self.budget.setValue(max(prices))
        self._show_result(None)
        self._set_running(False)
        hardware = ", ".join(data.hardware)
        self.status.setText(f"{data.algorithm} on {hardware}: set the objective and limits, then Optimise.")

    def clear(self) -> None:
        self.cancel()
        self._data = self._surrogates = None
        self.objective.clear()
        self.constraints.set_targets([])
        self._show_result(None)
        self._set_running(False)
        self.status.setText("Load a benchmark and fit the models first.")

    def start(self) -> None:
        """Read the form and solve on the thread pool; a message in the status line for bad input."""
        if self._cancel is not None or self._data is None or self._surrogates is None:
            return
        try:
            request = self.request()
        except InputError as problem:
            self.status.setText(str(problem))
            return
        cancel = threading.Event()
        self._cancel = cancel
        self.destroyed.connect(cancel.set)  # the window closed: stop between solves instead of running on
        self._set_running(True)
        self.status.setText("Solving… (the first solve also loads scikit-learn and the solver)")
        data, surrogates, reference, solver = self._data, self._surrogates, self._reference, self.solver.currentData()
        planner = dict(self._planner_carbon())  # a snapshot: the planner may re-rank while the solve runs

        def finished(result: object) -> None:
            if isValid(self) and self._cancel is cancel:  # not a stale answer (cancelled, or new data since)
                self._cancel = None
                self._set_running(False)
                self._show_result(result if isinstance(result, Optimised) else None)
                self.status.setText("Cancelled." if result is None else "")

        def failed(message: str) -> None:
            if isValid(self) and self._cancel is cancel:
                self._cancel = None
                self._set_running(False)
                self.status.setText(message)

        self._tasks.run(optimise, data, surrogates, request, reference, solver, cancel, planner,
                        on_result=finished, on_error=failed)  # fmt: skip

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
            self._set_running(False)
            self.status.setText("Cancelled.")

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def request(self) -> DimensionRequest:
        """The form as a request; InputError (one line) for what the form cannot ask."""
        target = self.objective.currentText()
        if not target:
            raise InputError("Load a benchmark with at least one target first.")
        regions = self.selected_regions()
        if self.choose_region.isChecked() and not regions:
            raise InputError("Tick at least one region, or untick 'Pick the region too'.")
        constraints = self.constraints.constraints()
        for constraint in constraints:
            if constraint.target == COST_TARGET and not regions:
                raise InputError(f"{COST_TARGET} is computed per region: tick one or more regions under 'Choose the "
                                 "region too'.")  # fmt: skip
        if target == COST_TARGET and not regions:
            raise InputError(f"{COST_TARGET} is computed per region: tick one or more regions under 'Choose the "
                             "region too'.")  # fmt: skip
        return DimensionRequest(
            Objective(target, self.sense.currentData()),
            constraints,
            self.margin.value() if self.use_margin.isChecked() else None,
            self.budget.value() if self.use_budget.isChecked() and self.use_budget.isEnabled() else None,
            regions,
        )

    def selected_regions(self) -> tuple[str, ...]:
        if not self.choose_region.isChecked():
            return ()
        items = (self.regions.item(i) for i in range(self.regions.count()))
        checked = Qt.CheckState.Checked
        return tuple(item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == checked)

    def _targets(self) -> list[str]:
        if self._data is None:
            return []
        names = list(self._data.target_names)
        if self.choose_region.isChecked():  # computed per region: carbon from the energy column, cost from time
            names = list(dict.fromkeys([*names, carbon_target(names), COST_TARGET]))
        return names

    def _fill_targets(self, default: bool = False) -> None:
        names = self._targets()
        kept = self.objective.currentText()
        self.objective.clear()
        self.objective.addItems(names)
        if default or kept not in names:
            carbon = carbon_target(names)
            preferred = carbon if carbon in names else first_present(ENERGY_TARGETS, names)
            kept = preferred or (names[0] if names else "")
            self.sense.setCurrentIndex(0)
        self.objective.setCurrentText(kept)
        self.constraints.set_targets(names, self._measured_ranges())

    def _tick_all(self, state: Qt.CheckState) -> None:
        for i in range(self.regions.count()):
            self.regions.item(i).setCheckState(state)

    def _measured_ranges(self) -> dict[str, tuple[float, float]]:
        """Target -> smallest and largest value over all runs: a hint for a limit's value."""
        ranges: dict[str, tuple[float, float]] = {}
        for platform in self._data.platforms if self._data is not None else ():
            for target, values in platform.targets.items():
                low, high = ranges.get(target, (math.inf, -math.inf))
                ranges[target] = (min(low, float(values.min())), max(high, float(values.max())))
        return ranges

    def _regions_toggled(self, on: bool) -> None:
        self._fill_targets()

    def _reference_loaded(self, reference: object) -> None:
        if not isValid(self) or not isinstance(reference, ReferenceData):  # the window closed meanwhile
            return
        self._reference = reference
        year = reference.catalog.latest_carbon_year
        self.regions.clear()
        for region in reference.catalog.regions:
            figure = reference.catalog.carbon(region.name, year)
            if figure is None or figure.intensity_gco2_kwh is None:
                continue  # no grid figure: carbon cannot be computed there
            item = QListWidgetItem(f"{region.name}  ({region.location}, {figure.intensity_gco2_kwh:g} gCO₂e/kWh)")
            item.setData(Qt.ItemDataRole.UserRole, region.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.regions.addItem(item)
        self.regions_note.setText(
            f"Tick the regions to choose from (Space ticks). Shown: Google's {year} grid figures; the solve uses the "
            "planner's current figure (live or forecast when chosen there)."
        )
        if self.result is not None:
            self._show_result(self.result)  # machine types known now: "Launch with this" may be possible

    def _reference_failed(self, message: str) -> None:
        if not isValid(self):
            return
        self.regions_note.setText(f"The region list could not be read: {message}")
        self.choose_region.setChecked(False)
        self.choose_region.setEnabled(False)

    def _set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.optimise_button.setEnabled(not running and self._data is not None)

    def _show_result(self, result: Optimised | None) -> None:
        self.result = result
        if result is None:
            self.answer_view.show_nothing()
            self.region_choice.show_answers({}, [], "")
            self._set_prefill("Optimise first: the answer is what gets launched.")
            return
        self.answer_view.show_answer(result.answer, result.request, result.fitted_here)
        self.region_choice.show_answers(result.by_region, result.regions, result.carbon_target)
        machines = set(self._reference.catalog.machines) if self._reference is not None else set()
        if self._reference is None:
            self._set_prefill("The machine types have not loaded yet.")
        else:
            self._set_prefill(launch_prefill(result.answer, machines, result.hours))
        self.results.setCurrentIndex(0)

    def _set_prefill(self, prefill: LaunchPrefill | str) -> None:
        self._prefill = prefill if isinstance(prefill, LaunchPrefill) else None
        self.launch_button.setEnabled(self._prefill is not None)
        if isinstance(prefill, str):
            self.launch_button.setToolTip(prefill)
        else:
            gpu = f" with {prefill.accelerator_count} x {prefill.accelerator}" if prefill.accelerator else ""
            where = f" in {prefill.region}" if prefill.region else ""
            self.launch_button.setToolTip(
                f"Open the launch wizard: {prefill.machine_type}{gpu}{where}, script arguments "
                f"{prefill.script_arguments}"
            )

    def _launch(self) -> None:
        if self._prefill is not None:
            self._open_launch_wizard(self._prefill)

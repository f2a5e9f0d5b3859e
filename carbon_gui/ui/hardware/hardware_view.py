"""The Hardware tab (Ctrl+5): which hardware, which configuration, which region (HADA with carbon).

Four pages in the order of the method: Benchmark (phase 1: produce runs), Data (load them), Models (phase 2: fit
surrogates), Optimise (phase 3: solve with the trees embedded). Data flows one way: a loaded folder resets the
models and the optimiser; fitted models go to the optimiser. Work starts only once `attach` hands over the
window's background tasks (after the first paint); the Optimise page is built then too.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.regional import RegionCarbon
from carbon_gui.dimensioning.fitting import Surrogates
from carbon_gui.ui.hardware.benchmark_page import BenchmarkPage, BenchmarkServices
from carbon_gui.ui.hardware.data_page import DataPage
from carbon_gui.ui.hardware.models_page import ModelsPage

if TYPE_CHECKING:
    from carbon_gui.ui.workers import BackgroundTasks

OPTIMISE_PLACEHOLDER = "Load data and fit models first: the optimiser answers from the fitted models."


class HardwareView(QWidget):
    def __init__(
        self,
        services: BenchmarkServices,
        open_launch_wizard: Callable[..., Any],
        parent: QWidget | None = None,
        planner_carbon: Callable[[], Mapping[str, RegionCarbon]] = dict,
    ) -> None:
        super().__init__(parent)
        self._open_launch_wizard = open_launch_wizard
        self._planner_carbon = planner_carbon
        self.optimise_page: Any = None  # an OptimisePage once attached
        self.pages = QTabWidget()
        self.pages.setObjectName("hardwarePages")
        self.benchmark_page = BenchmarkPage(services)
        self.data_page = DataPage()
        self.models_page = ModelsPage()
        self._optimise_holder = QWidget()
        self._optimise_layout = QVBoxLayout(self._optimise_holder)
        self._optimise_placeholder = QLabel(OPTIMISE_PLACEHOLDER)
        self._optimise_placeholder.setObjectName("optimisePlaceholder")
        self._optimise_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._optimise_placeholder.setWordWrap(True)
        self._optimise_layout.addWidget(self._optimise_placeholder)
        for page, title in (
            (self.benchmark_page, "&Benchmark"),
            (self.data_page, "&Data"),
            (self.models_page, "&Models"),
            (self._optimise_holder, "&Optimise"),
        ):
            self.pages.addTab(page, title)
        self.pages.setCurrentWidget(self.data_page)  # most users start from runs they have
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self.data_page.loaded.connect(self._on_data)
        self.data_page.cleared.connect(self.models_page.clear)
        self.models_page.fitted.connect(self._on_fitted)
        self.models_page.cleared.connect(self._clear_optimiser)
        self.benchmark_page.datasetReady.connect(self._load_benchmarked)

    def attach(self, tasks: "BackgroundTasks") -> None:
        """Background work may start: the pages get the window's tasks, and the optimiser is built."""
        for page in (self.benchmark_page, self.data_page, self.models_page):
            page.attach(tasks)
        from carbon_gui.ui.hardware.optimise_page import OptimisePage

        self.optimise_page = OptimisePage(tasks, self._open_launch_wizard, planner_carbon=self._planner_carbon)
        self._optimise_layout.removeWidget(self._optimise_placeholder)
        self._optimise_placeholder.deleteLater()
        self._optimise_layout.setContentsMargins(0, 0, 0, 0)
        self._optimise_layout.addWidget(self.optimise_page)
        if self.models_page.surrogates is not None and self.models_page.data is not None:
            self.optimise_page.set_fitted(self.models_page.data, self.models_page.surrogates)

    def shutdown(self) -> None:
        """The window closes: stop what runs (a benchmark keeps its completed runs)."""
        self.benchmark_page.cancel()
        self.models_page.cancel()
        if self.optimise_page is not None:
            self.optimise_page.cancel()

    def _on_data(self, data: BenchmarkSet) -> None:
        self.models_page.set_data(data, self.data_page.folder.text())

    def _on_fitted(self, data: BenchmarkSet, surrogates: Surrogates) -> None:
        if self.optimise_page is not None:
            self.optimise_page.set_fitted(data, surrogates)

    def _clear_optimiser(self) -> None:
        if self.optimise_page is not None:
            self.optimise_page.clear()

    def _load_benchmarked(self, folder: Path) -> None:
        self.pages.setCurrentWidget(self.data_page)
        self.data_page.load(folder)

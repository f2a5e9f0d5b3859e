"""What the user plans to run: machine, attached GPU, run length, carbon year, own location."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from carbon_gui.core.catalog import Catalog

NO_GPU = "no attached GPU"


class PlanForm(QGroupBox):
    machineChanged = Signal()  # machine, GPU, hours or year changed: reassess
    locationEntered = Signal(str)  # the text to resolve (off the GUI thread)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Job", parent)
        form = QFormLayout(self)
        self.machine = QComboBox()
        self.machine.setEditable(True)
        self.machine.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.machine.setObjectName("machine")
        machine_edit = self.machine.lineEdit()
        assert machine_edit is not None  # editable combo
        machine_edit.returnPressed.connect(self.machineChanged)
        self.machine.activated.connect(lambda _: self.machineChanged.emit())
        form.addRow("&Machine type", self.machine)

        gpu_row = QHBoxLayout()
        self.gpu = QComboBox()
        self.gpu.setObjectName("gpu")
        self.gpu.setToolTip("GPUs can be attached to N1 machines; other GPU types have them built in")
        self.gpu_count = QComboBox()
        self.gpu_count.addItems(["1", "2", "4", "8"])
        self.gpu_count.setAccessibleName("attached GPU count")
        self.gpu.currentIndexChanged.connect(self._gpu_changed)
        self.gpu_count.currentIndexChanged.connect(lambda _: self.machineChanged.emit())
        gpu_row.addWidget(self.gpu, 1)
        gpu_row.addWidget(QLabel("×"))
        gpu_row.addWidget(self.gpu_count)
        gpu_label = QLabel("Attached &GPU")
        gpu_label.setBuddy(self.gpu)
        form.addRow(gpu_label, gpu_row)
        self.machine_info = QLabel()
        self.machine_info.setWordWrap(True)
        form.addRow("", self.machine_info)

        self.hours = QDoubleSpinBox()
        self.hours.setObjectName("hours")
        self.hours.setRange(0.1, 8760)
        self.hours.setDecimals(1)
        self.hours.setSuffix(" h")
        self.hours.setKeyboardTracking(False)
        self.hours.valueChanged.connect(lambda _: self.machineChanged.emit())
        form.addRow("Run &length", self.hours)

        self.year = QComboBox()
        self.year.setObjectName("year")
        self.year.setToolTip("Year of Google's published region figures")
        self.year.currentIndexChanged.connect(lambda _: self.machineChanged.emit())
        form.addRow("Carbon &data year", self.year)

        self.location = QLineEdit()
        self.location.setObjectName("location")
        self.location.setPlaceholderText("city, or lat, lon — Enter to apply")
        self.location.returnPressed.connect(lambda: self.locationEntered.emit(self.location.text()))
        form.addRow("&Your location", self.location)
        self.location_info = QLabel("…")
        self.location_info.setWordWrap(True)
        form.addRow("", self.location_info)
        self._catalog: Catalog | None = None

    def set_catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self.machine.blockSignals(True)
        self.machine.clear()
        self.machine.addItems(sorted(catalog.machines))
        completer = self.machine.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.machine.blockSignals(False)
        self.year.blockSignals(True)
        self.year.clear()
        for year in reversed(catalog.carbon_years):
            self.year.addItem(str(year), year)
        self.year.blockSignals(False)

    def set_city_names(self, names: list[str]) -> None:
        completer = QCompleter(names, self.location)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        completer.setMaxVisibleItems(12)
        completer.activated.connect(self.locationEntered)
        self.location.setCompleter(completer)

    def set_values(self, machine: str, gpu: str | None, count: int, hours: float, year: int | None) -> None:
        for w in (self.machine, self.gpu, self.gpu_count, self.hours, self.year):
            w.blockSignals(True)
        self.machine.setCurrentText(machine)
        self._refresh_gpus()
        self.gpu.setCurrentText(gpu or NO_GPU)
        self.gpu_count.setCurrentText(str(count))
        self.hours.setValue(hours)
        index = self.year.findData(year) if year else 0
        self.year.setCurrentIndex(max(index, 0))
        for w in (self.machine, self.gpu, self.gpu_count, self.hours, self.year):
            w.blockSignals(False)
        self._gpu_count_enabled()

    def machine_name(self) -> str:
        return self.machine.currentText().strip()

    def attached_gpu(self) -> str | None:
        text = self.gpu.currentText()
        return None if text in ("", NO_GPU) else text

    def attached_gpu_count(self) -> int:
        return int(self.gpu_count.currentText())

    def carbon_year(self) -> int | None:
        data = self.year.currentData()
        return int(data) if data is not None else None

    def refresh_for_machine(self) -> None:
        """The machine changed: offer the GPUs attachable to it and describe it."""
        self.gpu.blockSignals(True)
        current = self.attached_gpu()
        self._refresh_gpus()
        self.gpu.setCurrentText(current or NO_GPU)
        if self.gpu.currentText() != (current or NO_GPU):
            self.gpu.setCurrentIndex(0)
        self.gpu.blockSignals(False)
        self._gpu_count_enabled()

    def _refresh_gpus(self) -> None:
        self.gpu.clear()
        self.gpu.addItem(NO_GPU)
        machine = self._catalog.machines.get(self.machine_name()) if self._catalog else None
        if machine is None:
            self.machine_info.setText("")
            return
        self.gpu.addItems(list(self._catalog.attachable_gpus.get(machine.series, ())) if self._catalog else [])
        gpu = f", {machine.gpu_count:g}× {machine.gpu_type}" if machine.gpu_type else ""
        self.machine_info.setText(f"{machine.vcpus} vCPU, {machine.memory_gb:g} GB{gpu}")

    def _gpu_changed(self) -> None:
        self._gpu_count_enabled()
        self.machineChanged.emit()

    def _gpu_count_enabled(self) -> None:
        self.gpu.setEnabled(self.gpu.count() > 1)
        self.gpu_count.setEnabled(self.attached_gpu() is not None)

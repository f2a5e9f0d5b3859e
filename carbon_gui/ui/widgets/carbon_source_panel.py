"""Which carbon figure the ranking uses, where live data comes from, and when it refreshes."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from carbon_gui.core.signals import CarbonMode
from carbon_gui.providers import PROVIDER_NAMES

MODE_LABELS = {
    CarbonMode.YEARLY: "Google yearly average (reference)",
    CarbonMode.LATEST: "Latest live value",
    CarbonMode.FORECAST_MEAN: "Forecast mean over the run",
}


class CarbonSourcePanel(QGroupBox):
    modeChanged = Signal()
    providerChanged = Signal(str)
    refreshRequested = Signal()
    cancelRequested = Signal()
    cleanestRequested = Signal()
    intervalChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Carbon data", parent)
        form = QFormLayout(self)
        self.mode = QComboBox()
        self.mode.setObjectName("carbonMode")
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(label, mode)
        self.mode.currentIndexChanged.connect(lambda _: self.modeChanged.emit())
        form.addRow("Carbon &figure", self.mode)
        self.provider = QComboBox()
        self.provider.setObjectName("provider")
        self.provider.setToolTip("Add keys under Settings → Keys to use Electricity Maps or WattTime")
        self.provider.currentIndexChanged.connect(lambda _: self.providerChanged.emit(self.current_provider()))
        form.addRow("Live so&urce", self.provider)  # Alt+S opens the Settings menu
        row = QHBoxLayout()
        self.refresh = QPushButton("&Refresh")
        self.refresh.clicked.connect(self.refreshRequested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(self.cancelRequested)
        self.interval = QSpinBox()
        self.interval.setObjectName("refreshInterval")
        self.interval.setRange(1, 24 * 60)
        self.interval.setSuffix(" min")
        self.interval.setPrefix("every ")
        self.interval.setAccessibleName("auto refresh interval")
        self.interval.setKeyboardTracking(False)
        self.interval.valueChanged.connect(self.intervalChanged)
        row.addWidget(self.refresh)
        row.addWidget(self.cancel)
        row.addWidget(self.interval)
        form.addRow(row)
        self.progress = QProgressBar()
        self.progress.setObjectName("fetchProgress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m zones")
        self.progress.hide()
        # shown and hidden at every refresh: its room stays, so that does not re-lay out the whole panel
        progress_room = QWidget()
        progress_room.setFixedHeight(self.progress.sizeHint().height())
        room_layout = QHBoxLayout(progress_room)
        room_layout.setContentsMargins(0, 0, 0, 0)
        room_layout.addWidget(self.progress)
        form.addRow(progress_room)
        self.status = QLabel()
        self.status.setObjectName("liveStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("live data status")
        form.addRow(self.status)
        self.cleanest = QPushButton("Clea&nest region now")
        self.cleanest.setToolTip("The candidate with the lowest current intensity, with the values compared")
        self.cleanest.clicked.connect(self.cleanestRequested)
        form.addRow(self.cleanest)

    def carbon_mode(self) -> CarbonMode:
        mode = self.mode.currentData()
        assert isinstance(mode, CarbonMode)
        return mode

    def current_provider(self) -> str:
        return str(self.provider.currentData())

    def set_providers(self, providers: list[str], current: str) -> None:
        self.provider.blockSignals(True)
        self.provider.clear()
        for name in providers:
            self.provider.addItem(PROVIDER_NAMES[name], name)
        index = self.provider.findData(current)
        self.provider.setCurrentIndex(max(index, 0))
        self.provider.blockSignals(False)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        # Each refresh says "Fetching…" (one line), then what it brought (often three): the label keeps the tallest
        # height it needed, so the messages of every refresh do not re-lay out the whole left column twice.
        needed = self.status.heightForWidth(self.status.width())
        if needed > self.status.minimumHeight():
            self.status.setMinimumHeight(needed)
        self.status.setToolTip(text)

    def set_progress(self, done: int, total: int) -> None:
        busy = done < total
        self.progress.setVisible(busy)
        # QProgressBar repaints at once on a new value, and such a repaint paints every dirty part of the window (the
        # Signals plots too: 110 ms once); with its updates off it only schedules a paint
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setUpdatesEnabled(True)
        self.cancel.setEnabled(busy)

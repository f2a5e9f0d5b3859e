"""Four weight sliders; emits the weights at most every 30 ms while dragging."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QSlider, QWidget

from carbon_gui.core.errors import InputError
from carbon_gui.core.weights import CRITERIA, Weights

THROTTLE_MS = 30

# Alt+S belongs to the Settings menu (the README says Alt+S, K)
LABELS = {"carbon": "&Carbon", "cost": "C&ost", "security": "Securit&y", "latency": "&Latency"}
HINTS = {
    "carbon": "kg CO₂e of the run (energy × grid intensity)",
    "cost": "USD of the run (list price × hours)",
    "security": "trust tier of the region's country (your rules)",
    "latency": "estimated round trip from your location",
}


class WeightsPanel(QGroupBox):
    weightsChanged = Signal(object)  # Weights

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Weights", parent)
        self.sliders: dict[str, QSlider] = {}
        self._shares: dict[str, QLabel] = {}
        self.used: dict[str, QLabel] = {}  # the share the ranking really used, shown only where it differs
        grid = QGridLayout(self)
        for row, name in enumerate(CRITERIA):
            label = QLabel(LABELS[name])
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setPageStep(10)
            slider.setToolTip(HINTS[name])
            slider.setAccessibleName(f"{name} weight")
            slider.setObjectName(f"weight_{name}")
            label.setBuddy(slider)
            share = QLabel()
            share.setMinimumWidth(44)
            share.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider.valueChanged.connect(self._update_shares)
            grid.addWidget(label, row, 0)
            grid.addWidget(slider, row, 1)
            used = QLabel()
            used.setObjectName(f"used_{name}")
            used.setVisible(False)
            grid.addWidget(share, row, 2)
            grid.addWidget(used, row, 3)
            self.sliders[name] = slider
            self._shares[name] = share
            self.used[name] = used
        hint = QLabel("Shares are the weights scaled to sum to 100 %.")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # faint, yet readable on any palette
        grid.addWidget(hint, len(CRITERIA), 0, 1, 4)

    def start_emitting(self) -> None:
        """Connect the sliders, throttled, once there is something to rank. (superqt is imported
        here rather than at start-up: it costs ~60 ms before the first paint otherwise.)"""
        from superqt.utils import QSignalThrottler

        self._throttler = QSignalThrottler(parent=self)
        self._throttler.setTimeout(THROTTLE_MS)
        self._throttler.triggered.connect(self._emit)
        for slider in self.sliders.values():
            slider.valueChanged.connect(self._throttler.throttle)

    def weights(self) -> Weights:
        return Weights(**{name: self.sliders[name].value() / 100 for name in CRITERIA})

    def set_weights(self, weights: Weights) -> None:
        for name in CRITERIA:
            slider = self.sliders[name]
            slider.blockSignals(True)
            slider.setValue(round(weights.get(name) * 100))
            slider.blockSignals(False)
        self._update_shares()

    def set_saved_weights(self, values: dict[str, float]) -> None:
        """Weights from the settings file; the defaults where they are malformed or all zero."""
        try:
            weights = Weights(**values)
        except (TypeError, InputError):
            weights = Weights()
        self.set_weights(weights if weights.total > 0 else Weights())

    def _update_shares(self) -> None:
        total = sum(s.value() for s in self.sliders.values())
        for name, slider in self.sliders.items():
            share = slider.value() / total * 100 if total else 0
            self._shares[name].setText(f"{share:.0f} %")

    def show_used(self, used: dict[str, float] | None, why: str = "") -> None:
        """The weights the ranking used (they sum to 1), beside the sliders when any differs from the slider's share
        (e.g. cost dropped for lack of prices); `why` is their tooltip. None: nothing ranked, nothing to show."""
        total = sum(s.value() for s in self.sliders.values())
        shares = {name: round(s.value() / total * 100) if total else 0 for name, s in self.sliders.items()}
        differs = used is not None and any(round(used[name] * 100) != shares[name] for name in CRITERIA)
        for name, label in self.used.items():
            label.setVisible(differs)
            if differs and used is not None:
                label.setText(f"used {used[name] * 100:.0f} %")
                label.setToolTip(why or "The share the ranking used")

    def _emit(self) -> None:
        self.weightsChanged.emit(self.weights())

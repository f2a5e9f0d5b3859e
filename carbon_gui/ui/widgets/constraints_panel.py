"""Hard limits: maximum price and emissions, Vertex AI only, and the data-residency rule."""

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QWidget,
)

from carbon_gui.core.security import ResidencyRule

RULE_LABELS = {
    ResidencyRule.ANYWHERE: "Anywhere",
    ResidencyRule.EU_EEA: "Data stays in the EU/EEA",
    ResidencyRule.COUNTRIES: "Only named countries",
}


class LimitBox(QDoubleSpinBox):
    """A limit where an empty box means 'no limit' (0): Qt's spin box put the old value back when cleared."""

    def _is_empty(self, text: str) -> bool:
        return not text.removesuffix(self.suffix()).strip()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self._is_empty(text):
            return QValidator.State.Acceptable, text, pos
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> float:
        return 0.0 if self._is_empty(text) else super().valueFromText(text)


def _limit_box(suffix: str, maximum: float, name: str) -> QDoubleSpinBox:
    box = LimitBox()
    box.setObjectName(name)
    box.setRange(0, maximum)
    box.setDecimals(2)
    box.setSuffix(suffix)
    box.setSpecialValueText("no limit")  # shown at 0
    box.setKeyboardTracking(False)
    return box


class ConstraintsPanel(QGroupBox):
    constraintsChanged = Signal()
    editCountriesRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Limits and rules", parent)
        form = QFormLayout(self)
        self.max_price = _limit_box(" USD/h", 10_000, "max_price")
        self.max_emissions = _limit_box(" kg CO₂e", 1_000_000, "max_emissions")
        self.vertex_only = QCheckBox("Only regions where &Vertex AI runs")
        self.rule = QComboBox()
        self.rule.setObjectName("rule")
        for rule, label in RULE_LABELS.items():
            self.rule.addItem(label, rule)
        self.countries = QPushButton("Countries and &trust tiers…")
        form.addRow("Max &price", self.max_price)
        form.addRow("Max &emissions", self.max_emissions)
        form.addRow(self.vertex_only)
        form.addRow("Data &residency", self.rule)
        form.addRow(self.countries)
        self.max_price.valueChanged.connect(lambda _: self.constraintsChanged.emit())
        self.max_emissions.valueChanged.connect(lambda _: self.constraintsChanged.emit())
        self.vertex_only.toggled.connect(lambda _: self.constraintsChanged.emit())
        self.rule.currentIndexChanged.connect(lambda _: self.constraintsChanged.emit())
        self.countries.clicked.connect(self.editCountriesRequested)

    def limit_price(self) -> float | None:
        return self.max_price.value() or None

    def limit_emissions(self) -> float | None:
        return self.max_emissions.value() or None

    def residency_rule(self) -> ResidencyRule:
        rule = self.rule.currentData()
        assert isinstance(rule, ResidencyRule)
        return rule

    def set_values(self, price: float | None, emissions: float | None, vertex_only: bool, rule: ResidencyRule) -> None:
        for w in (self.max_price, self.max_emissions, self.vertex_only, self.rule):
            w.blockSignals(True)
        self.max_price.setValue(price or 0)
        self.max_emissions.setValue(emissions or 0)
        self.vertex_only.setChecked(vertex_only)
        self.rule.setCurrentIndex(self.rule.findData(rule))
        for w in (self.max_price, self.max_emissions, self.vertex_only, self.rule):
            w.blockSignals(False)

"""Edit the residency rule, the allowed countries and each country's trust tier."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.catalog import Jurisdiction
from carbon_gui.core.security import TRUST_TIERS, ResidencyRule, SecurityPolicy
from carbon_gui.ui.dialogs.screen_fit import resize_within_screen

COLUMNS = ("Country", "EU/EEA", "EU adequacy", "Allowed (named-countries rule)", "Trust tier")


class SecurityDialog(QDialog):
    def __init__(self, jurisdictions: list[Jurisdiction], policy: SecurityPolicy, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Countries and trust tiers")
        self._jurisdictions = sorted(jurisdictions, key=lambda j: j.country)
        self._rule = policy.rule
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Defaults: EU/EEA members are <b>trusted</b>, countries with an EU adequacy decision "
            "<b>adequate</b>, others <b>standard</b>. Scores: "
            + ", ".join(f"{t} {s:g}" for t, s in TRUST_TIERS.items())
            + ".<br>Tick the countries allowed under the “named countries” rule."
        )
        intro.setWordWrap(True)  # unwrapped, it made the dialog 1075 px wide at least
        layout.addWidget(intro)
        self.table = QTableWidget(len(self._jurisdictions), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the long adequacy notes take the room that is left (their tooltip has the whole note): country names and
        # the tier menus stay whole, with no sideways scrolling
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a long note wraps
        self._tiers: list[QComboBox] = []
        for row, j in enumerate(self._jurisdictions):
            self.table.setItem(row, 0, self._readonly(f"{j.country} ({j.iso3})"))
            self.table.setItem(row, 1, self._readonly("yes" if j.in_eu_eea else "no"))
            adequacy = self._readonly(j.eu_adequacy + (f" — {j.note}" if j.note else ""))
            adequacy.setToolTip(adequacy.text())
            self.table.setItem(row, 2, adequacy)
            allowed = QTableWidgetItem()
            allowed.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            allowed.setCheckState(
                Qt.CheckState.Checked if j.iso3 in policy.allowed_countries else Qt.CheckState.Unchecked
            )
            self.table.setItem(row, 3, allowed)
            tier = QComboBox()
            tier.addItems(list(TRUST_TIERS))
            tier.setCurrentText(policy.tier(j))
            tier.setAccessibleName(f"trust tier of {j.country}")
            self.table.setCellWidget(row, 4, tier)
            self._tiers.append(tier)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        resize_within_screen(self, 820, 560)

    @staticmethod
    def _readonly(text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        return item

    def allowed_countries(self) -> frozenset[str]:
        allowed = set()
        for row, j in enumerate(self._jurisdictions):
            item = self.table.item(row, 3)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                allowed.add(j.iso3)
        return frozenset(allowed)

    def trust_overrides(self) -> dict[str, str]:
        """Only tiers that differ from the country's default, so defaults can change later."""
        return {
            j.iso3: combo.currentText()
            for j, combo in zip(self._jurisdictions, self._tiers, strict=True)
            if combo.currentText() != j.default_trust
        }

    def set_tier(self, iso3: str, tier: str) -> None:
        for j, combo in zip(self._jurisdictions, self._tiers, strict=True):
            if j.iso3 == iso3:
                combo.setCurrentText(tier)

    def policy(self, rule: ResidencyRule) -> SecurityPolicy:
        allowed = self.allowed_countries()
        if rule is ResidencyRule.COUNTRIES and not allowed:
            rule = ResidencyRule.ANYWHERE  # nothing ticked: the main window says so
        return SecurityPolicy(rule, allowed, self.trust_overrides())

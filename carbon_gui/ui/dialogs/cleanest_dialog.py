"""'Cleanest region now': the candidate with the lowest current intensity, and every value it was compared with,
each with its source, kind, whether it is estimated, and its age (STALE when kept from an earlier fetch)."""

from datetime import datetime
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.core.live_carbon import latest_figure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import GridSignal
from carbon_gui.ui.dialogs.screen_fit import resize_within_screen

MAX_ROWS = 12
HEADERS = ("Region", "gCO₂e/kWh", "Zone", "Source", "Kind", "Estimated", "As of, age")


def compared_rows(
    rows: list[tuple[str, float, GridSignal]], now: datetime, stale_after_s: float | None
) -> list[tuple[str, float, GridSignal, Provenance]]:
    """Each compared value with core's provenance for it (source, kind, estimated, age and STALE mark)."""
    described = []
    for region, value, signal in rows:
        figure = latest_figure(signal, now, stale_after_s)
        if not isinstance(figure, str):  # cleanest_now only passes signals with a latest value
            described.append((region, value, signal, figure[1]))
    return described


def compared_text(compared: int, candidates: int) -> str:
    if compared == candidates:
        return f"Compared among the {candidates} ranked regions"
    return f"Compared the {compared} of the {candidates} ranked regions that have a current value"


def left_out_html(left_out: dict[str, str]) -> str:
    """'Left out: a, b (no value for their grid zone in …).', one sentence per reason."""
    by_reason: dict[str, list[str]] = {}
    for region, reason in left_out.items():
        by_reason.setdefault(reason, []).append(region)
    return "<br>".join(
        f"<b>Left out</b> ({escape(reason)}): {escape(', '.join(sorted(regions)))}."
        for reason, regions in by_reason.items()
    )


class CleanestDialog(QDialog):
    def __init__(
        self,
        rows: list[tuple[str, float, GridSignal]],  # cleanest first, as core.cleanest.cleanest_now returns them
        candidates: int,
        now: datetime,
        stale_after_s: float | None,
        parent: QWidget | None = None,
        left_out: dict[str, str] | None = None,  # ranked regions not compared -> why (core.cleanest.missing_now)
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cleanestMessage")
        self.setWindowTitle("Cleanest region now")
        described = compared_rows(rows, now, stale_after_s)
        region, value, signal, provenance = described[0]
        replay = " — <b>a replay of 2024 data, not live</b>" if signal.is_replay else ""
        stale = " — <b>STALE</b>" if "STALE" in provenance.as_of else ""
        self.summary = QLabel(
            f"<b>{escape(region)}</b>: {value:.0f} gCO₂e/kWh ({escape(signal.source)}, {escape(signal.kind.value)})"
            f"{replay}{stale}.<br>{compared_text(len(described), candidates)}"
            f"{f' (the {MAX_ROWS} lowest shown)' if len(described) > MAX_ROWS else ''}:"
        )
        self.summary.setObjectName("cleanestSummary")
        self.summary.setWordWrap(True)
        self.left_out = QLabel(left_out_html(left_out or {}))
        self.left_out.setObjectName("cleanestLeftOut")
        self.left_out.setWordWrap(True)
        self.left_out.setVisible(bool(left_out))
        self.table = QTableWidget(min(len(described), MAX_ROWS), len(HEADERS))
        self.table.setObjectName("cleanestTable")
        self.table.setAccessibleName("Values compared")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, (name, number, sig, prov) in enumerate(described[:MAX_ROWS]):
            cells = (name, f"{number:.0f}", sig.zone, prov.source, prov.kind, "yes" if prov.estimated else "no",
                     prov.as_of)  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(prov.label())
                if column == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        width = sum(self.table.columnWidth(c) for c in range(len(HEADERS))) + 60
        self.table.horizontalHeader().setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        # on a narrow screen the source and the age wrap onto a second line instead of being cut
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.left_out)
        layout.addWidget(buttons)
        resize_within_screen(self, min(max(width, 640), 1300), 140 + 30 * self.table.rowCount())
        if self.width() < width:  # the source column gives up what the screen lacks; the age gets the rest
            source = HEADERS.index("Source")
            short = max(self.table.columnWidth(source) - (width - self.width()) // 2, 120)
            self.table.setColumnWidth(source, short)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

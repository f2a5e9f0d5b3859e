"""Table model over a Ranking: one row per ranked region, every number with its unit and source."""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from carbon_gui.core.catalog import PRICE_PROVENANCE
from carbon_gui.core.energy import POWER_PROVENANCE
from carbon_gui.core.geo import LATENCY_METHOD
from carbon_gui.core.scoring import Ranking, ScoredRegion
from carbon_gui.ui.formatting import fmt, fmt_sig, place
from carbon_gui.ui.live_labels import cfe_provenance
from carbon_gui.ui.plots.intensity_colors import intensity_color

SORT_ROLE = Qt.ItemDataRole.UserRole  # raw value, so sorting is numeric
REGION_ROLE = Qt.ItemDataRole.UserRole + 1  # region name of the row

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[ScoredRegion], Any]  # raw value for sorting
    text: Callable[[ScoredRegion], str]
    tooltip: Callable[[ScoredRegion], str]
    numeric: bool = True
    unit: str = ""  # shown under the header, so cells stay narrow

    @property
    def title(self) -> str:
        return f"{self.header}\n{self.unit}" if self.unit else self.header


def _cfe(s: ScoredRegion) -> float | None:
    share = s.facts.carbon.cfe_share
    return None if share is None else share * 100


def _as_of_cell(as_of: str) -> str:
    """Core's as_of with its STALE mark moved to the front, so a narrow cell still shows it (the tooltip has all)."""
    fresh, mark, _why = as_of.partition("; STALE")
    return f"STALE · {fresh}" if mark else as_of


COLUMNS: tuple[Column, ...] = (
    Column("Rank", lambda s: s.rank, lambda s: str(s.rank), lambda s: "Rank by total score (1 = best)"),
    Column(
        "Region",
        lambda s: s.name,
        lambda s: s.name,
        lambda s: "Vertex AI region" if s.facts.region.vertex_supported else "Not a Vertex AI region",
        numeric=False,
    ),
    Column(
        "Score",
        lambda s: s.score,
        lambda s: f"{s.score * 100:.1f}",
        lambda s: "Weighted sum of normalised criteria, 0–100; see the details panel",
        unit="0–100",
    ),
    Column(
        "Emissions",
        lambda s: s.facts.emissions_kg,
        lambda s: fmt_sig(s.facts.emissions_kg),
        lambda s: f"Estimate: energy × grid intensity. Intensity: {s.facts.carbon.provenance.label()}",
        unit="kg CO₂e, est.",
    ),
    Column(  # filled by the model from the latest When plan: see RegionTableModel.set_best_starts
        "Best start",
        lambda s: "",
        lambda s: "",
        lambda s: "",
        numeric=False,
        unit="UTC, When plan",
    ),
    Column(
        "Intensity",
        lambda s: s.facts.intensity,
        lambda s: fmt(s.facts.intensity, 1),
        lambda s: s.facts.carbon.provenance.label(),
        unit="gCO₂e/kWh",
    ),
    Column(
        "Intensity as of",
        lambda s: s.facts.carbon.provenance.as_of,
        lambda s: _as_of_cell(s.facts.carbon.provenance.as_of),
        lambda s: s.facts.carbon.provenance.label(),
        numeric=False,
        unit="source, age",
    ),
    Column(
        "Price",
        lambda s: s.facts.price.usd_per_hour,
        lambda s: fmt(s.facts.price.usd_per_hour, 2) if s.facts.price.usd_per_hour else "unknown",
        lambda s: f"{s.facts.price.note}. {PRICE_PROVENANCE.label()}",
        unit="USD/h, list",
    ),
    Column(
        "Latency",
        lambda s: s.facts.latency_ms,
        lambda s: fmt(s.facts.latency_ms, 0),
        lambda s: LATENCY_METHOD,
        unit="ms, est.",
    ),
    Column(
        "Security",
        lambda s: s.criteria[2].raw,
        lambda s: s.security_tier,
        lambda s: f"Trust tier of {s.facts.region.jurisdiction.country} (your rules)",
        numeric=False,
    ),
    Column(
        "Google CFE",
        _cfe,
        lambda s: fmt(_cfe(s), 0),
        lambda s: "",  # the model adds the year of Google's figure: see RegionTableModel.cfe_tooltip
        unit="%",
    ),
    Column(
        "PUE",
        lambda s: s.facts.region.pue,
        lambda s: fmt(s.facts.region.pue, 2),
        lambda s: s.facts.region.pue_provenance.label(),
    ),
    Column(
        "Energy",
        lambda s: s.facts.energy_kwh,
        lambda s: fmt(s.facts.energy_kwh, 1),
        lambda s: f"Estimate: {s.facts.power.total_watts:,.0f} W × run length × PUE. " + POWER_PROVENANCE.label(),
        unit="kWh, est.",
    ),
    Column(
        "Location",
        lambda s: s.facts.region.location,
        lambda s: place(s.facts.region.location, s.facts.region.jurisdiction.country),
        lambda s: s.facts.region.jurisdiction.country,
        numeric=False,
    ),
    Column(
        "Vertex AI",
        lambda s: s.facts.region.vertex_supported,
        lambda s: "yes" if s.facts.region.vertex_supported else "no",
        lambda s: "Listed as supported by the Vertex AI SDK",
        numeric=False,
    ),
    Column(
        "Grid zone",
        lambda s: s.facts.region.grid_zone,
        lambda s: s.facts.region.grid_zone or "—",
        lambda s: "Electricity Maps zone of the data centre",
        numeric=False,
    ),
)

INTENSITY_COLUMN = next(i for i, c in enumerate(COLUMNS) if c.header == "Intensity")
CFE_COLUMN = next(i for i, c in enumerate(COLUMNS) if c.header == "Google CFE")
BEST_START_COLUMN = next(i for i, c in enumerate(COLUMNS) if c.header == "Best start")
_PER_RANKING = tuple(i for i, c in enumerate(COLUMNS) if c.header in ("Rank", "Score", "Security"))  # not facts
NO_PLAN_TOOLTIP = "No When plan yet: open the When tab (Ctrl+6); it plans the best start of every region."


_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_SORT = int(SORT_ROLE.value)
_REGION = int(REGION_ROLE)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


@functools.lru_cache(maxsize=512)
def _intensity_qcolor(intensity: float) -> QColor:
    """The colour of an intensity, kept: a region's intensity stays while sliders move (the colour map costs ~40 µs)."""
    return QColor(*intensity_color(intensity))


class RegionTableModel(QAbstractTableModel):
    """Keeps its rows in the order shown (it sorts itself, see `sort`), so a re-rank that leaves the order alone
    updates the cells in place: a model reset per slider step made the view and a sorting proxy read every cell."""

    def __init__(self) -> None:
        super().__init__()
        self._ranked: tuple[ScoredRegion, ...] = ()  # in rank order: the tie order of every sort
        self._rows: tuple[ScoredRegion, ...] = ()  # in the order shown
        self._texts: list[list[str]] = []  # formatted once per ranking: views ask for them often
        self._fact_texts: dict[str, tuple[object, list[str]]] = {}  # region -> (its facts, texts): see _row_texts
        self._colors: list[QColor] = []
        self._sort_column = 0
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.cfe_tooltip = ""
        self._best_starts: dict[str, tuple[str, str]] = {}  # region -> (text, tooltip) from the latest When plan

    def set_ranking(self, ranking: Ranking, carbon_year: int | None = None) -> None:
        """`carbon_year`: the year of Google's figures, which the CFE share always comes from (also in live mode)."""
        self.cfe_tooltip = f"Google CFE: {cfe_provenance(carbon_year).label()}. Shown for reference; not in the score."
        self._ranked = ranking.ranked
        rows = self._ordered()
        if [s.name for s in rows] == [s.name for s in self._rows] and rows:
            self._set_rows(rows)
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._set_rows(rows)
        self.endResetModel()

    def _set_rows(self, rows: tuple[ScoredRegion, ...]) -> None:
        self._rows = rows
        self._texts = [self._row_texts(s) for s in rows]
        self._fill_best_starts()
        self._colors = [_intensity_qcolor(s.facts.intensity) for s in rows]

    def _row_texts(self, scored: ScoredRegion) -> list[str]:
        """A row's texts; those that follow the region's facts alone are kept while the facts are the same object (a
        slider step re-ranks the same assessment: only the rank, score and trust tier change)."""
        kept = self._fact_texts.get(scored.name)
        if kept is None or kept[0] is not scored.facts:
            kept = (scored.facts, [c.text(scored) for c in COLUMNS])
            self._fact_texts[scored.name] = kept
        texts = list(kept[1])
        for column in _PER_RANKING:
            texts[column] = COLUMNS[column].text(scored)
        return texts

    def _sort_value(self, scored: ScoredRegion, column: int) -> Any:
        if column == BEST_START_COLUMN:  # "now" before any time; ISO-like times sort as text; no plan last
            text = self._best_starts.get(scored.name, ("", ""))[0]
            return "0" if text == "now" else text or "~"
        value = COLUMNS[column].value(scored)
        return float("inf") if value is None else value

    def _ordered(self) -> tuple[ScoredRegion, ...]:
        """The rows in rank order, sorted (stably) by the chosen column, as Qt's sorting proxy did."""
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        column = self._sort_column

        def key(scored: ScoredRegion) -> tuple[bool, Any]:  # missing (inf) last: no str-to-float comparison
            value = self._sort_value(scored, column)
            return value == float("inf"), value

        return tuple(sorted(self._ranked, key=key, reverse=descending))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Called by the view when the user clicks a header (or `sortByColumn`)."""
        if not 0 <= column < len(COLUMNS):
            return
        self._sort_column, self._sort_order = column, order
        self._reorder()

    def _reorder(self) -> None:
        rows = self._ordered()
        if rows == self._rows:
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {s.name: i for i, s in enumerate(rows)}
        old = self.persistentIndexList()  # the selection and current row follow their region
        moved = [self.index(new_row[self._rows[i.row()].name], i.column()) for i in old]
        self._set_rows(rows)
        self.changePersistentIndexList(old, moved)
        self.layoutChanged.emit()

    def set_best_starts(self, starts: Mapping[str, tuple[str, str]]) -> None:
        """The latest When plan's best start per region: (text such as 'now' or a UTC time, tooltip)."""
        self._best_starts = dict(starts)
        self._fill_best_starts()
        if self._rows:
            column = BEST_START_COLUMN
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))
            if self._sort_column == column:
                self._reorder()

    def _fill_best_starts(self) -> None:
        for texts, scored in zip(self._texts, self._rows, strict=True):
            texts[BEST_START_COLUMN] = self._best_starts.get(scored.name, ("", ""))[0]

    def _best_start_tooltip(self, region: str) -> str:
        if not self._best_starts:
            return NO_PLAN_TOOLTIP
        return self._best_starts.get(region, ("", "Not in the latest When plan (excluded by it, or no data)."))[1]

    def scored(self, row: int) -> ScoredRegion:
        return self._rows[row]

    def regions_shown(self) -> tuple[str, ...]:
        """The regions top to bottom in the column sort the user chose."""
        return tuple(s.name for s in self._rows)

    def row_of(self, region: str) -> int | None:
        return next((i for i, s in enumerate(self._rows) if s.name == region), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == _DISPLAY:
            return self._texts[row][col]
        if role == _ALIGN:
            return _RIGHT if COLUMNS[col].numeric else None
        if role == _DECORATION:
            return self._colors[row] if col == INTENSITY_COLUMN else None
        if role == _TOOLTIP:
            if col == BEST_START_COLUMN:
                return self._best_start_tooltip(self._rows[row].name)
            return self.cfe_tooltip if col == CFE_COLUMN else COLUMNS[col].tooltip(self._rows[row])
        if role == _SORT:
            return self._sort_value(self._rows[row], col)
        if role == _REGION:
            return self._rows[row].name
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

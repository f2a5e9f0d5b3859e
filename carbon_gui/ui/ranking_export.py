"""File → Export ranking as CSV / JSON: the ranking on screen, in the shape `carbon-gui rank --json` prints.

The JSON is core.report's ranking_dict with the same context the CLI writes, so a script can read either. Both list
the ranked regions in the table's order (the column sort the user chose); each keeps its rank. The CSV
has one row per ranked region, with the JSON's flat fields as columns (their names carry the units).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from carbon_gui.core.report import YEARLY_INTENSITY_SOURCE, ranking_context, ranking_dict
from carbon_gui.core.scoring import Assessment, Ranking
from carbon_gui.core.weights import CRITERIA, Weights
from carbon_gui.ui.dialogs.messages import show_error


@dataclass(frozen=True)
class ShownRanking:
    """The ranking on screen and what it was made from."""

    ranking: Ranking
    assessment: Assessment
    weights: Weights
    trust_overrides: Mapping[str, str]  # ISO3 -> tier
    table_order: tuple[str, ...] = ()  # the regions as the table shows them; empty: rank order


def ranking_json(shown: ShownRanking) -> str:
    context = ranking_context(shown.assessment.scenario, shown.weights, shown.trust_overrides)
    live = shown.assessment.live
    source = YEARLY_INTENSITY_SOURCE if live is None else live.description
    report = ranking_dict(shown.ranking, context, source)
    if shown.table_order:
        position = {name: i for i, name in enumerate(shown.table_order)}
        report["ranked"].sort(key=lambda region: position.get(region["region"], len(position)))
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def ranking_csv(shown: ShownRanking) -> str:
    """One row per ranked region (at least one): the JSON's fields, each criterion's weight and share of the score."""
    rows = [_flat(region) for region in json.loads(ranking_json(shown))["ranked"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _flat(region: dict[str, Any]) -> dict[str, Any]:
    criteria = region.pop("criteria")
    for name in CRITERIA:  # shares of the score (0-1); their raw values are columns already (emissions, cost, ...)
        region[f"{name}_weight"] = criteria[name]["weight"]
        region[f"{name}_contribution"] = criteria[name]["contribution"]
    return region


FORMATS: dict[str, tuple[str, Callable[[ShownRanking], str]]] = {
    "CSV": ("CSV (*.csv)", ranking_csv),
    "JSON": ("JSON (*.json)", ranking_json),
}
ChoosePath = Callable[[QWidget, str], Path | None]  # (parent, suggested file name) -> the file, or None to cancel


def ask_path(parent: QWidget, suggested_name: str) -> Path | None:
    suffix = Path(suggested_name).suffix
    kind = FORMATS[suffix[1:].upper()][0]
    path, _ = QFileDialog.getSaveFileName(parent, f"Export ranking as {suffix[1:].upper()}",
                                          str(Path.home() / suggested_name), kind)  # fmt: skip
    return Path(path) if path else None


class RankingExport(QObject):
    """The File menu's two export actions; `choose_path` is replaceable so tests never open a file dialog."""

    def __init__(self, window: QMainWindow, shown: Callable[[], ShownRanking | None]) -> None:
        super().__init__(window)
        self._window, self._shown = window, shown
        self.choose_path: ChoosePath = ask_path
        self.actions: list[QAction] = []
        for fmt in FORMATS:
            action = QAction(f"Export ranking as {fmt}…", window)
            action.setObjectName(f"exportRanking{fmt}Action")
            action.triggered.connect(lambda _=False, fmt=fmt: self.export(fmt))
            self.actions.append(action)

    def export(self, fmt: str) -> Path | None:
        title = f"Export ranking as {fmt}"
        shown = self._shown()
        if shown is None:
            show_error(self._window, title, "Nothing is ranked yet: wait until the ranking appears, then export it.")
            return None
        if shown.weights.total <= 0:
            show_error(self._window, title, "Set at least one weight above zero: the ranking on screen is not current.")
            return None
        if fmt == "CSV" and not shown.ranking.ranked:
            show_error(self._window, title, "No region is ranked, so the table is empty. The JSON export lists the "
                       "regions not ranked and why.")  # fmt: skip
            return None
        suffix = f".{fmt.lower()}"
        path = self.choose_path(self._window, f"carbon-ranking{suffix}")
        if path is None:
            return None
        path = path if path.suffix else path.with_suffix(suffix)
        try:
            path.write_bytes(FORMATS[fmt][1](shown).encode("utf-8"))
        except OSError as err:
            show_error(self._window, title, f"Not exported: {path} could not be written ({err.strerror or err}).")
            return None
        self._window.statusBar().showMessage(f"Exported the ranking ({len(shown.ranking.ranked)} regions) to {path}")
        return path

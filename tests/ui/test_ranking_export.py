"""Issue 11 item 9: File → Export ranking as CSV / JSON writes the ranking on screen: the JSON is what
`carbon-gui rank --json` prints for the same plan, the CSV has a header row with units, rows in the table's order;
a file that cannot be written is a one-line message."""

import csv
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from carbon_gui.cli import main as cli_main
from carbon_gui.core.signals import CarbonMode
from tests.ui.conftest import PARIS, error_boxes
from tests.ui.test_live_window import live_window


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, f"no {name} in the window's menus"
    return found


def table_regions(window) -> list[str]:
    """The Ranking table's regions top to bottom, as the user sees them."""
    proxy = window.proxy
    return [window.table_model.scored(proxy.mapToSource(proxy.index(row, 0)).row()).name
            for row in range(proxy.rowCount())]  # fmt: skip


def export(window, fmt: str, path: Path) -> None:
    offered: list[str] = []
    window.ranking_export.choose_path = lambda _parent, suggested: offered.append(suggested) or path
    action(window, f"exportRanking{fmt}Action").trigger()
    assert offered and offered[0].endswith(f".{fmt.lower()}")


def cli_rank_json(window) -> dict:
    """`carbon-gui rank --json` for the plan on screen (the window's machine, hours, weights and place)."""
    settings = window.current_settings()
    weights = ",".join(f"{name}={value}" for name, value in settings.weights.items())
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli_main(["rank", "--machine", settings.machine, "--hours", str(settings.hours), "--weights", weights,
                         "--from", f"{PARIS.lat}, {PARIS.lon}", "--json"])  # fmt: skip
    assert code == 0
    return json.loads(out.getvalue())


def test_the_json_is_what_rank_json_prints_for_the_same_plan(window, tmp_path) -> None:
    export(window, "JSON", tmp_path / "ranking.json")
    exported = json.loads((tmp_path / "ranking.json").read_text(encoding="utf-8"))
    assert [r["region"] for r in exported["ranked"]] == table_regions(window)
    assert exported["ranked"], "the default plan ranks regions"
    printed = cli_rank_json(window)
    # the same place by coordinates: only its name and where it came from differ
    assert exported.pop("from")["lat"] == printed.pop("from")["lat"]
    assert exported == printed


def test_the_csv_has_units_in_its_header_and_the_tables_rows_in_order(window, tmp_path) -> None:
    export(window, "CSV", tmp_path / "ranking.csv")
    rows = list(csv.DictReader((tmp_path / "ranking.csv").read_text(encoding="utf-8").splitlines()))
    assert [row["region"] for row in rows] == table_regions(window)
    header = rows[0].keys()
    with_units = ("intensity_gco2_kwh", "emissions_kgco2e", "price_usd_per_hour", "latency_ms_estimate", "energy_kwh",
                  "cost_usd", "carbon_weight", "carbon_contribution")  # fmt: skip  # the JSON's names
    for column in with_units:
        assert column in header
    assert [int(row["rank"]) for row in rows] == list(range(1, len(rows) + 1))
    assert window.ranking is not None
    best = window.ranking.ranked[0]
    assert float(rows[0]["emissions_kgco2e"]) == pytest.approx(best.facts.emissions_kg, rel=1e-3)
    assert float(rows[0]["intensity_gco2_kwh"]) == pytest.approx(best.facts.intensity)


def test_a_name_without_suffix_gets_one(window, tmp_path) -> None:
    export(window, "CSV", tmp_path / "ranking")
    assert (tmp_path / "ranking.csv").read_text(encoding="utf-8").startswith("region,rank,score,")


@pytest.mark.parametrize("fmt", ["CSV", "JSON"])
def test_a_file_that_cannot_be_written_is_a_clear_message(window, tmp_path, fmt) -> None:
    target = tmp_path / f"taken.{fmt.lower()}"
    target.mkdir()  # a directory where the file should go
    export(window, fmt, target)
    boxes = error_boxes(window)
    assert len(boxes) == 1
    text = boxes[0].text()
    assert str(target) in text and "Is a directory" in text and "\n" not in text


def test_with_nothing_ranked_the_csv_is_refused_and_the_json_says_why(qtbot, window, tmp_path) -> None:
    window.constraints_panel.max_price.setValue(0.01)  # USD/h: no machine is that cheap
    qtbot.waitUntil(lambda: window.ranking is not None and not window.ranking.ranked, timeout=5000)
    window.ranking_export.choose_path = lambda _parent, _name: tmp_path / "empty.csv"
    action(window, "exportRankingCSVAction").trigger()  # refused before a file is asked for
    boxes = error_boxes(window)
    assert len(boxes) == 1 and "No region is ranked" in boxes[0].text()
    assert not (tmp_path / "empty.csv").exists()
    boxes[0].close()
    export(window, "JSON", tmp_path / "empty.json")
    exported = json.loads((tmp_path / "empty.json").read_text(encoding="utf-8"))
    assert exported["ranked"] == [] and exported["excluded"]
    assert all(row["reason"] for row in exported["excluded"])


def test_a_ranking_on_replayed_values_says_so_in_the_json(qtbot, tmp_path) -> None:
    window = live_window(qtbot)  # no key: the bundled 2024 replay
    panel = window.carbon_panel
    panel.mode.setCurrentIndex(panel.mode.findData(CarbonMode.LATEST))
    qtbot.waitUntil(lambda: window.ranking is not None and "2024 replay" in window.summary.text(), timeout=5000)
    export(window, "JSON", tmp_path / "replayed.json")
    exported = json.loads((tmp_path / "replayed.json").read_text(encoding="utf-8"))
    assert exported["sources"]["intensity"] == window._assessment.live.description  # not "Google ... yearly"
    assert "2024 replay" in exported["sources"]["intensity"]
    assert [r["region"] for r in exported["ranked"]] == table_regions(window)
    assert all("2024" in r["intensity_source"] for r in exported["ranked"])
    window.close()


@pytest.mark.parametrize("fmt", ["CSV", "JSON"])
def test_the_export_follows_the_column_sort_the_user_chose(qtbot, window, tmp_path, fmt) -> None:
    """Issue 11: the rows come in the order the table shows after a header click, not in rank order."""
    region_column = next(c for c in range(window.proxy.columnCount())
                         if window.proxy.headerData(c, Qt.Orientation.Horizontal).startswith("Region"))  # fmt: skip
    window.table.sortByColumn(region_column, Qt.SortOrder.DescendingOrder)  # what a header click does
    shown = table_regions(window)
    assert shown == sorted(shown, reverse=True) and shown != [r.name for r in window.ranking.ranked]
    path = tmp_path / f"sorted.{fmt.lower()}"
    export(window, fmt, path)
    text = path.read_text(encoding="utf-8")
    exported = ([row for row in csv.DictReader(text.splitlines())] if fmt == "CSV"
                else json.loads(text)["ranked"])  # fmt: skip
    assert [row["region"] for row in exported] == shown
    ranks = {r.name: r.rank for r in window.ranking.ranked}
    assert [int(row["rank"]) for row in exported] == [ranks[name] for name in shown]  # each keeps its rank

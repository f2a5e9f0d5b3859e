"""The table models, tested without a window (pytest-qt's model tester checks Qt's contracts)."""

from PySide6.QtCore import Qt

from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.ui.models.excluded_table_model import ExcludedTableModel
from carbon_gui.ui.models.region_table_model import COLUMNS, REGION_ROLE, SORT_ROLE, RegionTableModel

PARIS = Location("Paris", 48.85, 2.35)


def _ranking(reference, machine="a2-highgpu-1g", gpu=None):
    return plan(reference, PlanRequest(machine, 12, PARIS, accelerator=gpu), Weights(), Constraints())


def _column(name: str) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c.header == name)


def test_model_rows_follow_the_ranking(qtmodeltester, reference):
    ranking = _ranking(reference)
    model = RegionTableModel()
    model.set_ranking(ranking)
    qtmodeltester.check(model)
    assert model.rowCount() == len(ranking.ranked) == 10
    for row, scored in enumerate(ranking.ranked):
        assert model.index(row, _column("Region")).data() == scored.name
        assert model.index(row, 0).data(REGION_ROLE) == scored.name
        assert model.index(row, _column("Score")).data(SORT_ROLE) == scored.score


def test_headers_carry_units_and_cells_their_sources(reference):
    model = RegionTableModel()
    model.set_ranking(_ranking(reference))
    header = {c.header: model.headerData(i, Qt.Orientation.Horizontal) for i, c in enumerate(COLUMNS)}
    assert header["Intensity"] == "Intensity\ngCO₂e/kWh"
    assert "USD/h" in header["Price"] and "est." in header["Emissions"] and "est." in header["Latency"]
    tip = model.index(0, _column("Intensity")).data(Qt.ItemDataRole.ToolTipRole)
    assert "Google region-carbon-info" in tip and "2024" in tip
    price_tip = model.index(0, _column("Price")).data(Qt.ItemDataRole.ToolTipRole)
    assert "proxy for the Vertex AI" in price_tip


def test_unknown_price_says_so_and_sorts_last(reference):
    model = RegionTableModel()
    model.set_ranking(_ranking(reference, "n1-standard-8", "nvidia-tesla-t4"))
    assert model.rowCount() > 0
    price = model.index(0, _column("Price"))
    assert price.data() == "unknown"
    assert price.data(SORT_ROLE) == float("inf")


def test_excluded_model_lists_every_left_out_region_with_its_reason(qtmodeltester, reference):
    ranking = _ranking(reference)
    model = ExcludedTableModel()
    model.set_excluded(ranking.excluded)
    qtmodeltester.check(model)
    assert model.rowCount() == 35
    names = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert "europe-west9" in names
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "europe-west9")
    assert model.index(row, 2).data() == "a2-highgpu-1g is not offered in europe-west9"

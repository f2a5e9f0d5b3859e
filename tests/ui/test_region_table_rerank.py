"""A re-rank over the same regions updates cells in place: no model reset (it cost ~8 ms per slider step)."""

from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.ui.models.region_table_model import COLUMNS, REGION_ROLE, SORT_ROLE, RegionTableModel

PARIS = Location("Paris", 48.85, 2.35)


def test_rerank_over_the_same_regions_updates_cells_without_a_reset(qtmodeltester, reference):
    request = PlanRequest("a2-highgpu-1g", 12, PARIS)
    first = plan(reference, request, Weights(), Constraints())
    second = plan(reference, request, Weights(carbon=5, cost=0, latency=0), Constraints())
    assert {s.name for s in first.ranked} == {s.name for s in second.ranked}
    assert [s.score for s in first.ranked] != [s.score for s in second.ranked]  # the step changes something
    model = RegionTableModel()
    model.set_ranking(first)
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *args: changes.append(args))
    model.set_ranking(second)
    qtmodeltester.check(model)
    assert resets == [] and changes
    score = next(i for i, c in enumerate(COLUMNS) if c.header == "Score")
    shown = {model.index(row, 0).data(REGION_ROLE): model.index(row, score).data(SORT_ROLE)
             for row in range(model.rowCount())}
    assert shown == {s.name: s.score for s in second.ranked}

"""The ranking's Best start column, without a window: blank with a tooltip before a plan, then the plan's starts."""

from PySide6.QtCore import QSortFilterProxyModel, Qt

from carbon_gui.core.geo import Location
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.ui.models.region_table_model import BEST_START_COLUMN, NO_PLAN_TOOLTIP, SORT_ROLE, RegionTableModel

TOOLTIP = Qt.ItemDataRole.ToolTipRole


def _model(reference) -> RegionTableModel:
    model = RegionTableModel()
    model.set_ranking(plan(reference, PlanRequest("n1-standard-8", 4, Location("Paris", 48.85, 2.35)), Weights(),
                           Constraints()))  # fmt: skip
    return model


def test_blank_with_a_tooltip_then_the_plans_starts_which_survive_a_rerank(qtmodeltester, reference) -> None:
    model = _model(reference)
    names = [model.scored(row).name for row in range(model.rowCount())]
    cells = [model.index(row, BEST_START_COLUMN) for row in range(model.rowCount())]
    assert {c.data() for c in cells} == {""} and {c.data(TOOLTIP) for c in cells} == {NO_PLAN_TOOLTIP}

    starts = {names[0]: ("now", "best now"), names[1]: ("2026-12-06 03:00 UTC", "best later")}
    changed: list[int] = []
    model.dataChanged.connect(lambda first, last, *_: changed.append(first.column()))
    model.set_best_starts(starts)
    qtmodeltester.check(model)
    assert changed == [BEST_START_COLUMN]
    assert [cells[0].data(), cells[1].data(), cells[2].data()] == ["now", "2026-12-06 03:00 UTC", ""]
    assert cells[1].data(TOOLTIP) == "best later" and "Not in the latest When plan" in cells[2].data(TOOLTIP)

    model.set_ranking(plan(reference, PlanRequest("n1-standard-8", 4, Location("Paris", 48.85, 2.35)), Weights(),
                           Constraints()))  # fmt: skip  # a re-rank keeps the latest plan's starts
    assert model.index(model.row_of(names[1]), BEST_START_COLUMN).data() == "2026-12-06 03:00 UTC"

    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(BEST_START_COLUMN)  # now first, then times, regions without a start last
    order = [proxy.index(row, BEST_START_COLUMN).data() for row in range(proxy.rowCount())]
    assert order[:2] == ["now", "2026-12-06 03:00 UTC"] and set(order[2:]) == {""}

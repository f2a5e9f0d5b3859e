"""A slider step that leaves the table's order alone updates its cells in place: no model reset (which dropped the
selection and made the view and the sorting layer read every cell again), and the sort the user chose still holds."""

from PySide6.QtCore import Qt

from carbon_gui.ui.models.region_table_model import COLUMNS, SORT_ROLE


def column(name: str) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c.header == name)


def shown(window, header: str) -> list[str]:
    proxy, col = window.proxy, column(header)
    return [proxy.index(row, col).data() for row in range(proxy.rowCount())]


def test_a_rerank_in_the_same_order_updates_cells_without_a_reset(window, qtbot) -> None:
    resets: list[int] = []
    window.table_model.modelReset.connect(lambda: resets.append(1))
    window.proxy.modelReset.connect(lambda: resets.append(1))
    slider = window.weights_panel.sliders["latency"]
    scores = shown(window, "Score")
    order = shown(window, "Region")
    slider.setValue(slider.value() + 1)  # a small step: same order, other scores
    qtbot.waitUntil(lambda: shown(window, "Score") != scores, timeout=5000)
    assert shown(window, "Region") == order
    assert resets == []


def test_a_user_sort_holds_across_reranks(window, qtbot) -> None:
    window.table.sortByColumn(column("Latency"), Qt.SortOrder.DescendingOrder)
    by_latency = shown(window, "Region")
    latencies = [window.proxy.index(row, column("Latency")).data(SORT_ROLE) for row in range(window.proxy.rowCount())]
    assert latencies == sorted(latencies, reverse=True)
    carbon = window.weights_panel.sliders["carbon"]
    scores = shown(window, "Score")
    carbon.setValue(5 if carbon.value() > 50 else 95)  # a big step: the rank order changes, the latency order not
    qtbot.waitUntil(lambda: shown(window, "Score") != scores, timeout=5000)
    assert shown(window, "Region") == by_latency
    selected = window.selected_region()
    assert selected is not None
    current = window.table.selectionModel().currentIndex()
    assert window.proxy.index(current.row(), column("Region")).data() == selected


def test_the_details_scroll_bar_follows_the_text(window, qtbot) -> None:
    """The details keep their scroll bar while the text is replaced (it is faster): a long text keeps it, a short
    one still drops it."""
    details = window.details
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: details.verticalScrollBar().isVisible(), timeout=3000)  # the score table is long
    slider = window.weights_panel.sliders["latency"]
    before = window.ranking
    slider.setValue(slider.value() + 3)
    qtbot.waitUntil(lambda: window.ranking is not before, timeout=3000)
    top = window.table_model.scored(window.table_model.row_of(window.selected_region()))
    qtbot.waitUntil(lambda: f"{top.score * 100:.1f}" in details.toPlainText(), timeout=3000)
    assert details.verticalScrollBar().isVisible()
    details.show_region(None)
    assert not details.verticalScrollBar().isVisible()
    assert "Select a region" in details.toPlainText()


def test_a_rerank_with_the_same_regions_left_out_keeps_the_not_ranked_table(window, qtbot) -> None:
    resets: list[int] = []
    window.excluded_model.modelReset.connect(lambda: resets.append(1))
    before = window.ranking
    reasons = [e.reason for e in before.excluded]
    slider = window.weights_panel.sliders["cost"]
    slider.setValue(slider.value() + 2)  # weights leave out no other region
    qtbot.waitUntil(lambda: window.ranking is not before, timeout=3000)
    assert [e.reason for e in window.ranking.excluded] == reasons
    assert resets == []


def test_reranks_in_one_event_loop_turn_render_the_details_once(window, qtbot) -> None:
    """The details pane (a rich-text layout, the dearest part of a step) follows re-ranks of the same selection once
    per turn of the event loop, after the table and map; choosing a region shows its details at once."""
    renders: list[int] = []
    window.details.textChanged.connect(lambda: renders.append(1))
    slider = window.weights_panel.sliders["latency"]
    for step in range(5):
        slider.blockSignals(True)
        slider.setValue(10 + step)
        slider.blockSignals(False)
        window._rerank()
    assert renders == []
    qtbot.waitUntil(lambda: bool(renders), timeout=3000)
    top = window.table_model.scored(window.table_model.row_of(window.selected_region()))
    assert f"{top.score * 100:.1f}" in window.details.toPlainText()
    assert len(renders) == 1
    other = window.ranking.ranked[-1].name
    window.select_region(other)
    assert other in window.details.toPlainText()


def test_new_figures_replace_the_kept_texts(window, qtbot) -> None:
    """Texts kept between slider steps follow a new assessment (here a longer run: more energy, more emissions)."""
    energy = shown(window, "Energy")
    before = window.ranking
    window.plan_form.hours.setValue(window.plan_form.hours.value() * 2)
    qtbot.waitUntil(lambda: window.ranking is not before, timeout=3000)
    expected = [COLUMNS[column("Energy")].text(window.table_model.scored(row)) for row in range(len(energy))]
    assert shown(window, "Energy") == expected != energy

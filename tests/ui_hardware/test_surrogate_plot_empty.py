"""Issue 11 item 8, on the Hardware tab: before a fit the Models page's plot showed made-up 0-1 axes ('target' over
'hyperparameter') and a legend of nothing. Until there is a model to show, the plot has no axes and no legend (the
caption says what to do); after a real fit it has both. The page driven as a user does (tests/ui_hardware)."""

from pathlib import Path

from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.ui.hardware.models_page import ModelsPage
from tests.ui_hardware.test_models_page import fit, page, toy_dir  # noqa: F401 - fixtures


def shown(models: ModelsPage) -> dict[str, bool]:
    plot = models.plot
    parts = {side: plot.plot_item.getAxis(side).isVisible() for side in ("left", "bottom")}
    return {**parts, "legend": plot.legend.isVisible()}


def test_no_axes_or_legend_before_a_fit_and_both_after(qtbot, page: ModelsPage, toy_dir: Path) -> None:  # noqa: F811
    assert not any(shown(page).values()), shown(page)
    assert "Fit the models" in page.plot.caption.text()
    page.set_data(load_benchmarks(toy_dir), str(toy_dir))
    assert not any(shown(page).values()), shown(page)  # data, no model yet
    fit(qtbot, page)
    assert all(shown(page).values()), shown(page)
    page.clear()  # the data cleared: back to nothing to show
    assert not any(shown(page).values()), shown(page)

"""Hardware → Models at 1024x640: the plot's pickers cut the names they show ('n1-standar' for n1-standard-4), their
minimum width being Qt's default, not their contents. The real window, the small synthetic benchmark, a real fit."""

from PySide6.QtWidgets import QComboBox

from tests.dimensioning.conftest import write_pair
from tests.jobs.conftest import local_env, reference, service  # noqa: F401 - fixtures
from tests.ui_messages.test_co2e_in_the_dialogs import fit_and_optimise, window  # noqa: F401 - fixture


def test_the_plot_pickers_show_whole_names_at_1024x640(qtbot, window, tmp_path):  # noqa: F811
    folder = tmp_path / "bench"
    write_pair(folder, "n1-standard-4", price=1.0)
    write_pair(folder, "n1-standard-8", price=3.0)
    window.resize(1024, 640)
    fit_and_optimise(qtbot, window, folder)
    view = window.hardware_view
    view.pages.setCurrentWidget(view.models_page)
    qtbot.wait(300)
    combos = [c for c in view.models_page.plot.findChildren(QComboBox) if c.isVisible()]
    assert any(c.currentText() == "n1-standard-4" for c in combos)
    cut = {c.currentText(): (c.width(), c.sizeHint().width()) for c in combos if c.width() < c.sizeHint().width()}
    assert not cut, f"narrower than their names: {cut}"

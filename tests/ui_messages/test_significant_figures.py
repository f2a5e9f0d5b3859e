"""Issue 11 item 5: emissions with significant digits everywhere (no '0.00 kg', no '0.1 kg is above 0.1 kg')."""

import pytest
from PySide6.QtCore import Qt

from carbon_gui.cli import main
from carbon_gui.core.quantities import significant
from carbon_gui.ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.00412, "0.00412"), (0.1, "0.100"), (2.849, "2.85"), (212.4, "212"), (12345.6, "12,346"), (0, "0")],
)
def test_significant_keeps_three_digits_without_exponent(value, text):
    assert significant(value) == text


def test_a_limit_just_below_an_emission_reads_as_two_different_numbers(qtbot, window: MainWindow):
    emissions = sorted(s.facts.emissions_kg for s in window.ranking.ranked)
    limit = round(emissions[0], 2) - 0.01  # two decimals, as the box takes them: one-decimal text showed both equal
    assert limit > 0
    window.constraints_panel.max_emissions.setValue(limit)
    qtbot.waitUntil(lambda: len(window.ranking.ranked) < len(emissions), timeout=3000)
    model = window.excluded_model
    reasons = [model.index(r, 2).data() for r in range(model.rowCount())]
    limited = [r for r in reasons if "above the maximum" in r]
    assert limited
    for reason in limited:
        amount, maximum = reason.split(" is above the maximum ")
        assert amount.removesuffix(" CO₂e") != maximum, reason


def test_a_clean_short_run_is_not_shown_as_zero(qtbot, window: MainWindow):
    window.plan_form.hours.setValue(window.plan_form.hours.minimum())
    window.plan_form.machine.setEditText("e2-standard-2")
    window.plan_form.machineChanged.emit()
    qtbot.waitUntil(lambda: window.ranking.ranked[0].facts.emissions_kg < 0.005, timeout=5000)
    model = window.table_model
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
    column = next(c for c, header in enumerate(headers) if header.startswith("Emissions"))
    cells = [model.index(r, column).data() for r in range(model.rowCount())]
    assert not [c for c in cells if float(c.replace(",", "")) == 0], cells
    window.select_region(window.ranking.ranked[0].name)
    assert "emissions 0.00" not in window.details.toPlainText()


def test_the_cli_ranking_shows_small_emissions_with_significant_digits(capsys):
    code = main(["rank", "--machine", "e2-standard-2", "--hours", "0.1", "--from", "Paris, FR"])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows
    emissions = [row[4] for row in rows]
    assert not [e for e in emissions if float(e.replace(",", "")) == 0], out

"""The intensity plot's title (data note, plus the forecast-band note after a When plan) is never clipped:
pyqtgraph gives a title row 30 px whatever its text, which cut the first of three lines in the Signals tab."""

from datetime import UTC, datetime

import pytest

from carbon_gui.ui.plots.intensity_plot import IntensityPlot

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _room_and_need(plot: IntensityPlot) -> tuple[float, float]:
    item = plot.getPlotItem()
    return item.layout.rowMinimumHeight(0), item.titleLabel.item.boundingRect().height()


@pytest.mark.parametrize("lines", [1, 2, 3, 5])
def test_the_title_row_is_as_high_as_its_lines(qtbot, lines: int) -> None:
    plot = IntensityPlot()
    qtbot.addWidget(plot)
    plot.set_signals([], NOW, "<br>".join(f"line {n} of the data note" for n in range(lines)))
    room, need = _room_and_need(plot)
    assert need <= room + 0.5
    assert plot.getPlotItem().titleLabel.maximumHeight() >= need


def test_an_empty_title_takes_no_room(qtbot) -> None:
    plot = IntensityPlot()
    qtbot.addWidget(plot)
    plot.set_signals([], NOW, "a note")
    plot.set_signals([], NOW, "")
    assert _room_and_need(plot)[0] == 0

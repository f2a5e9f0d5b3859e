"""The live-data widgets on their own, with hand-made signals: WattTime's signal-index beside a region, the power
mix's hover, the cleanest dialog's compared values, and the words for the figures in use."""

from datetime import UTC, datetime, timedelta

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF

from carbon_gui.core.signals import (
    PART_LATEST,
    FetchProblem,
    GridSignal,
    PowerMix,
    RelativeIndex,
    SignalKind,
    SignalPoint,
)
from carbon_gui.ui.dialogs.cleanest_dialog import CleanestDialog
from carbon_gui.ui.live_labels import cfe_provenance, index_text, ordinal, sources_note
from carbon_gui.ui.plots.power_mix_plot import PowerMixPlot
from carbon_gui.ui.signals_view import SignalsView

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
INDEX_LINE = "WattTime signal-index: now at the 23rd percentile of the next 24 h (lower is cleaner)"


def watttime_signal(value: float = 410.0, received: datetime = NOW, problems=()) -> GridSignal:
    return GridSignal(
        zone="CAISO_NORTH", source="WattTime", kind=SignalKind.MARGINAL, fetched_at=NOW,
        latest=SignalPoint(received - timedelta(minutes=4), value), problems=tuple(problems),
        index=RelativeIndex(NOW - timedelta(minutes=4), 23.0), part_times={PART_LATEST: received},
    )  # fmt: skip


@pytest.mark.parametrize(("number", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (11, "11th"), (23, "23rd"),
                                              (100, "100th"), (0, "0th"), (12, "12th"), (42, "42nd")])  # fmt: skip
def test_ordinals(number, text):
    assert ordinal(number) == text


def test_the_signal_index_is_worded_as_a_position_with_its_age():
    text = index_text(RelativeIndex(NOW - timedelta(minutes=4), 23.4), NOW)
    assert text.startswith(INDEX_LINE)
    assert "4 min old" in text and "gCO" not in text  # a percentile, never an emission rate


def test_the_signals_view_shows_the_signal_index_beside_the_region(qtbot):
    view = SignalsView()
    qtbot.addWidget(view)
    view.set_candidates(["us-west2"], "us-west2")
    view.set_signals({"us-west2": watttime_signal()}, set(), NOW)
    assert INDEX_LINE in view.status.text()
    rows = [line for line in view.csv_text().splitlines() if "signal-index" in line]
    assert len(rows) == 1 and ",23.0,%," in rows[0]


def test_the_words_for_the_figures_in_use():
    assert sources_note(None, 2024).startswith("Intensity: Google 2024 yearly averages, location-based · Prices:")
    cfe = cfe_provenance(2023).label()
    assert "Google region-carbon-info" in cfe and "2023 yearly figure, also when the intensity is live" in cfe


def test_power_mix_hover_names_value_source_time_and_data_source(qtbot):
    plot = PowerMixPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 300)
    plot.show()
    qtbot.waitExposed(plot)
    mix_time = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    mixes = [
        ("europe-west4", PowerMix(mix_time, {"wind": 3000.0, "gas": 1000.0}), "Electricity Maps"),
        ("europe-west1", PowerMix(mix_time, {"nuclear": 2500.0, "gas": None}, estimated=True), "Electricity Maps"),
    ]
    plot.set_mixes(mixes, "Power production by source (latest)")
    assert plot.bar_count == 2
    # stacked in source order: gas (0-1000 MW) then wind (1000-4000 MW) for the first bar (row 0)
    assert plot.segment_at(0.1, 500) == "europe-west4: gas 1,000 MW\nat 2026-03-02 11:00 UTC\ndata: Electricity Maps"
    assert plot.segment_at(-0.2, 3900).startswith("europe-west4: wind 3,000 MW")
    assert plot.segment_at(1.0, 100).startswith("europe-west1: nuclear 2,500 MW\nat 2026-03-02 11:00 UTC, estimated")
    assert plot.segment_at(0.5, 500) == "" and plot.segment_at(0, 4500) == ""  # between bars, above a bar
    # a real mouse move over the first bar's wind segment shows its text
    view = plot.getPlotItem().getViewBox()
    view.setRange(yRange=(-0.5, 1.5), xRange=(0, 4200), padding=0)  # the bars lie along x, a row per region
    target = plot.mapFromScene(view.mapViewToScene(QPointF(2500, 0)))
    qtbot.mouseMove(plot.viewport(), QPoint(target))
    qtbot.waitUntil(lambda: plot.hover_text.startswith("europe-west4: wind 3,000 MW"), timeout=3000)
    tooltips = [i.toolTip() for i in plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert plot.hover_text in tooltips  # the bars item under the mouse shows it as its tooltip


def test_the_cleanest_dialog_lists_each_value_with_source_kind_estimate_and_age(qtbot):
    fresh = watttime_signal(380.0)
    kept = watttime_signal(410.0, received=NOW - timedelta(hours=2),
                           problems=[FetchProblem("forecast", "rate-limited, retrying in 30 s")])  # fmt: skip
    kept = GridSignal(**{**kept.__dict__, "fetched_at": NOW})
    rows = [("us-west2", 380.0, fresh), ("us-west4", 410.0, kept)]
    dialog = CleanestDialog(rows, 10, NOW, 30 * 60)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.summary.text().startswith("<b>us-west2</b>: 380 gCO₂e/kWh (WattTime, marginal (MOER))")
    assert "Compared the 2 of the 10 ranked regions that have a current value" in dialog.summary.text()
    assert dialog.table.rowCount() == 2
    assert [dialog.cell(0, c) for c in range(6)] == ["us-west2", "380", "CAISO_NORTH", "WattTime", "marginal (MOER)",
                                                     "no"]  # fmt: skip
    assert "4 min old" in dialog.cell(0, 6) and "STALE" not in dialog.cell(0, 6)
    assert "STALE" in dialog.cell(1, 6) and "2 h old" not in dialog.cell(0, 6)
    dialog.accept()

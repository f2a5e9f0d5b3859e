"""Issue 11 item 9: the Signals tab exports each plot itself (pyqtgraph's exporter), at the size the user chose,
not a screen grab of the tab; a file that cannot be written is a message, not a traceback."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from carbon_gui.core.signals import GridSignal, PowerMix, SignalKind, SignalPoint
from carbon_gui.ui.plots.intensity_plot import PALETTE
from carbon_gui.ui.plots.plot_export import DEFAULT_SIZE, ExportChoice, ExportDialog, ask_export, render_plot
from carbon_gui.ui.plots.power_mix_plot import source_color
from carbon_gui.ui.signals_view import SignalsView
from tests.ui.conftest import error_boxes
from tests.ui.test_live_window import live_window


def pixels(source: Path | QImage) -> np.ndarray:
    image = (source if isinstance(source, QImage) else QImage(str(source))).convertToFormat(QImage.Format.Format_RGB888)
    assert not image.isNull(), f"{source} is not an image"
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3)


@pytest.fixture
def signals_window(qtbot):
    window = live_window(qtbot)  # no key: the bundled 2024 replay, as a new user sees it
    window.views.setCurrentWidget(window.signals_view)
    qtbot.waitUntil(lambda: window.signals_view.intensity is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.signals_view.intensity.series_count > 0, timeout=5000)
    yield window
    window.close()


def choose(path: Path, width: int = 1600, height: int = 900):
    """Stands in for the file-and-size dialog (a modal dialog would block the test); records what it was offered."""
    offered: list[str] = []

    def chooser(_parent, suggested_name: str) -> ExportChoice:
        offered.append(suggested_name)
        return ExportChoice(path, width, height)

    return chooser, offered


def test_the_intensity_plot_is_exported_at_the_chosen_size_with_its_curves(signals_window, artifacts_dir) -> None:
    view = signals_window.signals_view
    target = artifacts_dir / "signals-intensity-export.png"  # kept to look at
    target.unlink(missing_ok=True)
    view.choose_export, offered = choose(target, 1200, 700)
    view.export_intensity_action.trigger()
    image = pixels(target)
    assert image.shape == (700, 1200, 3)  # the chosen size: a grab of the tab has the tab's size
    assert image.std() > 10  # not a blank image
    first_curve = np.array(PALETTE[0])
    assert (np.abs(image.astype(int) - first_curve).sum(axis=2) < 30).sum() > 200  # the first region's curve is drawn
    assert offered and "intensity" in offered[0]
    # the on-screen plot is laid out as before the export
    assert view.intensity.getPlotItem().geometry().width() <= view.intensity.width()


def test_the_default_size_is_1600_by_900(signals_window, tmp_path) -> None:
    view = signals_window.signals_view
    view.choose_export, _ = choose(tmp_path / "default")  # no suffix: a PNG
    view.export_intensity_action.trigger()
    assert pixels(tmp_path / "default.png").shape == (900, 1600, 3)


def test_the_power_mix_export_is_offered_only_when_there_are_bars(signals_window) -> None:
    view = signals_window.signals_view
    assert view.mix is not None and view.mix.bar_count == 0  # the 2024 replay has no power mix
    assert not view.export_mix_action.isEnabled()
    assert "no power mix" in view.export_mix_action.toolTip().lower()


def test_an_svg_name_writes_an_svg(signals_window, tmp_path) -> None:
    view = signals_window.signals_view
    view.choose_export, _ = choose(tmp_path / "intensity.svg", 800, 450)
    view.export_intensity_action.trigger()
    text = (tmp_path / "intensity.svg").read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and 'viewBox="0 0 800 450"' in text
    assert "<path" in text or "<polyline" in text  # the curves are drawn, not an empty document


@pytest.mark.parametrize(
    ("name", "expected"),
    [("folder.png", "could not be written"), ("missing/x.png", "No such file or directory"), ("plot.jpg", ".png")],
)
def test_a_file_that_cannot_be_written_is_a_clear_message(signals_window, tmp_path, name, expected) -> None:
    (tmp_path / "folder.png").mkdir()  # a directory where the file should go
    view = signals_window.signals_view
    view.choose_export, _ = choose(tmp_path / name)
    view.export_intensity_action.trigger()
    boxes = error_boxes(signals_window)
    assert len(boxes) == 1 and expected in boxes[0].text()
    assert "Traceback" not in boxes[0].text()
    assert not (tmp_path / "plot.jpg").exists()


def test_the_dialog_offers_1600_by_900_and_returns_what_the_user_typed(qtbot, tmp_path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def fill_in_and_save() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        assert (dialog.width_px.value(), dialog.height_px.value()) == DEFAULT_SIZE == (1600, 900)
        assert dialog.path.text().endswith("power-mix.png")
        dialog.path.setText(str(tmp_path / "mix.svg"))
        dialog.height_px.setValue(1000)
        dialog.accept()

    QTimer.singleShot(0, fill_in_and_save)  # the dialog is modal: answer it from the event loop
    assert ask_export(parent, "power-mix") == ExportChoice(tmp_path / "mix.svg", 1600, 1000)
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert ask_export(parent, "power-mix") is None


def test_a_layout_with_its_legend_exports_at_the_chosen_size(qtbot) -> None:
    """What the Hardware tab passes: a GraphicsLayoutWidget's layout (plot and legend side by side)."""
    graphics = pg.GraphicsLayoutWidget()
    qtbot.addWidget(graphics)
    graphics.resize(400, 300)
    graphics.show()
    plot = graphics.addPlot()
    plot.plot([0, 1, 2, 3], [3, 1, 2, 0], pen=pg.mkPen((214, 39, 40), width=3))
    before = graphics.ci.geometry()
    data = render_plot(graphics.ci, 900, 500)
    image = pixels(QImage.fromData(data, "PNG"))
    assert image.shape == (500, 900, 3)
    assert (np.abs(image.astype(int) - (214, 39, 40)).sum(axis=2) < 30).sum() > 300  # the curve is drawn
    assert graphics.ci.geometry() == before  # put back as it was on screen


def test_the_power_mix_plot_is_exported_with_its_bars_and_legend(qtbot, artifacts_dir) -> None:
    now = datetime.now(UTC)
    mix = PowerMix(now, {"wind": 3000.0, "gas": 1000.0})
    signal = GridSignal(zone="NL", source="Electricity Maps", kind=SignalKind.AVERAGE_LIFECYCLE, fetched_at=now,
                        latest=SignalPoint(now, 300.0), power_mix=(mix,))  # fmt: skip
    view = SignalsView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.set_candidates(["europe-west4"], "europe-west4")
    view.set_signals({"europe-west4": signal}, set(), now)
    assert view.export_mix_action.isEnabled()
    target = artifacts_dir / "signals-power-mix-export.png"  # kept to look at
    target.unlink(missing_ok=True)
    view.choose_export, offered = choose(target, 1000, 600)
    view.export_mix_action.trigger()
    assert offered == ["power-mix"]
    image = pixels(target)
    assert image.shape == (600, 1000, 3)
    for source in ("wind", "gas"):  # each source's colour: its bar segment and its legend entry
        assert (np.abs(image.astype(int) - source_color(source)).sum(axis=2) < 20).sum() > 500, source

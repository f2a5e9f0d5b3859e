"""The report PNG shows every alternative even when several start at the same moment (they did: the one drawn last
hid the others), labels where each region's hours came from, and spells CO₂e. A job scheduled through the CLI in a
real ledger in tmp, rendered as `report --format png` renders it; the picture is checked by its pixels."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QImage

from carbon_gui.cli import main
from carbon_gui.job_reports import JobReport, report_for
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import load_reference
from carbon_gui.ui.jobs.report_image import report_plot, save_report_png

MIN_LINE_PIXELS = 120  # a visible line across the plot; a legend sample alone has fewer


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> JobReport:
    """A job scheduled 5 h ahead: every alternative starts at the decision time, i.e. all at the same moment."""
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n", encoding="utf-8")
    start = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0).isoformat()
    assert main(["launch", "--local", "--script", str(script), "--region", "europe-west3", "--machine", "n1-standard-8",
                 "--hours", "3", "--at", start]) == 0  # fmt: skip
    capsys.readouterr()
    service = JobService(load_reference)
    return report_for(service, service.jobs()[0].id)


def _texts(widget: pg.GraphicsLayoutWidget) -> list[str]:
    """Every text the picture shows: title, axis labels, legend, caption."""
    from PySide6.QtWidgets import QGraphicsTextItem

    return [item.toPlainText() for item in widget.scene().items() if isinstance(item, QGraphicsTextItem)]


@pytest.mark.timeout(120)
def test_alternatives_starting_together_are_each_visible_and_every_region_says_its_data(
    qtbot, report: JobReport, tmp_path: Path, artifacts_dir: Path
) -> None:
    starts = [a.start for a in report.alternatives]
    assert len(report.alternatives) >= 2 and len(set(starts)) < len(starts)  # the case that hid lines
    assert len({(a.region, a.start) for a in report.alternatives}) == len(report.alternatives)  # no duplicates

    path = tmp_path / "report.png"
    save_report_png(report, path)
    image = QImage(str(path))
    image.save(str(artifacts_dir / "job_report_alternatives.png"))
    widget = report_plot(report)
    lines = [i for i in widget.getItem(0, 0).items if isinstance(i, pg.InfiniteLine)]
    assert len(lines) == len(report.alternatives)
    for line in lines:  # each alternative's line is drawn in pixels of its own colour, not only in the legend
        colour = QColor(line.pen.color()).rgb()
        seen = sum(image.pixel(x, y) == colour for x in range(image.width()) for y in range(image.height()))
        assert seen >= MIN_LINE_PIXELS, (line.pen.color().name(), seen)
    assert len({line.pen.style() for line in lines}) == len(lines)  # told apart by style, not colour alone

    texts = "\n".join(_texts(widget))
    for alternative in report.alternatives:
        assert alternative.source in texts.replace("\n", " ")
    assert "CO₂e" in texts and "CO2e" not in texts
    widget.deleteLater()

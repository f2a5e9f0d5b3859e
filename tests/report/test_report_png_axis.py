"""The report PNG's left axis leaves room for both its tick numbers and its title: the title 'gCO2e/kWh' was drawn
over the numbers (the axis kept its first width; pyqtgraph widens it only after a paint the export never repeats).
A scheduled job recorded through the CLI in a real ledger in tmp, rendered as `report --format png` renders it."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyqtgraph.exporters import ImageExporter

from carbon_gui.cli import main
from carbon_gui.job_reports import report_for
from carbon_gui.jobs.service import JobService
from carbon_gui.sources.reference import load_reference
from carbon_gui.ui.jobs.report_image import report_plot


@pytest.mark.timeout(120)
def test_the_axis_title_does_not_cover_the_tick_numbers(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n", encoding="utf-8")
    start = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0).isoformat()
    assert main(["launch", "--local", "--script", str(script), "--region", "europe-west3", "--machine", "n1-standard-8",
                 "--hours", "2", "--at", start]) == 0  # fmt: skip
    capsys.readouterr()
    service = JobService(load_reference)
    widget = report_plot(report_for(service, service.jobs()[0].id))
    ImageExporter(widget.scene()).export(str(tmp_path / "report.png"))
    axis = widget.getItem(0, 0).getAxis("left")
    needed = axis.textWidth + axis.label.boundingRect().height()  # numbers beside the rotated title
    assert axis.width() >= needed, (axis.width(), needed)
    widget.deleteLater()

"""Help → About: the version, where the bundled data comes from, its licences and dates.

The sources and licences are read from the data folder's NOTICE.md (the one file the packaging ships beside the
data), so the dialog cannot drift from it; the dates are read from the data itself.
"""

import html
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from carbon_gui.app_log import app_version
from carbon_gui.sources.reference import bundled_data_dir
from carbon_gui.ui.dialogs.screen_fit import resize_within_screen

ODBL_ATTRIBUTION = (
    "Contains data from Electricity Maps (electricitymaps.com), available under the Open Database License (ODbL)"
)
_PRICE_DATE = re.compile(r"pricing\.yml generated (\d{4}-\d{2}-\d{2})")
_REPLAY_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}) UTC")
_CARBON_YEAR = re.compile(r"region_carbon_(\d{4})\.csv")


@dataclass(frozen=True)
class DataFacts:
    """What the bundled data covers, for About and Diagnostics ("unknown" where NOTICE.md does not say)."""

    notice: str  # NOTICE.md's text, or a line saying it is missing
    price_date: str
    carbon_years: str  # e.g. "2019–2024"
    replay_range: str  # e.g. "2021-01-01 to 2024-12-31"


def data_facts(folder: Path | None = None) -> DataFacts:
    folder = folder or bundled_data_dir()
    try:
        notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    except OSError:
        notice = f"NOTICE.md is missing from {folder}: reinstall carbon_gui."
    price = _PRICE_DATE.search(notice)
    replay = _REPLAY_RANGE.search(notice)
    years = sorted(int(m.group(1)) for p in folder.glob("region_carbon_*.csv") if (m := _CARBON_YEAR.fullmatch(p.name)))
    return DataFacts(
        notice,
        price.group(1) if price else "unknown",
        f"{years[0]}–{years[-1]}" if years else "unknown",
        f"{replay.group(1)} to {replay.group(2)}" if replay else "unknown",
    )


def about_html(facts: DataFacts) -> str:
    return (
        f"<h3>carbon_gui {html.escape(app_version())}</h3>"
        "<p>Ranks Google Cloud regions for a training job by carbon, cost, security and latency, and launches and "
        "tracks the job.</p><ul>"
        f"<li>Google's yearly region carbon figures: {facts.carbon_years} (© Google LLC, Apache-2.0)</li>"
        f"<li>Compute Engine list prices as of <b>{facts.price_date}</b> "
        "(google-cloud-pricing-cost-calculator, Apache-2.0)</li>"
        f"<li>Hourly grid carbon intensity for the offline replay and the forecaster: {facts.replay_range}, "
        "<b>Electricity Maps data under the ODbL</b>.<br><i>"
        f"{ODBL_ATTRIBUTION}.</i></li>"
        "<li>Live data, when you add a key: Electricity Maps or WattTime, under your own account's terms.</li></ul>"
        "<p>Every bundled file, its source and licence:</p>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About carbon_gui")
        facts = data_facts()
        self.header = QLabel(about_html(facts))
        self.header.setWordWrap(True)
        self.header.setOpenExternalLinks(True)
        self.notice = QTextBrowser()
        self.notice.setObjectName("noticeText")
        self.notice.setOpenExternalLinks(True)
        self.notice.setMarkdown(facts.notice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.notice, 1)
        layout.addWidget(buttons)
        resize_within_screen(self, 820, 620)


def show_about(parent: QWidget) -> AboutDialog:
    dialog = AboutDialog(parent)
    dialog.show()
    return dialog

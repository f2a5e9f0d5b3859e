"""Export one plot (not a screen grab of its tab) as a PNG or SVG file at a size the user picks.

Any pyqtgraph plot can use it: pass the plot's item (a `PlotItem`, or the `GraphicsLayout` of a
`GraphicsLayoutWidget` to include everything laid out beside the plot, such as a legend):

    export_plot(self, plot_widget.getPlotItem(), "carbon-intensity")

The dialog that asks for the file and the size is replaceable (`choose=`), so tests never block on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.ui.dialogs.messages import show_error

if TYPE_CHECKING:  # pyqtgraph (~0.2 s) loads with the first plot, not before the window's first paint
    import pyqtgraph as pg

DEFAULT_SIZE = (1600, 900)
SIZE_LIMITS = (200, 8000)  # px per side: 8000 x 8000 is a 256 MB image, more is a typo
LAYOUT_WIDTH = 1000  # px: the plot is laid out this wide (text and ticks in proportion), then scaled to the size
FORMATS = {".png": "PNG", ".svg": "SVG"}


@dataclass(frozen=True)
class ExportChoice:
    """Where to write and how large: pixels for a PNG; an SVG scales, the size sets its proportions."""

    path: Path
    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]


ChooseExport = Callable[[QWidget, str], ExportChoice | None]  # (parent, suggested file name) -> choice or cancel


class ExportDialog(QDialog):
    """A file name (typed or browsed for) and a width × height in pixels."""

    def __init__(self, suggested_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export plot")
        self.path = QLineEdit(str(suggested_path))
        self.path.setToolTip("A .png file (pixels) or a .svg file (vector)")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        self.width_px, self.height_px = QSpinBox(), QSpinBox()
        for box, value in ((self.width_px, DEFAULT_SIZE[0]), (self.height_px, DEFAULT_SIZE[1])):
            box.setRange(*SIZE_LIMITS)
            box.setSuffix(" px")
            box.setValue(value)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_px)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_px)
        size_row.addStretch(1)
        form = QFormLayout()
        form.addRow("&File:", file_row)
        form.addRow("&Size:", size_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", self.path.text(), "PNG image (*.png);;SVG (*.svg)")
        if path:
            self.path.setText(path)

    def choice(self) -> ExportChoice:
        return ExportChoice(Path(self.path.text().strip()).expanduser(), self.width_px.value(), self.height_px.value())


def ask_export(parent: QWidget, suggested_name: str) -> ExportChoice | None:
    """The real dialog (modal); None when the user cancels or leaves the file name empty."""
    dialog = ExportDialog(Path.home() / f"{suggested_name}.png", parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.path.text().strip():
        return None
    return dialog.choice()


def export_plot(
    parent: QWidget, item: pg.GraphicsWidget, suggested_name: str, choose: ChooseExport = ask_export
) -> Path | None:
    """Ask for a file and a size, write the plot `item` there; return the file written, or None.

    The format follows the name: .svg is SVG, .png or no suffix is PNG. A problem (an unknown suffix,
    permission denied, a full disk) is an error box over `parent` naming the file and the cause.
    Success shows "Exported <file>" in the main window's status bar.
    """
    choice = choose(parent, suggested_name)
    if choice is None:
        return None
    path = choice.path if choice.path.suffix else choice.path.with_suffix(".png")
    if path.suffix.lower() not in FORMATS:
        show_error(parent, "Export plot", f"{path.name}: name the file .png (an image) or .svg (a vector drawing).")
        return None
    try:
        path.write_bytes(render_plot(item, choice.width, choice.height, FORMATS[path.suffix.lower()]))
    except OSError as err:
        show_error(parent, "Export plot", f"Not exported: {path} could not be written ({err.strerror or err}).")
        return None
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(f"Exported {path}", 10000)
    return path


def render_plot(item: pg.GraphicsWidget, width: int, height: int, file_format: str = "PNG") -> bytes:
    """The plot's bytes as PNG (width × height px) or SVG, laid out in those proportions.

    The item is re-laid out in the chosen proportions for the export and then put back, so a wide
    export gets a wide plot rather than the on-screen plot with empty margins.
    """
    from pyqtgraph.exporters import ImageExporter  # ~30 ms: loaded on the first export, not at start-up

    on_screen = QRectF(item.geometry())
    scale = max(1.0, width / LAYOUT_WIDTH)
    item.setGeometry(QRectF(on_screen.topLeft(), QSizeF(width / scale, height / scale)))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        if file_format == "SVG":
            _write_svg(item, width, height, buffer)
        else:
            exporter = ImageExporter(item)
            exporter.parameters().param("width").setValue(width, blockSignal=exporter.widthChanged)
            exporter.parameters().param("height").setValue(height, blockSignal=exporter.heightChanged)
            exporter.export(toBytes=True).save(buffer, "PNG")
    finally:
        item.setGeometry(on_screen)
    return bytes(data.data())


def _write_svg(item: pg.GraphicsWidget, width: int, height: int, device: QBuffer) -> None:
    # Qt's own SVG writer: pyqtgraph 0.14's SVGExporter raises ValueError in correctCoordinates on this Qt.
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setOutputDevice(device)
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    painter = QPainter(generator)
    try:
        painter.fillRect(QRect(0, 0, width, height), Qt.GlobalColor.white)
        item.scene().render(painter, QRectF(0, 0, width, height), item.sceneBoundingRect())
    finally:
        painter.end()

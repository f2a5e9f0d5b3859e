"""A page that scrolls up and down only when the window is too short for its contents at their least height (plots
and tables with a minimum height, wrapped texts whole), and otherwise fills the room like a plain widget.

QScrollArea's own resizing (widgetResizable) sizes a page with wrapped texts by its preferred height for the width,
not its least: it would scroll where all fits. Here the page gets the viewport's height, or its least height for the
width where that is more."""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class ScrollWhenShort(QScrollArea):
    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self._page = page
        self.setWidget(page)
        self.setWidgetResizable(False)  # sized in _fit
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page.installEventFilter(self)

    def _least_height(self, width: int) -> int:
        layout = self._page.layout()
        return layout.totalMinimumHeightForWidth(width) if layout is not None else self._page.minimumSizeHint().height()

    def _fit(self) -> None:
        room = self.maximumViewportSize()  # without scroll bars
        width = room.width()
        if self._least_height(width) > room.height():
            width -= self.verticalScrollBar().sizeHint().width()  # the bar will show: the page is narrower
        self._page.resize(width, max(room.height(), self._least_height(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._page and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # a text changed: so may the least height
        return super().eventFilter(watched, event)

"""World map: country borders and coastline, one marker per region coloured by grid intensity and sized by score.

Plain data in (land rings, a ranking); a click on a marker emits the region's name. Markers that would overlap at the
current zoom are spread apart (map_layout.py) with a leader line to their true place; the selected region and the
best-ranked ones are labelled where a label fits. Wheel zooms, dragging pans, "Reset view" shows the world again.
"""

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGraphicsPathItem, QToolButton

from carbon_gui.core.catalog import Region
from carbon_gui.core.errors import DataError
from carbon_gui.core.scoring import Ranking
from carbon_gui.sources.reference import load_country_borders
from carbon_gui.ui.plots.intensity_colors import INTENSITY_COLORMAP, INTENSITY_RANGE, intensity_color
from carbon_gui.ui.plots.map_layout import Box, leader_end, place_labels, spread_markers

MIN_SIZE, MAX_SIZE = 8.0, 26.0  # marker diameter in px for score 0 and 1
UNRANKED_SIZE = 7.0
FULL_SIZE_AT = 2.5  # px per degree of longitude from which markers have their full size; a smaller map shrinks them
SMALLEST_SCALE = 0.6
YOU_SIZE = 16.0
LABEL_POINTS = 8.0
# the selected region and the best N ranked get a label where it fits, if need be set apart with a line to the marker;
# every other ranked region gets one, in rank order, where one fits beside its marker (a small map had room for more)
LABELLED_BEST = 5
WORLD = QRectF(-170, -60, 350, 140)  # lon -170..180, lat -60..80: every region and most land
# stacking order: every marker above the map, the selection ring and labels above the markers, "you" above all
Z_BORDERS, Z_LAND, Z_LEADERS, Z_UNRANKED, Z_MARKERS, Z_SELECTION, Z_LABELS, Z_YOU = range(-2, 6)

TITLE_POINTS = 9.0
TITLE_MARGIN_PX = 90  # the colour bar and the margins beside the title

Rings = list[list[tuple[float, float]]]


def _wrap(line: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """`line` broken between words into lines no wider than `width` px (a single long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in line.split(" "):
        trial = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current]


def _rings_path(rings: Rings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and pyqtgraph's 'connect' array for drawing every ring as one path, broken between rings."""
    xs = np.fromiter((p[0] for ring in rings for p in ring), dtype=float)
    ys = np.fromiter((p[1] for ring in rings for p in ring), dtype=float)
    connect = np.ones(len(xs), dtype=np.int32)
    connect[np.cumsum([len(ring) for ring in rings], dtype=np.int64) - 1] = 0
    return xs, ys, connect


class WorldMap(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    regionClicked = Signal(str)

    def _show_world(self) -> None:
        """Every region in view: with the aspect locked, the view box widens whichever range the shape needs."""
        item = self.getPlotItem()
        if item is not None:  # None while PlotWidget's own constructor runs (it resizes before the plot exists)
            item.getViewBox().setRange(WORLD, padding=0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not getattr(self, "_zoomed", False):  # False also while PlotWidget's own constructor runs
            self._show_world()  # a narrow window kept the latitudes and cut off Asia and Australia
        if hasattr(self, "reset_button"):
            self._place_reset_button()
            self._show_title()

    def __init__(self, load_borders: Callable[[], Rings] = load_country_borders) -> None:
        super().__init__(background="w")
        self._zoomed = False  # the user zoomed or panned: a resize keeps their view
        item = self.getPlotItem()
        item.setAspectLocked(True)
        item.setMenuEnabled(False)
        item.hideButtons()
        for side in ("bottom", "left"):  # degree axes are noise on a map and cost a fifth of its room at 1024 px
            item.hideAxis(side)
        self._show_world()
        self._load_borders: Callable[[], Rings] | None = load_borders  # on first show: start-up does not pay for it
        self.borders = QGraphicsPathItem()
        self.borders.setPen(pg.mkPen((175, 175, 175), width=0.7))
        self.borders.setBrush(pg.mkBrush(240, 240, 234))
        self._land = pg.PlotCurveItem(pen=pg.mkPen((135, 135, 135), width=1))
        self._leaders = pg.PlotCurveItem(pen=pg.mkPen((90, 90, 90), width=1))
        self._label_lines = pg.PlotCurveItem(pen=pg.mkPen((25, 25, 25), width=1))
        self._true_places = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(60, 60, 60))
        self._unranked = pg.ScatterPlotItem(size=UNRANKED_SIZE, pen=pg.mkPen((140, 140, 140)), brush=None, symbol="o")
        self._markers = pg.ScatterPlotItem(hoverable=True, tip=self._tip)
        self._markers.sigClicked.connect(self._on_click)
        self._selection = pg.ScatterPlotItem(symbol="o", brush=None, pen=pg.mkPen((20, 20, 160), width=3))
        self.you = pg.ScatterPlotItem(
            size=YOU_SIZE, symbol="star", brush=pg.mkBrush(30, 30, 30), pen=pg.mkPen("w", width=1.5)
        )
        for graphic, z in (
            (self.borders, Z_BORDERS), (self._land, Z_LAND), (self._leaders, Z_LEADERS),
            (self._true_places, Z_LEADERS), (self._label_lines, Z_LEADERS), (self._unranked, Z_UNRANKED),
            (self._markers, Z_MARKERS), (self._selection, Z_SELECTION), (self.you, Z_YOU),
        ):  # fmt: skip
            graphic.setZValue(z)
            self.addItem(graphic)
        self.colour_bar = pg.ColorBarItem(values=INTENSITY_RANGE, colorMap=INTENSITY_COLORMAP, interactive=False,
                                          width=12, label="grid intensity, gCO₂e/kWh")  # fmt: skip
        item.layout.addItem(self.colour_bar, 2, 5)
        item.layout.setContentsMargins(2, 2, 2, 8)  # the colour bar's "0" sat on the bottom edge without an axis
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Reset view")
        self.reset_button.setToolTip("Show the whole world again. Mouse wheel: zoom; drag: pan.")
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(self.reset_view)
        self._place_reset_button()
        self.labels: dict[str, pg.TextItem] = {}  # region -> its label, shown ones only
        self._label_pool: list[pg.TextItem] = []
        self.title = ""
        self._shown_title = ""
        self._borders_problem = ""
        self._intensity_label = "Google yearly averages"
        self._set_title(self._intensity_label)
        self._anchors: dict[str, tuple[float, float]] = {}  # true places (lon, lat), ranked regions first
        self._sizes: dict[str, float] = {}  # marker diameters at full size
        self._drawn_sizes: dict[str, float] = {}  # and as drawn at the current zoom
        self._rank: dict[str, int] = {}
        self._brushes: dict[str, QBrush] = {}  # ranked regions' marker colours
        self._positions: dict[str, tuple[float, float]] = {}  # where each marker is drawn (spread apart)
        self._laid_out_at: tuple[float, float] | None = None  # the pixel size the layout was made for
        self._last_spread: tuple[object, list[tuple[float, float]]] | None = None  # (its input, its result)
        self._pending: tuple[Ranking, tuple[Region, ...]] | None = None
        self._selected: str | None = None
        self._tips: dict[str, str] = {}
        self._you_at: tuple[float, float] | None = None
        view_box = item.getViewBox()
        view_box.setLimits(minXRange=4, minYRange=4)  # about a city's width: no zooming into emptiness
        view_box.sigRangeChangedManually.connect(self._on_user_view)
        view_box.sigTransformChanged.connect(lambda *_: self._layout())  # a zoom or resize changes the room

    def set_land(self, rings: Rings) -> None:
        """The coastline: every ring as one path, with 'connect' breaking between rings."""
        xs, ys, connect = _rings_path(rings)
        self._land.setData(xs, ys, connect=connect)

    def set_borders(self, rings: Rings) -> None:
        """Country shapes: filled lightly, thin borders."""
        self.borders.setPath(pg.arrayToQPath(*_rings_path(rings)))

    def set_you(self, lon: float, lat: float) -> None:
        self._you_at = (lon, lat)
        self.you.setData([lon], [lat])
        self._layout(force=True)  # labels keep clear of the star

    def set_ranking(self, ranking: Ranking, regions: tuple[Region, ...], intensity_label: str) -> None:
        """Markers for the ranking; drawn when the map is next shown if it is hidden now.
        `intensity_label` names the figures the colours show, e.g. 'Google 2024 yearly averages'."""
        self._set_title(intensity_label)
        if not self.isVisible():
            self._pending = (ranking, regions)
            return
        self._pending = None
        self._draw(ranking, regions)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._load_borders is not None:
            load, self._load_borders = self._load_borders, None
            try:
                self.set_borders(load())
            except DataError as err:  # the map still works without borders: say why they are missing
                self._borders_problem = f"country borders not shown: {err}"
                self._set_title(self._intensity_label)
        if self._pending is not None:
            ranking, regions = self._pending
            self._pending = None
            self._draw(ranking, regions)

    def _draw(self, ranking: Ranking, regions: tuple[Region, ...]) -> None:
        self._anchors.clear()
        self._sizes.clear()
        self._rank.clear()
        self._brushes.clear()
        self._tips.clear()
        for s in ranking.ranked:
            region = s.facts.region
            if region.lat is None or region.lon is None:
                continue
            self._anchors[region.name] = (region.lon, region.lat)
            self._sizes[region.name] = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * s.score
            self._rank[region.name] = s.rank
            self._brushes[region.name] = pg.mkBrush(QColor(*intensity_color(s.facts.intensity)))
            self._tips[region.name] = (
                f"#{s.rank} {region.name} ({region.location})\n"
                f"{s.facts.intensity:.0f} gCO₂e/kWh · score {s.score * 100:.0f}\n"
                f"{s.facts.carbon.provenance.label()}"
            )
        for region in regions:
            if region.name not in self._anchors and region.lat is not None and region.lon is not None:
                self._anchors[region.name] = (region.lon, region.lat)
                self._sizes[region.name] = UNRANKED_SIZE
        self._layout(force=True)

    # ----- layout: spread markers, leader lines, labels (in pixels, so it follows the zoom) -----------------------
    def _pixel_size(self) -> tuple[float, float] | None:
        width, height = self.getPlotItem().getViewBox().viewPixelSize()
        return (width, height) if width > 0 and height > 0 and np.isfinite([width, height]).all() else None

    def _layout(self, force: bool = False) -> None:
        pixel = self._pixel_size()
        if pixel is None or (not force and self._laid_out_at is not None and np.allclose(pixel, self._laid_out_at)):
            return  # a pan moves everything together: nothing to redo
        self._laid_out_at = pixel
        px, py = pixel
        names = list(self._anchors)
        centres = [(lon / px, -lat / py) for lon, lat in self._anchors.values()]  # screen pixels, y down
        scale = min(1.0, max(SMALLEST_SCALE, 1 / px / FULL_SIZE_AT))  # about 0.65 at 1024 px: Europe stays legible
        self._drawn_sizes = {n: max(5.0, self._sizes[n] * scale) for n in names}
        radii = [self._drawn_sizes[n] / 2 for n in names]
        key = (tuple(centres), tuple(radii))
        if self._last_spread is None or self._last_spread[0] != key:  # a refresh often re-sends the same scores
            self._last_spread = (key, spread_markers(centres, radii, gap=1.5))
        spread = self._last_spread[1]
        self._positions = {n: (x * px, -y * py) for n, (x, y) in zip(names, spread, strict=True)}
        ranked = [n for n in names if n in self._brushes]
        self._markers.setData(
            x=[self._positions[n][0] for n in ranked],
            y=[self._positions[n][1] for n in ranked],
            size=[self._drawn_sizes[n] for n in ranked],
            brush=[self._brushes[n] for n in ranked],
            data=ranked,
            symbol="o",
            pen=pg.mkPen(60, 60, 60),
        )
        unranked = [n for n in names if n not in self._brushes]
        self._unranked.setData(
            x=[self._positions[n][0] for n in unranked],
            y=[self._positions[n][1] for n in unranked],
            size=[self._drawn_sizes[n] for n in unranked],
        )
        moved = [n for n, a, b in zip(names, centres, spread, strict=True) if np.hypot(a[0] - b[0], a[1] - b[1]) > 2]
        segments = np.array([(self._anchors[n], self._positions[n]) for n in moved]).reshape(-1, 2)
        self._leaders.setData(segments[:, 0], segments[:, 1], connect="pairs")
        self._true_places.setData([self._anchors[n][0] for n in moved], [self._anchors[n][1] for n in moved])
        self.select(self._selected, follow=False)
        self._place_labels(spread, radii, names)

    def _place_labels(self, spread: list[tuple[float, float]], radii: list[float], names: list[str]) -> None:
        px, py = self._laid_out_at or (1.0, 1.0)
        by_rank = sorted(self._rank, key=self._rank.__getitem__)
        selected = [self._selected] if self._selected in self._anchors else []
        wanted = selected + [n for n in by_rank if n not in selected]
        # labels keep clear of ranked markers and the star; a small hollow ring of an unranked region may hide
        circles = zip(spread, radii, names, strict=True)
        obstacles: list[Box] = [(x - r, y - r, 2 * r, 2 * r) for (x, y), r, n in circles if n in self._brushes]
        if self._you_at is not None:
            you_x, you_y, half = self._you_at[0] / px, -self._you_at[1] / py, YOU_SIZE / 2
            obstacles.append((you_x - half, you_y - half, YOU_SIZE, YOU_SIZE))
        texts = [self._label_item(i, name) for i, name in enumerate(wanted)]
        index = {n: i for i, n in enumerate(names)}
        anchors = [(*spread[index[n]], radii[index[n]]) for n in wanted]
        sizes = [(t.boundingRect().width(), t.boundingRect().height()) for t in texts]
        view = self.getPlotItem().getViewBox().viewRect()
        bounds = (view.left() / px, -view.bottom() / py, view.width() / px, view.height() / py)
        far_for = len(selected) + LABELLED_BEST
        boxes = place_labels(anchors, sizes, obstacles, bounds, keep_first=bool(selected), far_for=far_for)
        self.labels = {}
        lines = []
        for name, text, box, (x, y, radius) in zip(wanted, texts, boxes, anchors, strict=True):
            text.setVisible(box is not None)
            if box is not None:
                text.setPos(box[0] * px, -box[1] * py)  # the box's top-left corner, back in (lon, lat)
                self.labels[name] = text
                end = leader_end(x, y, box)
                if np.hypot(end[0] - x, end[1] - y) > radius + 4:  # set apart from its marker: draw a line to it
                    lines += [(x * px, -y * py), (end[0] * px, -end[1] * py)]
        ends = np.array(lines).reshape(-1, 2)
        self._label_lines.setData(ends[:, 0], ends[:, 1], connect="pairs")
        for unused in self._label_pool[len(wanted) :]:
            unused.setVisible(False)

    def _label_item(self, slot: int, name: str) -> pg.TextItem:
        """The slot-th label, reused between layouts, showing `name` (bold when selected)."""
        while len(self._label_pool) <= slot:
            text = pg.TextItem(color=(25, 25, 25), anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 210))
            text.setZValue(Z_LABELS)
            self.addItem(text)
            self._label_pool.append(text)
        text = self._label_pool[slot]
        rank = self._rank.get(name)
        wording = f"#{rank} {name}" if rank else name
        if text.textItem.toPlainText() != wording:  # setText and setFont re-measure the text: only on a change
            text.setText(wording)
        bold = name == self._selected
        if text.textItem.font().bold() != bold or text.textItem.font().pointSizeF() != LABEL_POINTS:
            font = QFont(text.textItem.font())
            font.setPointSizeF(LABEL_POINTS)
            font.setBold(bold)
            text.setFont(font)
        return text

    # ----- view ---------------------------------------------------------------------------------------------------
    def _on_user_view(self, *_: object) -> None:
        self._zoomed = True
        self.reset_button.setEnabled(True)

    def _place_reset_button(self) -> None:
        """Bottom left, over the southern Pacific: the top left covered the title at 1024 px."""
        self.reset_button.adjustSize()
        self.reset_button.move(6, self.height() - self.reset_button.height() - 6)

    def reset_view(self) -> None:
        self._zoomed = False
        self.reset_button.setEnabled(False)
        self._show_world()

    def _set_title(self, intensity_label: str) -> None:
        """The title names the figures the colours show: the colour bar is too short for them."""
        self._intensity_label = intensity_label
        title = f"colour: grid intensity ({intensity_label})<br>size: score · hollow ring: not ranked"
        title += " · line: true place · ★ you"
        if self._borders_problem:
            title += f"<br>{self._borders_problem}"
        if title != self.title:
            self.title = title  # its lines as written; shown wrapped to the map's width
            self._show_title()

    def _show_title(self) -> None:
        """Each line wrapped to the map's width: a line wider than the map (a long intensity name, at 1024 px) was cut
        and pushed the colour scale and the labels at the right edge out of view."""
        font = QFont(self.font())
        font.setPointSizeF(TITLE_POINTS)
        metrics = QFontMetricsF(font)
        room = max(200.0, self.width() - TITLE_MARGIN_PX)
        lines = [part for line in self.title.split("<br>") for part in _wrap(line, metrics, room)]
        shown = "<br>".join(lines)
        item = self.getPlotItem()
        if shown == self._shown_title:
            return
        self._shown_title = shown
        item.setTitle(shown, size=f"{TITLE_POINTS:g}pt")
        height = max(30.0, item.titleLabel.item.boundingRect().height())  # pyqtgraph fixes the row at 30 px
        item.titleLabel.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)

    def select(self, region: str | None, follow: bool = True) -> None:
        """Ring the region's marker; with `follow`, a new selection outside a zoomed view brings it into view."""
        changed = region != self._selected
        self._selected = region
        position = self._positions.get(region or "")
        if position is None:
            self._selection.setData([], [])
        else:
            ring = self._drawn_sizes.get(region or "", MAX_SIZE) + 10
            self._selection.setData([position[0]], [position[1]], size=ring)
        if not follow or not changed:
            return
        place = self._anchors.get(region or "")
        if self._zoomed and place is not None:  # the world view shows every region already
            self._bring_into_view(place)
        self._layout(force=True)  # the selected region's label comes first

    def _bring_into_view(self, place: tuple[float, float]) -> None:
        """Pan a zoomed view to `place` if it is outside or half cut by the edge. The true place, not the drawn one:
        the spread positions lag a wheel step until the next paint."""
        view_box = self.getPlotItem().getViewBox()
        view = view_box.viewRect()
        inner = view.adjusted(view.width() / 10, view.height() / 10, -view.width() / 10, -view.height() / 10)
        if not inner.contains(*place):
            view.moveCenter(pg.Point(*place))
            view_box.setRange(view, padding=0)

    def marker_position(self, region: str) -> tuple[float, float] | None:
        """Where the region's marker is drawn (moved from its true place when markers had to spread apart)."""
        return self._positions.get(region)

    def true_position(self, region: str) -> tuple[float, float] | None:
        return self._anchors.get(region)

    def _tip(self, x: float, y: float, data: object) -> str:
        return self._tips.get(str(data), str(data))

    def _on_click(self, _item: pg.ScatterPlotItem, points: list[pg.SpotItem], _event: object) -> None:
        if len(points):
            self.regionClicked.emit(str(points[0].data()))

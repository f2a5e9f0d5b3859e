"""Pure screen geometry for the world map (no Qt): spread overlapping markers apart and place labels without overlap.

Everything is in pixels, so the result depends on the zoom: zoomed in far enough, every marker sits at its true place.
"""

from collections.abc import Sequence

import numpy as np

Box = tuple[float, float, float, float]  # left, top, width, height in pixels (y grows downwards)

PUSH = 0.7  # each marker of an overlapping pair moves 70 % of the overlap: 13 rounds for Europe, not 60 at 0.55
MAX_ROUNDS = 500
GOLDEN_ANGLE = 2.399963
LABEL_STEPS, LABEL_STEP = 3, 16.0  # a crowded label may sit up to 2 x 16 px further out, with a line to its marker


def spread_markers(
    centres: Sequence[tuple[float, float]], radii: Sequence[float], gap: float = 1.0
) -> list[tuple[float, float]]:
    """Move overlapping circles apart until every two are at least `gap` px apart (or MAX_ROUNDS pass); a circle that
    overlaps none stays where it is. Deterministic: the same input gives the same layout, and coincident centres split
    along a fixed direction per pair."""
    points = np.array(centres, dtype=float).reshape(-1, 2)
    n = len(points)
    if n < 2:
        return [(float(x), float(y)) for x, y in points]
    r = np.asarray(radii, dtype=float)
    needed = r[:, None] + r[None, :] + gap
    index = np.arange(n)
    angles = GOLDEN_ANGLE * (np.minimum.outer(index, index) * n + np.maximum.outer(index, index))
    # a pair at the same spot splits along this direction, with opposite signs for i and j
    fallback = np.stack([np.cos(angles), np.sin(angles)], axis=-1) * np.sign(index[None, :] - index[:, None])[..., None]
    for _ in range(MAX_ROUNDS):
        offsets = points[:, None, :] - points[None, :, :]  # from j to i
        distance = np.hypot(offsets[..., 0], offsets[..., 1])
        overlap = needed - distance
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() <= 1e-6:
            break
        overlap = np.clip(overlap, 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            direction = np.where(distance[..., None] > 1e-9, offsets / distance[..., None], fallback)
        points += PUSH * (overlap[..., None] * direction).sum(axis=1)
    return [(float(x), float(y)) for x, y in points]


def overlapping_pairs(centres: Sequence[tuple[float, float]], radii: Sequence[float]) -> list[tuple[int, int]]:
    """Index pairs of circles that overlap (for tests and checks)."""
    pairs = []
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            dx, dy = centres[i][0] - centres[j][0], centres[i][1] - centres[j][1]
            if (dx * dx + dy * dy) ** 0.5 < radii[i] + radii[j] - 1e-6:
                pairs.append((i, j))
    return pairs


def boxes_overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _around(x: float, y: float, radius: float, width: float, height: float) -> list[Box]:
    """A label's spots beside a circle: right, left, above, below, then the four corners."""
    pad, corner = radius + 2, radius * 0.7 + 1  # a corner spot touches the circle's diagonal, not its bounding box
    return [
        (x + pad, y - height / 2, width, height),
        (x - pad - width, y - height / 2, width, height),
        (x - width / 2, y - pad - height, width, height),
        (x - width / 2, y + pad, width, height),
        (x + corner, y - corner - height, width, height),
        (x - corner - width, y - corner - height, width, height),
        (x + corner, y + corner, width, height),
        (x - corner - width, y + corner, width, height),
    ]


def leader_end(x: float, y: float, box: Box) -> tuple[float, float]:
    """The point of `box` nearest to (x, y): where a line from a marker to its label ends."""
    return min(max(x, box[0]), box[0] + box[2]), min(max(y, box[1]), box[1] + box[3])


def _contains(outer: Box, inner: Box) -> bool:
    return (
        outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2]
        and outer[1] <= inner[1] and inner[1] + inner[3] <= outer[1] + outer[3]
    )  # fmt: skip


def place_labels(
    anchors: Sequence[tuple[float, float, float]],
    sizes: Sequence[tuple[float, float]],
    obstacles: Sequence[Box] = (),
    bounds: Box | None = None,
    keep_first: bool = True,
    far_for: int | None = None,
) -> list[Box | None]:
    """Greedy label placement in priority order. `anchors` are the labelled markers (x, y, radius), `sizes` the labels'
    (width, height). Each label tries right, left, above, below and the four corners of its marker, then (the first
    `far_for` labels, all when None) the same spots further out, and takes the first spot inside `bounds` that
    overlaps no label placed before it and no obstacle; no free spot leaves it out (None).
    With `keep_first` the first label (the selected region) is always placed, inside `bounds` where it can be."""
    placed: list[Box] = []
    result: list[Box | None] = []
    for k, ((x, y, radius), (width, height)) in enumerate(zip(anchors, sizes, strict=True)):
        steps = LABEL_STEPS if far_for is None or k < far_for else 1
        candidates = [box for step in range(steps) for box in _around(x, y, radius + step * LABEL_STEP, width, height)]
        inside = [c for c in candidates if bounds is None or _contains(bounds, c)]
        free = next((c for c in inside if not any(boxes_overlap(c, other) for other in (*placed, *obstacles))), None)
        if free is None and k == 0 and keep_first:
            free = (inside or candidates)[0]
        if free is not None:
            placed.append(free)
        result.append(free)
    return result

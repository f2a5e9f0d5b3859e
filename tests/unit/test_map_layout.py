"""The map's pure geometry: overlapping markers spread apart without overlap, lone markers stay put, labels avoid
each other (issue 11 item 10)."""

import random

from carbon_gui.ui.plots.map_layout import boxes_overlap, overlapping_pairs, place_labels, spread_markers


def test_a_dense_cluster_spreads_until_no_two_markers_overlap():
    rng = random.Random(7)
    centres = [(100 + rng.uniform(-15, 15), 80 + rng.uniform(-10, 10)) for _ in range(20)]
    centres += [(100.0, 80.0)] * 3  # coincident markers (two regions in one city) must split too
    radii = [rng.uniform(4, 13) for _ in centres]
    assert overlapping_pairs(centres, radii)  # the input really overlaps
    spread = spread_markers(centres, radii)
    assert overlapping_pairs(spread, radii) == []
    assert spread == spread_markers(centres, radii)  # deterministic


def test_markers_that_overlap_nothing_stay_at_their_true_place():
    centres = [(0.0, 0.0), (5.0, 0.0), (300.0, 300.0)]
    radii = [6.0, 6.0, 6.0]
    spread = spread_markers(centres, radii)
    assert spread[2] == (300.0, 300.0)
    assert spread[0] != (0.0, 0.0) and spread[1] != (5.0, 0.0)
    # the pair moved apart along the line between them and no further than it needed to
    assert spread[0][0] < 0 < 5 < spread[1][0]
    assert spread[1][0] - spread[0][0] < 20


def test_labels_never_overlap_and_the_first_is_always_placed():
    anchors = [(50.0, 50.0, 6.0)] * 30  # thirty markers at one spot: only so many spots around it
    sizes = [(60.0, 14.0)] * 30
    boxes = place_labels(anchors, sizes)
    placed = [b for b in boxes if b is not None]
    assert boxes[0] is not None
    assert 4 <= len(placed) < 30 and boxes[-1] is None
    for i, a in enumerate(placed):
        assert not any(boxes_overlap(a, b) for b in placed[i + 1 :])


def test_a_label_avoids_obstacles_and_the_first_keeps_its_place_even_when_crowded():
    obstacle = (57.0, 40.0, 100.0, 20.0)  # covers the spot right of the marker
    (box,) = place_labels([(50.0, 50.0, 5.0)], [(40.0, 12.0)], obstacles=[obstacle])
    assert box is not None and not boxes_overlap(box, obstacle)
    everywhere = (-1000.0, -1000.0, 3000.0, 3000.0)
    assert place_labels([(50.0, 50.0, 5.0)], [(40.0, 12.0)], obstacles=[everywhere])[0] is not None
    assert place_labels([(50.0, 50.0, 5.0)], [(40.0, 12.0)], obstacles=[everywhere], keep_first=False) == [None]

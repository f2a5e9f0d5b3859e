"""A fitted surrogate per hardware x target: one regression tree, or gradient-boosted trees, as plain arrays, and
each tree's leaves as boxes.

The service fits the models (scikit-learn) and copies them here; core never imports scikit-learn. Two views of the
same tree serve two purposes: `predict` walks the thresholds (what enumeration and the answer's check use), and
`leaves` turns each leaf into index bounds on the hyperparameters' discrete domains (what the solver embeds).
The two are computed independently, so an encoding bug shows as a disagreement.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from carbon_gui.core.dimensioning.dataset import FloatArray

IntArray = npt.NDArray[np.int64]
LEAF = -1  # child index of a leaf


def as_split_input(values: FloatArray) -> FloatArray:
    """Inputs as the tree compares them: scikit-learn's trees learn and split on float32 inputs, so a float
    hyperparameter is rounded to float32 first (whole numbers are unchanged)."""
    return values.astype(np.float32).astype(np.float64)


@dataclass(frozen=True)
class TreeModel:
    """A binary regression tree: node i splits on `feature[i]` at `threshold[i]` (x <= threshold goes left)."""

    feature: IntArray
    threshold: FloatArray
    left: IntArray  # LEAF at leaves
    right: IntArray
    value: FloatArray  # the prediction at each node (used at leaves)

    def predict(self, inputs: FloatArray, max_depth: int | None = None) -> FloatArray:
        """One prediction per row of `inputs` (rows x features), all rows walked down the tree together; with
        `max_depth`, the walk stops after that many splits (the tree cut at that depth, its nodes' means)."""
        inputs = as_split_input(inputs)
        node = np.zeros(inputs.shape[0], dtype=np.int64)
        depth = 0
        while True:
            inner = self.left[node] != LEAF
            if not inner.any() or depth == max_depth:
                return self.value[node]
            depth += 1
            at = node[inner]
            go_left = inputs[inner, self.feature[at]] <= self.threshold[at]
            node[inner] = np.where(go_left, self.left[at], self.right[at])

    def leaves(self, domains: tuple[FloatArray, ...]) -> list["Leaf"]:
        """Each leaf reachable by some point of the discrete space, as inclusive index bounds per feature."""
        split_domains = [as_split_input(d) for d in domains]
        found: list[Leaf] = []
        stack = [(0, [0] * len(domains), [len(d) - 1 for d in domains])]
        while stack:
            node, low, high = stack.pop()
            if self.left[node] == LEAF:
                found.append(Leaf(tuple(low), tuple(high), float(self.value[node])))
                continue
            feature = int(self.feature[node])
            # the first index whose value is above the threshold: the left child keeps the indices before it
            cut = int(np.searchsorted(split_domains[feature], self.threshold[node], side="right"))
            if low[feature] <= cut - 1:
                left_high = list(high)
                left_high[feature] = min(high[feature], cut - 1)
                stack.append((int(self.left[node]), low, left_high))
            if cut <= high[feature]:
                right_low = list(low)
                right_low[feature] = max(low[feature], cut)
                stack.append((int(self.right[node]), right_low, high))
        return found

    @property
    def trees(self) -> tuple["TreeModel"]:
        return (self,)

    def lowest(self) -> float:
        """No prediction is below this (the smallest node value)."""
        return float(np.min(self.value))


@dataclass(frozen=True)
class BoostedTrees:
    """Gradient boosting: `init` + `scale` (the learning rate) x the sum of the trees' predictions. `predict` adds
    the trees one by one as scikit-learn does, so both give the same floats."""

    init: float
    scale: float
    trees: tuple[TreeModel, ...]

    def predict(self, inputs: FloatArray) -> FloatArray:
        total = np.full(inputs.shape[0], self.init, dtype=np.float64)
        for tree in self.trees:
            total += self.scale * tree.predict(inputs)
        return total

    def lowest(self) -> float:
        """No prediction is below this: every tree at its smallest value (the learning rate is positive)."""
        return self.init + self.scale * sum(tree.lowest() for tree in self.trees)

    def cell_count(self, domains: tuple[FloatArray, ...]) -> int:
        return math.prod(len(segment_starts(self, axis, d)) for axis, d in enumerate(domains))

    def cells(self, domains: tuple[FloatArray, ...]) -> list["Leaf"]:
        """The boosted model as one partition of the space into boxes on which it is constant: the grid cut at every
        tree's thresholds. Each box's value is `predict` at one of its points, the very float enumeration computes
        anywhere in the box (every tree is in the same leaf there, and the sum adds them in the same order). Sizes
        multiply across hyperparameters: check `cell_count` first."""
        starts = [segment_starts(self, axis, d) for axis, d in enumerate(domains)]
        ends = [np.append(s[1:] - 1, len(d) - 1) for s, d in zip(starts, domains, strict=True)]
        combos = list(itertools.product(*(range(len(s)) for s in starts)))
        corners = np.array(
            [[float(d[s[k]]) for d, s, k in zip(domains, starts, combo, strict=True)] for combo in combos],
            dtype=np.float64,
        ).reshape(len(combos), len(domains))
        values = self.predict(corners)
        return [
            Leaf(
                tuple(int(s[k]) for s, k in zip(starts, combo, strict=True)),
                tuple(int(e[k]) for e, k in zip(ends, combo, strict=True)),
                float(value),
            )
            for combo, value in zip(combos, values, strict=True)
        ]


def segment_starts(model: "TreeModel | BoostedTrees", axis: int, domain: FloatArray) -> IntArray:
    """Indices into `domain` where the model's prediction along `axis` may change: the first value past each of its
    trees' thresholds on that hyperparameter (and 0). Between two starts the prediction is constant, whatever the
    other hyperparameters are."""
    thresholds = np.concatenate([tree.threshold[(tree.left != LEAF) & (tree.feature == axis)] for tree in model.trees])
    cuts = np.searchsorted(as_split_input(domain), thresholds, side="right")
    return np.unique(np.concatenate(([0], cuts[(cuts > 0) & (cuts < len(domain))]))).astype(np.int64)


SurrogateModel = TreeModel | BoostedTrees
TREE = "tree"
BOOSTING = "boosting"


@dataclass(frozen=True)
class Leaf:
    low: tuple[int, ...]  # inclusive index into each hyperparameter's domain
    high: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Surrogate:
    hardware: str
    target: str
    model: SurrogateModel
    depth: int  # of the tree (boosting: of each tree)
    depth_chosen_by: str  # "cross-validation", "user" or (boosting) "default"
    cv_mae: float
    cv_r2: float
    abs_errors: FloatArray  # absolute cross-validated errors, one per run: HADA's robustness margin is a quantile
    trees_chosen_by: str = ""  # boosting: how many trees, "cross-validation" or "user"

    @property
    def kind(self) -> str:
        return BOOSTING if isinstance(self.model, BoostedTrees) else TREE

    @property
    def trees(self) -> int:
        return len(self.model.trees)

    def description(self) -> str:
        """e.g. 'decision tree of depth 6 (cross-validation)', '20 boosted trees of depth 3 (default; trees by
        cross-validation)'."""
        if isinstance(self.model, TreeModel):
            return f"decision tree of depth {self.depth} ({self.depth_chosen_by})"
        how = f"{self.depth_chosen_by}; trees by {self.trees_chosen_by}"
        return f"{self.trees} boosted trees of depth {self.depth} ({how})"

    def margin(self, quantile: float | None) -> float:
        return 0.0 if quantile is None else float(np.quantile(self.abs_errors, quantile))

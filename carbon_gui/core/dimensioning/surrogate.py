"""A fitted surrogate: one regression tree per hardware x target, as plain arrays, and its leaves as boxes.

The service fits the trees (scikit-learn) and copies them here; core never imports scikit-learn. Two views of the
same tree serve two purposes: `predict` walks the thresholds (what enumeration and the answer's check use), and
`leaves` turns each leaf into index bounds on the hyperparameters' discrete domains (what the solver embeds).
The two are computed independently, so an encoding bug shows as a disagreement.
"""

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


@dataclass(frozen=True)
class Leaf:
    low: tuple[int, ...]  # inclusive index into each hyperparameter's domain
    high: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Surrogate:
    hardware: str
    target: str
    tree: TreeModel
    depth: int
    depth_chosen_by: str  # "cross-validation" or "user"
    cv_mae: float
    cv_r2: float
    abs_errors: FloatArray  # absolute cross-validated errors, one per run: HADA's robustness margin is a quantile

    def margin(self, quantile: float | None) -> float:
        return 0.0 if quantile is None else float(np.quantile(self.abs_errors, quantile))

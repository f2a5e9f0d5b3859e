"""The optimisation problem over surrogates, its encoding for an exact solver, and exhaustive enumeration.

A `Choice` is one thing the optimiser may pick: a hardware platform (and, with regions, a region), with the
hyperparameters' discrete domains and, per target, a `Term`: a surrogate times a factor (1, or the region's
kg CO2e per kWh for carbon computed from energy). `encode` gives the solvers what they embed: per choice and
target, the tree's leaves that the constraints allow (leaf value tightened by the margin), merged into boxes,
and an integer rank per objective box; regions that cannot win are left out (`undominated`). `enumerate_best`
evaluates every point of every choice by walking the trees: the cross-check. docs/DIMENSIONING.md explains why.
"""

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from carbon_gui.core.dimensioning.dataset import FloatArray
from carbon_gui.core.dimensioning.request import AT_MOST, MINIMIZE, DimensionRequest
from carbon_gui.core.dimensioning.surrogate import Leaf, Surrogate
from carbon_gui.core.errors import InputError

BoolArray = npt.NDArray[np.bool_]
MAX_ENUMERATED_POINTS = 2_000_000  # per choice: beyond this the cross-check would take seconds


@dataclass(frozen=True)
class Term:
    """A target on one choice: the surrogate's prediction times `factor`; its margin scales the same way."""

    surrogate: Surrogate
    factor: float = 1.0

    def predict(self, inputs: FloatArray) -> FloatArray:
        return self.surrogate.tree.predict(inputs) * self.factor

    def margin(self, quantile: float | None) -> float:
        return self.surrogate.margin(quantile) * self.factor


@dataclass(frozen=True)
class Choice:
    hardware: str
    region: str | None
    domains: tuple[FloatArray, ...]  # per hyperparameter, the values it can take
    terms: dict[str, Term]

    def configuration(self, indices: tuple[int, ...]) -> tuple[float, ...]:
        return tuple(float(d[i]) for d, i in zip(self.domains, indices, strict=True))


@dataclass(frozen=True)
class Problem:
    hyperparameters: tuple[str, ...]
    choices: tuple[Choice, ...]
    request: DimensionRequest
    notes: tuple[str, ...] = ()  # why some hardware or regions were left out


@dataclass(frozen=True)
class Solution:
    choice: int  # index into Problem.choices
    indices: tuple[int, ...]  # index into each hyperparameter's domain
    objective: float  # the objective's value there (tightened when the objective says so)


@dataclass(frozen=True)
class EncodedLeaf:
    """A box of the space for the solver: a leaf, or neighbouring leaves merged (a merged box of a tree that is only
    constrained has no single value: NaN)."""

    leaf: Leaf
    rank: int = 0  # objective leaves only: the leaf's place among all objective values (0 = smallest)


@dataclass(frozen=True)
class EncodedChoice:
    index: int  # into Problem.choices
    trees: tuple[tuple[EncodedLeaf, ...], ...]  # per target the request names: the leaves the constraints allow
    objective_tree: int  # which of `trees` the objective reads
    scores: tuple[float, ...] = field(default=())  # objective value per leaf of the objective tree


def objective_scores(problem: Problem, term: Term, values: FloatArray) -> FloatArray:
    """The values the objective optimises: the predictions, or for `tightened` objectives (how close can this target
    get to a limit) the predictions moved by the margin the way a constraint would move them."""
    objective = problem.request.objective
    if not objective.tightened:
        return values
    margin = term.margin(problem.request.margin_quantile)
    return values + margin if objective.sense == MINIMIZE else values - margin


def allowed(problem: Problem, choice: Choice, target: str, values: FloatArray) -> BoolArray:
    """Which predicted `values` of `target` meet every constraint on it, each tightened by the margin."""
    request = problem.request
    margin = choice.terms[target].margin(request.margin_quantile)
    ok = np.ones(values.shape, dtype=bool)
    for c in request.constraints:
        if c.target == target:
            ok &= values + margin <= c.bound if c.sense == AT_MOST else values - margin >= c.bound
    return ok


def encode(problem: Problem) -> list[EncodedChoice]:
    """What a solver embeds. A choice with a target whose every leaf breaks a constraint is left out; the objective's
    leaf values become integer ranks, so the solver optimises exactly (no scaling, no rounding of values)."""
    targets = problem.request.targets
    objective_tree = targets.index(problem.request.objective.target)
    staged: list[tuple[int, list[list[Leaf]], list[float]]] = []
    tree_leaves: dict[tuple[int, int], list[Leaf]] = {}  # one walk per tree and domain, shared by its regions
    for index in undominated(problem):
        choice = problem.choices[index]
        trees: list[list[Leaf]] = []
        for target in targets:
            term = choice.terms[target]
            key = (id(term.surrogate.tree), id(choice.domains))
            if key not in tree_leaves:
                tree_leaves[key] = term.surrogate.tree.leaves(choice.domains)
            leaves = [Leaf(leaf.low, leaf.high, leaf.value * term.factor) for leaf in tree_leaves[key]]
            keep = allowed(problem, choice, target, np.array([leaf.value for leaf in leaves], dtype=np.float64))
            trees.append([leaf for leaf, ok in zip(leaves, keep, strict=True) if ok])
        if all(trees):
            objective_term = choice.terms[targets[objective_tree]]
            values = np.array([leaf.value for leaf in trees[objective_tree]], dtype=np.float64)
            scores = objective_scores(problem, objective_term, values).tolist()
            staged.append((index, trees, scores))
    all_scores = np.array([s for _, _, scores in staged for s in scores], dtype=np.float64)
    distinct = np.unique(all_scores)
    encoded = []
    for index, trees, scores in staged:
        ranks = [int(r) for r in np.searchsorted(distinct, np.array(scores, dtype=np.float64))]
        # fewer literals, same feasible set: neighbouring leaves of equal rank (objective) or any allowed
        # neighbouring leaves (a tree only constrained) become one box
        objective = merge_boxes(trees[objective_tree], ranks)
        rank_score = dict(zip(ranks, scores, strict=True))
        encoded_trees = tuple(
            tuple(EncodedLeaf(leaf, rank) for leaf, rank in objective)
            if t == objective_tree
            else tuple(
                EncodedLeaf(Leaf(leaf.low, leaf.high, math.nan)) for leaf, _ in merge_boxes(tree, [0] * len(tree))
            )
            for t, tree in enumerate(trees)
        )
        encoded.append(EncodedChoice(index, encoded_trees, objective_tree, tuple(rank_score[r] for _, r in objective)))
    return encoded


def undominated(problem: Problem) -> list[int]:
    """The choices worth modelling. Regions of one hardware differ only in the factors of their regional targets
    (carbon, cost); when each such target is only minimised or limited from above and its tree predicts no
    negative value, a region whose factors are all at least another's can never do better, and is left out
    (exactly: the optimum value is unchanged; enumeration, which keeps every choice, checks it)."""
    request = problem.request
    upward = {c.target for c in request.constraints if c.sense != AT_MOST}
    if request.objective.sense != MINIMIZE:
        upward.add(request.objective.target)
    groups: dict[str, list[int]] = {}
    for index, choice in enumerate(problem.choices):
        groups.setdefault(choice.hardware, []).append(index)
    kept: list[int] = []
    for members in groups.values():
        first = problem.choices[members[0]]
        regional = [
            t
            for t in request.targets
            if any(problem.choices[i].terms[t].factor != first.terms[t].factor for i in members)
        ]
        prunable = len(members) > 1 and all(
            t not in upward
            and all(problem.choices[i].terms[t].factor >= 0 for i in members)
            and float(np.min(first.terms[t].surrogate.tree.value)) >= 0
            for t in regional
        )
        if not prunable:
            kept.extend(members)
            continue
        factors = {i: [problem.choices[i].terms[t].factor for t in regional] for i in members}
        for i in members:
            beaten = any(
                all(a <= b for a, b in zip(factors[j], factors[i], strict=True)) and (factors[j] != factors[i] or j < i)
                for j in members
                if j != i
            )
            if not beaten:
                kept.append(i)
    return sorted(kept)


def merge_boxes(leaves: list[Leaf], keys: list[int]) -> list[tuple[Leaf, int]]:
    """Leaves whose boxes are neighbours along one hyperparameter and equal along the others, with the same key,
    merged into one box (repeated until nothing merges). The union of the boxes is unchanged."""
    boxes = list(zip(leaves, keys, strict=True))
    dimensions = len(leaves[0].low) if leaves else 0
    changed = True
    while changed:
        changed = False
        for dim in range(dimensions):
            groups: dict[tuple[object, ...], list[tuple[Leaf, int]]] = {}
            for leaf, key in boxes:
                rest = (key, leaf.low[:dim] + leaf.low[dim + 1 :], leaf.high[:dim] + leaf.high[dim + 1 :])
                groups.setdefault(rest, []).append((leaf, key))
            boxes = []
            for members in groups.values():
                members.sort(key=lambda member: member[0].low[dim])
                current, key = members[0]
                for leaf, _ in members[1:]:
                    if leaf.low[dim] == current.high[dim] + 1:
                        high = (*current.high[:dim], leaf.high[dim], *current.high[dim + 1 :])
                        current = Leaf(current.low, high, current.value)
                        changed = True
                    else:
                        boxes.append((current, key))
                        current = leaf
                boxes.append((current, key))
    return boxes


def grid(domains: tuple[FloatArray, ...]) -> FloatArray:
    """Every point of the discrete space, one row each (the last hyperparameter varies fastest)."""
    size = math.prod(len(d) for d in domains)
    if size > MAX_ENUMERATED_POINTS:
        raise InputError(
            f"The hyperparameter space has {size:,} points, too many to enumerate (limit {MAX_ENUMERATED_POINTS:,}): "
            "use an exact solver instead of enumeration, or give the hyperparameters narrower bounds (LB/UB)."
        )
    return np.array(list(itertools.product(*domains)), dtype=np.float64).reshape(size, len(domains))


def enumerate_best(problem: Problem) -> Solution | None:
    """The optimum by trying every point of every choice; None when no point meets the constraints.
    Ties go to the first choice and point in order (the optimum value is what must agree with a solver)."""
    request = problem.request
    best: Solution | None = None
    for index, choice in enumerate(problem.choices):
        points = grid(choice.domains)
        ok = np.ones(points.shape[0], dtype=bool)
        predicted = {target: choice.terms[target].predict(points) for target in request.targets}
        for target in request.targets:
            ok &= allowed(problem, choice, target, predicted[target])
        if not ok.any():
            continue
        target = request.objective.target
        scores = objective_scores(problem, choice.terms[target], predicted[target])
        candidates = np.flatnonzero(ok)
        best_of = np.argmin if request.objective.sense == MINIMIZE else np.argmax
        pick = candidates[best_of(scores[candidates])]
        value = float(scores[pick])
        if best is None or _better(value, best.objective, request.objective.sense):
            sizes = [len(d) for d in choice.domains]
            indices = tuple(int(i) for i in np.unravel_index(int(pick), sizes))
            best = Solution(index, indices, value)
    return best


def _better(value: float, incumbent: float, sense: str) -> bool:
    return value < incumbent if sense == MINIMIZE else value > incumbent

"""The optimisation problem over surrogates, its encoding for an exact solver, and exhaustive enumeration.

A `Choice` is one thing the optimiser may pick: a hardware platform (and, with regions, a region), with the
hyperparameters' discrete domains and, per target, a `Term`: a surrogate times a factor (1, or the region's
kg CO2e per kWh for carbon computed from energy). `encode` gives the solvers what they embed: per choice and
single-tree target, the tree's leaves that the constraints allow (leaf value tightened by the margin), merged into
boxes, and an integer rank per objective box; per boosted target, a `BoostedSum`: every tree's leaves with their
real contributions and the limits on their sum (a solver with real coefficients, HiGHS, embeds it). Regions that
cannot win are left out (`undominated`). `enumerate_best` evaluates every point of every choice by walking the
trees: the cross-check. docs/DIMENSIONING.md explains why.
"""

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt

from carbon_gui.core.dimensioning.dataset import FloatArray
from carbon_gui.core.dimensioning.request import AT_MOST, MINIMIZE, Constraint, DimensionRequest
from carbon_gui.core.dimensioning.surrogate import BoostedTrees, Leaf, Surrogate, TreeModel
from carbon_gui.core.errors import InputError

BoolArray = npt.NDArray[np.bool_]
MAX_ENUMERATED_POINTS = 2_000_000  # per choice: beyond this the cross-check would take seconds
MAX_COMPILED_CELLS = 20_000  # a boosted model cut into more boxes than this is embedded as a sum of trees instead


@dataclass(frozen=True)
class Term:
    """A target on one choice: the surrogate's prediction times `factor`; its margin scales the same way."""

    surrogate: Surrogate
    factor: float = 1.0

    def predict(self, inputs: FloatArray) -> FloatArray:
        return self.surrogate.model.predict(inputs) * self.factor

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
    solver_values: dict[str, float] = field(default_factory=dict)  # boosted targets: the value the solver summed


@dataclass(frozen=True)
class EncodedLeaf:
    """A box of the space for the solver: a leaf, or neighbouring leaves merged (a merged box of a tree that is only
    constrained has no single value: NaN)."""

    leaf: Leaf
    rank: int = 0  # objective leaves only: the leaf's place among all objective values (0 = smallest)


@dataclass(frozen=True)
class BoostedSum:
    """A boosted target on one choice: its value is `constant` + the sum over `trees` of the selected leaf's value
    (factor and learning rate already applied), and must lie within [lower, upper] (the limits moved by the margin)."""

    target: str
    constant: float
    trees: tuple[tuple[Leaf, ...], ...]  # every leaf of each tree reachable in the discrete space
    lower: float = -math.inf
    upper: float = math.inf

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the sum can take, each tree on its own."""
        low = self.constant + sum(min(leaf.value for leaf in leaves) for leaves in self.trees)
        high = self.constant + sum(max(leaf.value for leaf in leaves) for leaves in self.trees)
        return low, high


@dataclass(frozen=True)
class EncodedChoice:
    index: int  # into Problem.choices
    trees: tuple[tuple[EncodedLeaf, ...], ...]  # per single-tree target of the request: the leaves allowed
    objective_tree: int | None  # which of `trees` the objective reads (None: the objective is a boosted sum)
    scores: tuple[float, ...] = field(default=())  # objective value per leaf of the objective tree
    sums: tuple[BoostedSum, ...] = ()  # per boosted target of the request
    objective_sum: int | None = None  # which of `sums` the objective reads


def objective_scores(problem: Problem, term: Term, values: FloatArray) -> FloatArray:
    """The values the objective optimises: the predictions, or for `tightened` objectives (how close can this target
    get to a limit) the predictions moved by the margin the way a constraint would move them."""
    objective = problem.request.objective
    if not objective.tightened:
        return values
    margin = term.margin(problem.request.margin_quantile)
    return values + margin if objective.sense == MINIMIZE else values - margin


def objective_at(problem: Problem, choice: int, indices: tuple[int, ...]) -> float:
    """The objective's value at one point of one choice, from the models (as enumeration computes it)."""
    at = problem.choices[choice]
    term = at.terms[problem.request.objective.target]
    point = np.array([at.configuration(indices)], dtype=np.float64)
    return float(objective_scores(problem, term, term.predict(point))[0])


def allowed(problem: Problem, choice: Choice, target: str, values: FloatArray) -> BoolArray:
    """Which predicted `values` of `target` meet every constraint on it, each tightened by the margin."""
    request = problem.request
    margin = choice.terms[target].margin(request.margin_quantile)
    ok = np.ones(values.shape, dtype=bool)
    for c in request.constraints:
        if c.target == target:
            ok &= meets(c, values, margin)
    return ok


def meets(constraint: Constraint, values: FloatArray, margin: float) -> BoolArray:
    """Which `values` meet one constraint tightened by `margin`."""
    if constraint.sense == AT_MOST:
        return np.asarray(values + margin <= constraint.bound)
    return np.asarray(values - margin >= constraint.bound)


def encode(problem: Problem, max_cells: int = MAX_COMPILED_CELLS) -> list[EncodedChoice]:
    """What a solver embeds. A boosted model whose space splits into at most `max_cells` boxes is embedded as one
    tree whose leaves are those boxes (`BoostedTrees.cells`: exact values, any solver); a larger one as a
    `BoostedSum`. A choice with a target whose every leaf breaks a constraint (or a sum that cannot reach its limits)
    is left out; a tree objective's leaf values become integer ranks, so the solver optimises exactly (no scaling,
    no rounding of values)."""
    targets = problem.request.targets
    objective_target = problem.request.objective.target
    staged: list[tuple[int, dict[str, list[Leaf]], list[BoostedSum], list[float]]] = []
    tree_leaves: dict[tuple[int, int], list[Leaf]] = {}  # one walk per tree and domain, shared by its regions

    def leaves_of(model: TreeModel | BoostedTrees, choice: Choice, scale: float) -> list[Leaf]:
        key = (id(model), id(choice.domains))
        if key not in tree_leaves:
            tree_leaves[key] = (
                model.leaves(choice.domains) if isinstance(model, TreeModel) else model.cells(choice.domains)
            )
        return [Leaf(leaf.low, leaf.high, leaf.value * scale) for leaf in tree_leaves[key]]

    for index in undominated(problem):
        choice = problem.choices[index]
        trees: dict[str, list[Leaf]] = {}
        sums: list[BoostedSum] = []
        for target in targets:
            term = choice.terms[target]
            model = term.surrogate.model
            if isinstance(model, BoostedTrees) and model.cell_count(choice.domains) > max_cells:
                sums.append(boosted_sum(problem, choice, target, model, partial(leaves_of, choice=choice, scale=1.0)))
                continue
            leaves = leaves_of(model, choice, term.factor)
            keep = allowed(problem, choice, target, np.array([leaf.value for leaf in leaves], dtype=np.float64))
            trees[target] = [leaf for leaf, ok in zip(leaves, keep, strict=True) if ok]
        reachable = all(s.bounds()[0] <= s.upper and s.bounds()[1] >= s.lower for s in sums)
        if all(trees.values()) and reachable:
            scores: list[float] = []
            if objective_target in trees:
                values = np.array([leaf.value for leaf in trees[objective_target]], dtype=np.float64)
                scores = objective_scores(problem, choice.terms[objective_target], values).tolist()
            staged.append((index, trees, sums, scores))
    all_scores = np.array([s for *_, scores in staged for s in scores], dtype=np.float64)
    distinct = np.unique(all_scores)
    encoded = []
    for index, trees, sums, scores in staged:
        ranks = [int(r) for r in np.searchsorted(distinct, np.array(scores, dtype=np.float64))]
        rank_score = dict(zip(ranks, scores, strict=True))
        encoded_trees = []
        ordered_scores: tuple[float, ...] = ()
        for target, tree in trees.items():
            # fewer literals, same feasible set: neighbouring leaves of equal rank (objective) or any allowed
            # neighbouring leaves (a tree only constrained) become one box
            if target == objective_target:
                objective = merge_boxes(tree, ranks)
                encoded_trees.append(tuple(EncodedLeaf(leaf, rank) for leaf, rank in objective))
                ordered_scores = tuple(rank_score[r] for _, r in objective)
            else:
                boxes = merge_boxes(tree, [0] * len(tree))
                encoded_trees.append(tuple(EncodedLeaf(Leaf(leaf.low, leaf.high, math.nan)) for leaf, _ in boxes))
        sum_targets = [s.target for s in sums]
        encoded.append(
            EncodedChoice(
                index,
                tuple(encoded_trees),
                list(trees).index(objective_target) if objective_target in trees else None,
                ordered_scores,
                tuple(sums),
                sum_targets.index(objective_target) if objective_target in sum_targets else None,
            )
        )
    return encoded


def boosted_sum(
    problem: Problem,
    choice: Choice,
    target: str,
    model: BoostedTrees,
    leaves_of: Callable[[TreeModel], list[Leaf]],
) -> BoostedSum:
    """A boosted target as the solver sums it: each leaf's value x learning rate x the term's factor, and the
    constraints on the target as limits on the sum, moved by the margin as `allowed` moves them."""
    factor = choice.terms[target].factor
    scale = model.scale * factor
    trees = tuple(
        tuple(Leaf(leaf.low, leaf.high, leaf.value * scale) for leaf in leaves_of(tree)) for tree in model.trees
    )
    margin = choice.terms[target].margin(problem.request.margin_quantile)
    lower, upper = -math.inf, math.inf
    for c in problem.request.constraints:
        if c.target == target and c.sense == AT_MOST:
            upper = min(upper, c.bound - margin)
        elif c.target == target:
            lower = max(lower, c.bound + margin)
    return BoostedSum(target, model.init * factor, trees, lower, upper)


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
            and first.terms[t].surrogate.model.lowest() >= 0
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
    Ties go to the first choice and point in order (the optimum value is what must agree with a solver; among
    regions, service.cleanest_region then breaks the tie, for every solver alike)."""
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


@dataclass(frozen=True)
class Elsewhere:
    """The solution's hardware and configuration in one of the problem's choices (another region, or its own)."""

    choice: int  # index into Problem.choices
    objective: float  # the objective's value there, from the models (`objective_at`)
    broken: tuple[str, ...]  # the constraints the point breaks there, margin included (Constraint.text)


def elsewhere(problem: Problem, solution: Solution) -> list[Elsewhere]:
    """The solution's point in every choice of the same hardware, its own included (first): what a region changes
    about the answer. Regions differ only in their terms' factors, so the point exists in each; the objective and
    the limits are evaluated there as enumeration evaluates them."""
    chosen = problem.choices[solution.choice]
    point = np.array([chosen.configuration(solution.indices)], dtype=np.float64)
    same = [solution.choice] + [
        i for i, c in enumerate(problem.choices) if c.hardware == chosen.hardware and i != solution.choice
    ]
    found = []
    for index in same:
        choice = problem.choices[index]
        broken = tuple(
            c.text()
            for c in problem.request.constraints
            if not meets(
                c, choice.terms[c.target].predict(point), choice.terms[c.target].margin(problem.request.margin_quantile)
            )[0]
        )
        found.append(Elsewhere(index, objective_at(problem, index, solution.indices), broken))
    return found


def _better(value: float, incumbent: float, sense: str) -> bool:
    return value < incumbent if sense == MINIMIZE else value > incumbent

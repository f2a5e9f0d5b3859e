"""The dimensioning's default exact solver: HiGHS (highspy), the trees embedded as a MILP (EML).

Columns per choice (hardware, region): `use` (binary), one integer per hyperparameter (an index into its domain)
and one binary per allowed leaf of each target's tree. Rows: exactly one choice is used; per tree, its leaf
binaries sum to `use`; and the active leaf bounds the hyperparameters: x - sum(low*leaf) >= 0, x - sum(high*leaf)
<= 0 (the tight form: when the choice is unused, x is 0). The objective is the sum of the objective leaves'
integer ranks, so no value is scaled or rounded. Measured against CP-SAT: docs/DIMENSIONING.md.

A boosted target (gradient boosting) is a sum: each of its trees gets leaf binaries and bound rows as above, and its
value is constant x use + sum(leaf value x leaf binary), real coefficients, limited by rows (its limits) or
minimised (the objective). Those rows are divided by their largest coefficient, so HiGHS's absolute tolerances
are relative to the target's size, and tightened by SUM_GUARD, so that a point accepted within the tolerance still
meets the limit exactly (a point within SUM_GUARD of a limit is refused: the optimum may differ from enumeration
there). The objective value returned is the models' own, recomputed at the answer.
highspy loads on first use.
"""

import os
import threading
from typing import Any

import numpy as np

from carbon_gui.core.dimensioning.problem import BoostedSum, EncodedChoice, Problem, Solution, objective_at
from carbon_gui.core.dimensioning.request import MINIMIZE
from carbon_gui.core.dimensioning.surrogate import Leaf
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning import TIME_LIMIT_S, SolverError

NAME = "highs"
# With a boosted sum embedded: HiGHS's feasibility tolerances (rows scaled to about 1), and how much each limit row
# is tightened (relative to its largest coefficient). Measured on random HADA requests: tolerances of 1e-9 without
# presolve returned a worse point as optimal; these, with presolve, found enumeration's optimum every time, in
# ~0.1 s with 10 trees of depth 2, but 1-30 s (once the 30 s limit) with 50 trees of depth 3: the sum is the
# fallback for spaces too large to cut into boxes (problem.MAX_COMPILED_CELLS), not the usual path.
SUM_TOLERANCE = 1e-7
SUM_GUARD = 1e-6
_first_instance = threading.Lock()
_banner_done = False


def load() -> None:
    """Import highspy and make the process's first Highs instance, whose banner HiGHS prints on the process's
    stdout before any option can be set (it would corrupt the CLI's JSON): that one construction runs with file
    descriptor 1 sent to /dev/null. Later instances print nothing."""
    global _banner_done
    try:
        import highspy
    except ImportError:
        raise InputError("The HiGHS solver (highspy) is not installed: reinstall carbon-gui.") from None
    with _first_instance:
        if _banner_done:
            return
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_done = True


def _new_highs() -> Any:
    import highspy

    load()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", TIME_LIMIT_S)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("presolve", "off")  # measured on the HADA request: 1.4 s with presolve, 25 ms without
    return highs


def solve(problem: Problem, encoded: list[EncodedChoice]) -> Solution | None:
    import highspy

    if not encoded:
        return None
    lower: list[float] = []
    upper: list[float] = []
    cost: list[float] = []
    rows: list[tuple[float, float, list[int], list[float]]] = []  # (lower, upper, columns, coefficients)

    def column(high: float, objective: float = 0.0) -> int:
        lower.append(0.0)
        upper.append(high)
        cost.append(objective)
        return len(lower) - 1

    def leaf_columns(x: list[int], use: int, leaves: list[Leaf], costs: list[float]) -> list[int]:
        """One binary per leaf: exactly one is set when the choice is used, and it bounds the hyperparameters."""
        literals = [column(1.0, c) for c in costs]
        rows.append((0.0, 0.0, [*literals, use], [1.0] * len(literals) + [-1.0]))
        for j, var in enumerate(x):  # x - sum(low*lit) >= 0 and x - sum(high*lit) <= 0
            rows.append((0.0, np.inf, [var, *literals], [1.0] + [-float(leaf.low[j]) for leaf in leaves]))
            rows.append((-np.inf, 0.0, [var, *literals], [1.0] + [-float(leaf.high[j]) for leaf in leaves]))
        return literals

    objective_scale = max((_size(c.sums[c.objective_sum]) for c in encoded if c.objective_sum is not None), default=1)
    uses = [column(1.0) for _ in encoded]
    rows.append((1.0, 1.0, uses, [1.0] * len(uses)))
    hyper: list[list[int]] = []
    objective_columns: dict[int, list[int]] = {}  # per choice with a single-tree objective: its leaf binaries
    sum_columns: list[list[list[list[int]]]] = []  # per choice, per sum, per tree: the leaf binaries
    for position, (choice, use) in enumerate(zip(encoded, uses, strict=True)):
        x = [column(len(d) - 1) for d in problem.choices[choice.index].domains]
        hyper.append(x)
        for t, encoded_leaves in enumerate(choice.trees):
            is_objective = t == choice.objective_tree
            costs = [float(e.rank) if is_objective else 0.0 for e in encoded_leaves]
            literals = leaf_columns(x, use, [e.leaf for e in encoded_leaves], costs)
            if is_objective:
                objective_columns[position] = literals
        per_sum = []
        for k, total in enumerate(choice.sums):
            per_tree = []
            weight = 1 / objective_scale if k == choice.objective_sum else 0.0
            for leaves in total.trees:
                per_tree.append(leaf_columns(x, use, list(leaves), [leaf.value * weight for leaf in leaves]))
            cost[use] += total.constant * weight
            _limit_rows(total, per_tree, use, rows)
            per_sum.append(per_tree)
        sum_columns.append(per_sum)
    highs = _new_highs()
    if any(c.sums for c in encoded):
        for option in ("primal_feasibility_tolerance", "mip_feasibility_tolerance"):
            highs.setOptionValue(option, SUM_TOLERANCE)
        highs.setOptionValue("presolve", "on")  # sums: faster with it, and without it a worse point came back
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap", 0.0)
    inf = highspy.kHighsInf
    count = len(lower)
    highs.addVars(count, np.array(lower), np.array(upper))
    highs.changeColsCost(count, np.arange(count, dtype=np.int32), np.array(cost))
    highs.changeColsIntegrality(
        count, np.arange(count, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * count)
    )
    starts: list[int] = []
    indices: list[int] = []
    values: list[float] = []
    for _, _, cols, coefficients in rows:
        starts.append(len(indices))
        indices.extend(cols)
        values.extend(coefficients)
    row_lower = np.array([max(r[0], -inf) for r in rows])
    row_upper = np.array([min(r[1], inf) for r in rows])
    highs.addRows(
        len(rows),
        row_lower,
        row_upper,
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(values),
    )
    if problem.request.objective.sense != MINIMIZE:
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS stopped without proving an optimum ({highs.modelStatusToString(status)}).")
    solution = np.array(highs.getSolution().col_value)
    chosen = next(k for k, use in enumerate(uses) if solution[use] > 0.5)
    choice = encoded[chosen]
    point = tuple(round(solution[v]) for v in hyper[chosen])
    summed = {  # each boosted target as the solver sees it: its constant and the leaves it set
        total.target: total.constant
        + sum(
            leaf.value
            for leaves, literals in zip(total.trees, per_tree, strict=True)
            for leaf, lit in zip(leaves, literals, strict=True)
            if solution[lit] > 0.5
        )
        for total, per_tree in zip(choice.sums, sum_columns[chosen], strict=True)
    }
    if choice.objective_tree is None:  # a boosted objective: its value from the models, at the answer
        return Solution(choice.index, point, objective_at(problem, choice.index, point), summed)
    leaf = next(k for k, col in enumerate(objective_columns[chosen]) if solution[col] > 0.5)
    return Solution(choice.index, point, choice.scores[leaf], summed)


def _size(total: BoostedSum) -> float:
    """The largest coefficient of a boosted sum's rows: rows divided by it have coefficients of about 1."""
    largest = max([abs(total.constant), *(abs(leaf.value) for leaves in total.trees for leaf in leaves)])
    return largest if largest > 0 else 1.0


def _limit_rows(
    total: BoostedSum, per_tree: list[list[int]], use: int, rows: list[tuple[float, float, list[int], list[float]]]
) -> None:
    """constant x use + sum(value x leaf) within [lower, upper] when the choice is used (0 <= 0 when not), scaled."""
    columns = [lit for literals in per_tree for lit in literals]
    values = [leaf.value for leaves in total.trees for leaf in leaves]
    for limit, sense in ((total.upper, 1.0), (total.lower, -1.0)):
        if not np.isfinite(limit):
            continue
        size = max(_size(total), abs(limit))
        # sense x (sum - limit) <= -guard, with use multiplying the constant part
        coefficients = [sense * v / size for v in values] + [sense * (total.constant - limit) / size + SUM_GUARD]
        rows.append((-np.inf, 0.0, [*columns, use], coefficients))

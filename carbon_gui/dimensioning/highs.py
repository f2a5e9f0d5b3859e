"""The dimensioning's default exact solver: HiGHS (highspy), the trees embedded as a MILP (EML).

Columns per choice (hardware, region): `use` (binary), one integer per hyperparameter (an index into its domain)
and one binary per allowed leaf of each target's tree. Rows: exactly one choice is used; per tree, its leaf
binaries sum to `use`; and the active leaf bounds the hyperparameters: x - sum(low*leaf) >= 0, x - sum(high*leaf)
<= 0 (the tight form: when the choice is unused, x is 0). The objective is the sum of the objective leaves'
integer ranks, so no value is scaled or rounded. Measured against CP-SAT: docs/DIMENSIONING.md.
highspy loads on first use.
"""

import os
import threading
from typing import Any

import numpy as np

from carbon_gui.core.dimensioning.problem import EncodedChoice, Problem, Solution
from carbon_gui.core.dimensioning.request import MINIMIZE
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning import TIME_LIMIT_S, SolverError

NAME = "highs"
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

    uses = [column(1.0) for _ in encoded]
    rows.append((1.0, 1.0, uses, [1.0] * len(uses)))
    hyper: list[list[int]] = []
    objective_columns: list[list[int]] = []
    for choice, use in zip(encoded, uses, strict=True):
        x = [column(len(d) - 1) for d in problem.choices[choice.index].domains]
        hyper.append(x)
        for t, leaves in enumerate(choice.trees):
            is_objective = t == choice.objective_tree
            literals = [column(1.0, float(e.rank) if is_objective else 0.0) for e in leaves]
            rows.append((0.0, 0.0, [*literals, use], [1.0] * len(literals) + [-1.0]))
            for j, var in enumerate(x):  # x - sum(low*lit) >= 0 and x - sum(high*lit) <= 0
                rows.append((0.0, np.inf, [var, *literals], [1.0] + [-float(e.leaf.low[j]) for e in leaves]))
                rows.append((-np.inf, 0.0, [var, *literals], [1.0] + [-float(e.leaf.high[j]) for e in leaves]))
            if is_objective:
                objective_columns.append(literals)
    highs = _new_highs()
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
    leaf = next(k for k, col in enumerate(objective_columns[chosen]) if solution[col] > 0.5)
    return Solution(choice.index, tuple(round(solution[v]) for v in hyper[chosen]), choice.scores[leaf])

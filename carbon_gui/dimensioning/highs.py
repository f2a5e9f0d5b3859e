"""The same embedding as `cpsat`, as a MILP for HiGHS (highspy): kept to compare the two (benchmarks/dimension.py,
docs/DIMENSIONING.md). Columns per choice: `use`, the hyperparameters' domain indices (integers) and the leaf
literals (binaries); the objective is the same integer ranks. highspy loads on first use."""

import os
import threading
from typing import Any

import numpy as np

from carbon_gui.core.dimensioning.problem import EncodedChoice, Problem, Solution
from carbon_gui.core.dimensioning.request import MINIMIZE
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning.cpsat import TIME_LIMIT_S, SolverError

NAME = "highs"
_banner_lock = threading.Lock()
_banner_shown = False


def load() -> None:
    """Import highspy now; it is a development dependency, so say how to get it when it is missing."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        raise InputError("The HiGHS solver is not installed: 'pip install highspy', or use --solver cp-sat.") from None


def _new_highs() -> Any:
    """A quiet Highs instance. HiGHS prints its banner to the process's stdout when the first instance is made,
    before any option can be set: that one construction runs with stdout sent to /dev/null (it would otherwise
    corrupt the CLI's JSON)."""
    import highspy

    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as null:
                    os.dup2(null.fileno(), 1)
                    highs = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", TIME_LIMIT_S)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("presolve", "off")  # measured: 1.4 s with presolve, 20 ms without, on the HADA request
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

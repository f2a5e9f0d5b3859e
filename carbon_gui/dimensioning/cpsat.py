"""The second exact solver: OR-Tools CP-SAT with the trees embedded (EML), measured against HiGHS (the default;
docs/DIMENSIONING.md). OR-Tools is a development dependency: --solver cp-sat says how to install it.

Per choice (hardware, region): a Boolean `use`, one integer variable per hyperparameter (an index into its
domain), and per target tree one literal per allowed leaf: exactly one leaf literal is true when the choice is
used, and a true leaf literal enforces the leaf's bounds on the hyperparameters (low <= x <= high). The objective
is the sum of the objective leaves' integer ranks: exact, no scaling of values. OR-Tools loads on first use.
Measured (docs/DIMENSIONING.md): enforced bounds solve ~6x faster than the aggregated x >= sum(low*lit) form,
and probing and symmetry detection cost more than they save on models this small.
"""

from carbon_gui.core.dimensioning.problem import EncodedChoice, EncodedLeaf, Problem, Solution
from carbon_gui.core.dimensioning.request import MINIMIZE
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning import TIME_LIMIT_S, SolverError

NAME = "cp-sat"


def load() -> None:
    """Import OR-Tools now (about 0.1 s the first time), so that a timed solve does not pay for it."""
    try:
        from ortools.sat.python import cp_model  # noqa: F401
    except ImportError:
        raise InputError("The CP-SAT solver is not installed: 'pip install ortools', or use --solver highs.") from None


def solve(problem: Problem, encoded: list[EncodedChoice]) -> Solution | None:
    from ortools.sat.python import cp_model

    if not encoded:
        return None
    if any(choice.sums for choice in encoded):
        raise InputError(
            "These gradient boosting surrogates cut the space into too many boxes to embed as one tree each, and as "
            "sums of trees their values are real numbers, which CP-SAT cannot add: choose the HiGHS solver."
        )
    model = cp_model.CpModel()
    uses = [model.new_bool_var(f"use{c.index}") for c in encoded]
    model.add_exactly_one(uses)
    hyper = []
    objective_literals: list[tuple[tuple[EncodedLeaf, ...], list[cp_model.IntVar]]] = []  # per choice
    for choice, use in zip(encoded, uses, strict=True):
        domains = problem.choices[choice.index].domains
        x = [model.new_int_var(0, len(d) - 1, f"x{choice.index}_{j}") for j, d in enumerate(domains)]
        hyper.append(x)
        for t, leaves in enumerate(choice.trees):
            literals = [model.new_bool_var(f"leaf{choice.index}_{t}_{k}") for k in range(len(leaves))]
            model.add(sum(literals) == use)
            for e, lit in zip(leaves, literals, strict=True):
                for j, var in enumerate(x):
                    model.add_linear_constraint(var, e.leaf.low[j], e.leaf.high[j]).only_enforce_if(lit)
            if t == choice.objective_tree:
                objective_literals.append((leaves, literals))
    ranks = sum(e.rank * lit for leaves, lits in objective_literals for e, lit in zip(leaves, lits, strict=True))
    if problem.request.objective.sense == MINIMIZE:
        model.minimize(ranks)
    else:
        model.maximize(ranks)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # the model is small; more workers only cost start-up time
    solver.parameters.max_time_in_seconds = TIME_LIMIT_S
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    if status != cp_model.OPTIMAL:
        raise SolverError(
            f"CP-SAT stopped without proving an optimum ({solver.status_name(status)}) after {TIME_LIMIT_S:g} s."
        )
    chosen = next(k for k, use in enumerate(uses) if solver.boolean_value(use))
    choice = encoded[chosen]
    leaf = next(k for k, lit in enumerate(objective_literals[chosen][1]) if solver.boolean_value(lit))
    indices = tuple(int(solver.value(var)) for var in hyper[chosen])
    return Solution(choice.index, indices, choice.scores[leaf])

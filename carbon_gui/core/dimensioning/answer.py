"""The answer to a dimensioning request, and what it is made of: predictions at the chosen point, the check against
the raw runs there, which constraints bind and, when nothing is feasible, which constraints conflict."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carbon_gui.core.dimensioning.dataset import Platform
from carbon_gui.core.dimensioning.problem import Problem, Solution, allowed
from carbon_gui.core.dimensioning.request import AT_MOST, MAXIMIZE, MINIMIZE, Constraint, DimensionRequest, Objective

MAX_EXHAUSTIVE_CONFLICT_SEARCH = 8  # constraints: up to 2^8 subsets are tried; beyond, an irreducible set


@dataclass(frozen=True)
class Answer:
    feasible: bool
    hardware: str | None
    region: str | None
    configuration: dict[str, float | int]
    predicted: dict[str, float]  # the surrogates' value at the configuration, per target of the request
    margins: dict[str, float]  # the robustness margin added to each constrained target (0 without --margin)
    binding: list[str]  # targets whose constraint, dropped alone, would let the objective improve
    raw_check: dict[str, float | None]  # per constrained target: share of raw runs at the configuration meeting it
    conflicts: list[str]  # infeasible: the smallest set of constrained targets whose removal makes it feasible
    conflict_distance: dict[str, float]  # ... and how far each of them is from being met (in the target's unit)
    solver: str
    solve_ms: float
    objective: dict[str, Any] = field(default_factory=dict)  # target, sense and value at the answer
    surrogates: dict[str, dict[str, Any]] = field(default_factory=dict)  # per target: depth, CV MAE and R²
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "hardware": self.hardware,
            "region": self.region,
            "configuration": self.configuration,
            "predicted": self.predicted,
            "margins": self.margins,
            "binding": self.binding,
            "raw_check": self.raw_check,
            "conflicts": self.conflicts,
            "conflict_distance": self.conflict_distance,
            "solver": self.solver,
            "solve_ms": round(self.solve_ms, 3),
            "objective": self.objective,
            "surrogates": self.surrogates,
            "notes": self.notes,
        }


def configuration_dict(problem: Problem, platform: Platform, point: tuple[float, ...]) -> dict[str, float | int]:
    kinds = {h.name: h.kind for h in platform.hyperparameters}
    return {name: int(v) if kinds[name] == "int" else v for name, v in zip(problem.hyperparameters, point, strict=True)}


def predictions(problem: Problem, solution: Solution) -> dict[str, float]:
    """Each target's prediction at the solution, by walking the trees (not from the solver's leaf values)."""
    choice = problem.choices[solution.choice]
    point = np.array([choice.configuration(solution.indices)], dtype=np.float64)
    return {target: float(choice.terms[target].predict(point)[0]) for target in problem.request.targets}


def model_violations(problem: Problem, solution: Solution) -> list[str]:
    """The constraints the surrogates themselves say the solution breaks: empty unless the encoding has a bug."""
    choice = problem.choices[solution.choice]
    values = predictions(problem, solution)
    return [
        c.text()
        for c in problem.request.constraints
        if not allowed(problem, choice, c.target, np.array([values[c.target]]))[0]
    ]


def raw_check(problem: Problem, solution: Solution, platform: Platform) -> dict[str, float | None]:
    """Per constrained target, the share of the benchmark's runs at exactly the chosen configuration that meet the
    constraint (raw values scaled as the target's term scales them, no margin). None: no run at that point."""
    choice = problem.choices[solution.choice]
    at_point = np.all(platform.inputs == np.array(choice.configuration(solution.indices)), axis=1)
    shares: dict[str, float | None] = {}
    for target in dict.fromkeys(c.target for c in problem.request.constraints):
        if not at_point.any():
            shares[target] = None
            continue
        term = choice.terms[target]
        values = platform.targets[term.surrogate.target][at_point] * term.factor
        ok = np.ones(values.shape, dtype=bool)
        for c in problem.request.constraints:
            if c.target == target:
                ok &= values <= c.bound if c.sense == AT_MOST else values >= c.bound
        shares[target] = float(ok.mean())
    return shares


def binding_targets(
    request: DimensionRequest, optimum: float, solve_value: Callable[[DimensionRequest], float | None]
) -> list[str]:
    """The constrained targets whose constraint, dropped alone, lets the objective improve: the limits that decide."""
    binding: list[str] = []
    for index, c in enumerate(request.constraints):
        value = solve_value(request.without(frozenset({index})))
        improves = value is not None and (value < optimum if request.objective.sense == MINIMIZE else value > optimum)
        if improves and c.target not in binding:
            binding.append(c.target)
    return binding


def find_conflicts(
    request: DimensionRequest,
    is_feasible: Callable[[DimensionRequest], bool],
    solve_value: Callable[[DimensionRequest], float | None],
) -> tuple[list[Constraint], dict[str, float]]:
    """For an infeasible request: the smallest set of constraints whose removal makes it feasible (subsets tried
    by size; past MAX_EXHAUSTIVE_CONFLICT_SEARCH constraints, an irreducible one), and for each, how far the best
    reachable value (with the others in the set dropped and the rest kept) is from its limit, margin included."""
    count = len(request.constraints)
    dropped: frozenset[int] | None = None
    if count <= MAX_EXHAUSTIVE_CONFLICT_SEARCH:
        sizes = (frozenset(s) for k in range(1, count + 1) for s in itertools.combinations(range(count), k))
        dropped = next((s for s in sizes if is_feasible(request.without(s))), None)
    elif is_feasible(request.without(frozenset(range(count)))):
        # too many subsets: start from all dropped and put back each constraint that keeps it feasible, so no
        # constraint in the set could be kept (irreducible; not always the smallest such set)
        chosen = set(range(count))
        for index in range(count):
            if is_feasible(request.without(frozenset(chosen - {index}))):
                chosen.discard(index)
        dropped = frozenset(chosen)
    if dropped is None:  # infeasible even without constraints: nothing is in budget, or no data
        return [], {}
    distance: dict[str, float] = {}
    for index in sorted(dropped):
        c = request.constraints[index]
        others = request.without(dropped)
        probe = DimensionRequest(
            Objective(c.target, MINIMIZE if c.sense == AT_MOST else MAXIMIZE, tightened=True),
            others.constraints,
            request.margin_quantile,
            request.budget,
            request.regions,
        )
        best = solve_value(probe)
        if best is not None:
            distance[c.text()] = c.shortfall(best)
    return [request.constraints[i] for i in sorted(dropped)], distance

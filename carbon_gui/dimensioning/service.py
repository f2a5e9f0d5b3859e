"""The dimensioning service: what the CLI and the window call, in a worker thread for the window.

    data = load_benchmarks(folder)                             # sources.benchmarks: DataError names file/row/column
    surrogates = fit_for(data, request, depth, progress, cancelled)   # phase 2: only the targets the request needs
    answer = solve(data, surrogates, request, regions, prices, cancelled=cancelled)   # phase 3

`fit_for` takes `progress(done, total, what)` and `cancelled()`; `solve` checks `cancelled()` between its solves
(the main one, then one per constraint for `binding`, or the subsets tried for `conflicts`). Neither touches Qt,
so a QRunnable can call them and forward progress through a signal; both raise `Cancelled`. Heavy imports
(scikit-learn, highspy) happen inside the calls: run the first one off the GUI thread.
"""

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from carbon_gui.core.dimensioning.answer import (
    Answer,
    binding_targets,
    configuration_dict,
    find_conflicts,
    model_violations,
    predictions,
    raw_check,
)
from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.problem import Choice, Problem, Solution, Term, elsewhere, encode, enumerate_best
from carbon_gui.core.dimensioning.regional import (
    COST_TARGET,
    ENERGY_TARGETS,
    TIME_TARGETS,
    RegionCarbon,
    carbon_target,
    first_present,
)
from carbon_gui.core.dimensioning.request import MINIMIZE, DimensionRequest, check_targets
from carbon_gui.core.dimensioning.surrogate import TREE
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning import cpsat, highs
from carbon_gui.dimensioning.fitting import CancelFlag, Cancelled, Progress, Surrogates, fit_surrogates
from carbon_gui.sources.reference import ReferenceData

ENUMERATION = "enumeration"
SOLVERS: dict[str, Callable[[Problem], Solution | None]] = {
    highs.NAME: lambda problem: highs.solve(problem, encode(problem)),
    cpsat.NAME: lambda problem: cpsat.solve(problem, encode(problem)),
    ENUMERATION: enumerate_best,
}
LOADERS: dict[str, Callable[[], None]] = {highs.NAME: highs.load, cpsat.NAME: cpsat.load, ENUMERATION: lambda: None}
DEFAULT_SOLVER = highs.NAME  # measured against CP-SAT: docs/DIMENSIONING.md
SOLVER_VALUE_TOLERANCE = 1e-6  # relative: a boosted target summed by the solver vs the models at its answer


class EncodingBug(RuntimeError):
    """The solver's answer breaks a constraint by the surrogates' own predictions: a bug, never a user error."""


def check_encoding(problem: Problem, solution: Solution, solver: str = "solver") -> None:
    """EncodingBug when the models, evaluated at the solver's point, break a constraint, or differ (relative 1e-6)
    from the values the solver summed for its boosted targets: the pitfall of embedding models in a programme."""
    broken = model_violations(problem, solution)
    if broken:
        raise EncodingBug(f"{solver} returned a point whose predictions break {', '.join(broken)}")
    predicted = predictions(problem, solution)
    for target, summed in solution.solver_values.items():
        if not math.isclose(summed, predicted[target], rel_tol=SOLVER_VALUE_TOLERANCE, abs_tol=1e-300):
            raise EncodingBug(f"{solver} summed {target} = {summed!r} where the models predict {predicted[target]!r}")


def check_request_targets(data: BenchmarkSet, request: DimensionRequest) -> None:
    """An InputError for a target the data cannot give: not a column, or cost without regions."""
    names = data.target_names
    if request.regions:
        names = list(dict.fromkeys([*names, carbon_target(names), COST_TARGET]))
    elif COST_TARGET in request.targets and COST_TARGET not in names:
        raise InputError(
            f"{COST_TARGET} is computed per region from the run time and the machine type's price: give --region."
        )
    check_targets(request, names)


def base_target(data: BenchmarkSet, target: str, regions: bool) -> str:
    """The benchmark column a request target is fitted on: energy for the region's carbon, run time for cost."""
    names = data.target_names
    if regions and target == carbon_target(names):
        energy = first_present(ENERGY_TARGETS, names)
        if energy is None:
            own = f" Leave out --region to use its own {target}." if target in names else ""
            raise InputError(
                f"Carbon by region needs an energy column (one of {', '.join(ENERGY_TARGETS)}); the benchmark has "
                f"{', '.join(names)}.{own}"
            )
        return energy
    if target == COST_TARGET:
        time_target = first_present(TIME_TARGETS, names)
        if not regions or time_target is None:
            raise InputError(f"{COST_TARGET} needs --region and a run-time column (one of {', '.join(TIME_TARGETS)}).")
        return time_target
    return target


def fit_for(
    data: BenchmarkSet,
    request: DimensionRequest,
    depth: int | None = None,
    progress: Progress | None = None,
    cancelled: CancelFlag | None = None,
    kind: str = TREE,
    trees: int | None = None,
) -> Surrogates:
    """The surrogates a request needs, and only those (all targets: `fitting.fit_surrogates(data)`)."""
    check_request_targets(data, request)
    needed = [base_target(data, t, bool(request.regions)) for t in request.targets]
    return fit_surrogates(data, needed, depth, progress, cancelled, kind, trees)


def region_carbon(
    reference: ReferenceData,
    names: tuple[str, ...],
    year: int | None = None,
    planner: Mapping[str, RegionCarbon] | None = None,
) -> list[RegionCarbon]:
    """Each region's grid intensity and PUE: the planner's current figure (`planner`, e.g. a live value) where it
    has one, else Google's yearly figure, as the planner's reference ranking."""
    catalog = reference.catalog
    year = catalog.latest_carbon_year if year is None else year
    found = []
    for name in dict.fromkeys(names):
        region = catalog.region(name)  # unknown: InputError listing the known ones
        if planner is not None and name in planner:
            found.append(planner[name])
            continue
        figure = catalog.carbon(name, year)
        if figure is None or figure.intensity_gco2_kwh is None:
            raise InputError(
                f"Google's data has no grid carbon intensity for {name} in {year}: leave it out or choose another year."
            )
        found.append(RegionCarbon(name, figure.intensity_gco2_kwh, region.pue, figure.provenance.label()))
    return found


def machine_prices(
    reference: ReferenceData, hardware: list[str], regions: tuple[str, ...]
) -> dict[tuple[str, str], float]:
    """USD per hour for the hardware ids that are machine types, in the regions that offer them at a known price."""
    catalog = reference.catalog
    prices = {}
    for hw in hardware:
        if hw not in catalog.machines:
            continue
        for region in regions:
            quote = catalog.price(region, catalog.machine_option(hw))
            if quote.usd_per_hour is not None:
                prices[(hw, region)] = quote.usd_per_hour
    return prices


def build_problem(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    regions: list[RegionCarbon] | None = None,
    prices: dict[tuple[str, str], float] | None = None,
) -> Problem:
    """The choices the optimiser has (hardware within budget x region) with each target's term."""
    regions_or_none: list[RegionCarbon | None] = list(regions or []) or [None]
    prices = prices or {}
    by_region = bool(request.regions)
    if [r.region for r in regions or []] != list(dict.fromkeys(request.regions)):
        raise ValueError("pass regions=region_carbon(reference, request.regions): one figure per requested region")
    check_request_targets(data, request)
    carbon = carbon_target(data.target_names)
    notes: list[str] = []
    choices: list[Choice] = []
    for platform in data.platforms:
        hw = platform.hardware
        if request.budget is not None and (platform.price is None or platform.price > request.budget):
            price = "has no HW_price" if platform.price is None else f"costs {platform.price:g}"
            notes.append(f"{hw} left out: it {price}, and the hardware budget is {request.budget:g}.")
            continue
        domains = tuple(platform.domain(i) for i in range(len(platform.hyperparameters)))
        for region in regions_or_none:
            terms = _terms(data, surrogates, request, hw, region, prices)
            if isinstance(terms, str):
                where = "" if region is None else f" in {region.region}"
                notes.append(f"{hw}{where} left out: no {terms} for it (no such column, or no price there).")
            else:
                choices.append(Choice(hw, None if region is None else region.region, domains, terms))
    if by_region:
        notes.append(
            f"{carbon} by region = {first_present(ENERGY_TARGETS, data.target_names)} (kWh of IT energy, as measured) "
            "x the region's PUE x its grid intensity: the planner's figure, from "
            + "; ".join(sorted({r.source for r in regions or []}))
            + "."
        )
        for platform in data.platforms:
            if all((platform.hardware, r.region) not in prices for r in regions or []):
                notes.append(
                    f"{COST_TARGET} by region is not available for {platform.hardware}: it is not a machine type "
                    "with a price in these regions."
                )
    names = tuple(h.name for h in data.platforms[0].hyperparameters)
    return Problem(names, tuple(choices), request, tuple(dict.fromkeys(notes)))


def _terms(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    hardware: str,
    region: RegionCarbon | None,
    prices: dict[tuple[str, str], float],
) -> dict[str, Term] | str:
    """Each request target's term on one choice, or the first target that choice cannot have."""
    carbon = carbon_target(data.target_names)
    terms: dict[str, Term] = {}
    for target in request.targets:
        factor = 1.0
        if region is not None and target == carbon:
            factor = region.kg_per_it_kwh
        elif region is not None and target == COST_TARGET:
            price = prices.get((hardware, region.region))
            if price is None:
                return target
            factor = price / 3600.0
        surrogate = surrogates.get(hardware, base_target(data, target, bool(request.regions)))
        if surrogate is None:
            return target
        terms[target] = Term(surrogate, factor)
    return terms


def solve(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    regions: list[RegionCarbon] | None = None,
    prices: dict[tuple[str, str], float] | None = None,
    solver: str = DEFAULT_SOLVER,
    cancelled: CancelFlag | None = None,
) -> Answer:
    """The best hardware (and region) and configuration for `request`, with its checks; or, when infeasible, the
    constraints that conflict. `solve_ms` is the time of the main solve alone (the follow-up solves for binding
    constraints and conflicts are extra). Raises Cancelled when `cancelled()` turns true between solves."""
    if solver not in SOLVERS:
        raise InputError(f"Unknown solver '{solver}'. Choose one of: {', '.join(SOLVERS)}.")
    backend = SOLVERS[solver]
    LOADERS[solver]()  # the library's import is not part of solve_ms

    def run(req: DimensionRequest) -> Solution | None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        return backend(build_problem(data, surrogates, req, regions, prices))

    def value(req: DimensionRequest) -> float | None:
        found = run(req)
        return None if found is None else found.objective

    problem = build_problem(data, surrogates, request, regions, prices)
    started = time.perf_counter()
    solution = backend(problem)
    solve_ms = (time.perf_counter() - started) * 1000
    base = Answer(False, None, None, {}, {}, {}, [], {}, [], {}, solver, solve_ms, notes=list(problem.notes))
    if solution is None:
        if not problem.choices:
            return replace(base, notes=[*base.notes, "No hardware is left to choose from."])
        conflicts, distance = find_conflicts(request, lambda req: run(req) is not None, value)
        return replace(base, conflicts=list(dict.fromkeys(c.target for c in conflicts)), conflict_distance=distance)
    check_encoding(problem, solution, solver)
    solution, why = cleanest_region(problem, solution, regions or [], prices or {})
    choice = problem.choices[solution.choice]
    platform = data.platform(choice.hardware)
    constrained = dict.fromkeys(c.target for c in request.constraints)
    chosen_region = next((r for r in regions or [] if r.region == choice.region), None)
    if chosen_region is not None:
        base.notes.append(
            f"{chosen_region.region}: {chosen_region.intensity_gco2_kwh:g} gCO₂e/kWh ({chosen_region.source}), "
            f"PUE {chosen_region.pue:g}."
        )
    base.notes.extend(why)
    return replace(
        base,
        feasible=True,
        hardware=choice.hardware,
        region=choice.region,
        configuration=configuration_dict(problem, platform, choice.configuration(solution.indices)),
        predicted=predictions(problem, solution),
        margins={t: choice.terms[t].margin(request.margin_quantile) for t in constrained},
        binding=binding_targets(request, solution.objective, value),
        raw_check=raw_check(problem, solution, platform),
        objective={"target": request.objective.target, "sense": request.objective.sense, "value": solution.objective},
        surrogates={
            t: {
                "fitted_on": term.surrogate.target,
                "model": term.surrogate.description(),
                "kind": term.surrogate.kind,
                "depth": term.surrogate.depth,
                "depth_chosen_by": term.surrogate.depth_chosen_by,
                "trees": term.surrogate.trees,
                "trees_chosen_by": term.surrogate.trees_chosen_by or None,
                "cv_mae": term.surrogate.cv_mae * term.factor,
                "cv_r2": term.surrogate.cv_r2,
            }
            for t, term in choice.terms.items()
        },
    )


def cleanest_region(
    problem: Problem, solution: Solution, regions: list[RegionCarbon], prices: Mapping[tuple[str, str], float]
) -> tuple[Solution, list[str]]:
    """Among the regions where the solution's hardware and configuration is as good (the same objective value, every
    limit met), the one with the least CO2e there, then the lowest cost, then the first name; and why, in words.

    Solvers and enumeration pick any of equally optimal choices (the first region listed, in practice, and
    `undominated` models only one region of several with equal factors), so an objective that does not depend on
    the region (energy, time) used to land on the first region ticked, however dirty. At one configuration the
    energy and run time are the same everywhere, so CO2e orders as the region's kg CO2e per kWh and cost as its
    price per hour (unknown: last)."""
    chosen = problem.choices[solution.choice]
    figures = {r.region: r for r in regions}
    if chosen.region is None or len(figures) < 2:
        return solution, []
    found = elsewhere(problem, solution)
    value = found[0].objective
    ties = [e for e in found if not e.broken and e.objective == value]

    def order(index: int) -> tuple[float, float, str]:
        region = problem.choices[index].region or ""
        return figures[region].kg_per_it_kwh, prices.get((chosen.hardware, region), math.inf), region

    best = min((e.choice for e in ties), key=order)
    picked = problem.choices[best].region or ""
    figure = figures[picked]
    target = problem.request.objective.target
    why: list[str] = []
    rivals = [e.choice for e in ties if e.choice != best]
    if rivals:
        names = ", ".join(sorted(problem.choices[i].region or "" for i in rivals))
        line = (
            f"{picked} chosen: this answer's {target} is the same in {names}, and {picked} has the least CO₂e of "
            f"these regions ({figure.intensity_gco2_kwh:g} gCO₂e/kWh x PUE {figure.pue:g})."
        )
        level = [i for i in rivals if order(i)[0] == order(best)[0]]  # as clean: decided by cost, then by name
        if level:
            cheaper = order(best)[1] < min(order(i)[1] for i in level)
            reason = "it costs less there" if cheaper else "its name comes first (no lower cost known)"
            level_names = ", ".join(sorted(problem.choices[i].region or "" for i in level))
            line += f" The CO₂e is the same in {level_names}: {picked} is chosen as {reason}."
        why.append(line)
    worse = "higher" if problem.request.objective.sense == MINIMIZE else "lower"
    cleaner = sorted((e for e in found if e.choice not in (best, *rivals) and order(e.choice)[0] < order(best)[0]),
                     key=lambda e: order(e.choice))  # fmt: skip
    if cleaner:
        reasons = [
            f"{problem.choices[e.choice].region} ("
            + (f"breaks {', '.join(e.broken)}" if e.broken else f"{target} {worse}")
            + ")"
            for e in cleaner
        ]
        why.append(f"Cleaner regions not chosen, at this configuration: {'; '.join(reasons)}.")
    if best == solution.choice:
        return solution, why
    return Solution(best, solution.indices, solution.objective), why


def solve_per_region(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    regions: list[RegionCarbon],
    prices: dict[tuple[str, str], float] | None = None,
    solver: str = DEFAULT_SOLVER,
    cancelled: CancelFlag | None = None,
) -> dict[str, Answer]:
    """The best hardware and configuration in each region on its own: how the answer changes with the grid (the
    Hardware tab's per-region view). Same checks as `solve`; raises Cancelled between regions."""
    answers = {}
    for region in regions:
        alone = replace(request, regions=(region.region,))
        answers[region.region] = solve(data, surrogates, alone, [region], prices, solver, cancelled)
    return answers

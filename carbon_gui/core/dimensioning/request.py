"""What the user asks of the dimensioning: an objective, limits on targets, a robustness margin, a hardware budget."""

import math
from dataclasses import dataclass

from carbon_gui.core.errors import InputError

MINIMIZE = "minimize"
MAXIMIZE = "maximize"
AT_MOST = "<="
AT_LEAST = ">="
CONSTRAINT_USAGE = 'write TARGET<=VALUE or TARGET>=VALUE, e.g. "time(sec)<=300"'


@dataclass(frozen=True)
class Objective:
    target: str
    sense: str  # MINIMIZE or MAXIMIZE
    tightened: bool = False  # optimise the prediction moved by the margin (how near can a limit be met)


@dataclass(frozen=True)
class Constraint:
    target: str
    sense: str  # AT_MOST or AT_LEAST
    bound: float

    def text(self) -> str:
        return f"{self.target}{self.sense}{self.bound:g}"

    def shortfall(self, value: float) -> float:
        """How far `value` is on the wrong side of the bound (0 when allowed)."""
        return max(0.0, value - self.bound if self.sense == AT_MOST else self.bound - value)


@dataclass(frozen=True)
class DimensionRequest:
    objective: Objective
    constraints: tuple[Constraint, ...] = ()
    margin_quantile: float | None = None  # None: no robustness margin
    budget: float | None = None  # the most a hardware platform may cost (its HW_price)
    regions: tuple[str, ...] = ()  # empty: carbon as the benchmark measured it, region not chosen

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys([self.objective.target, *(c.target for c in self.constraints)]))

    def without(self, dropped: frozenset[int]) -> "DimensionRequest":
        kept = tuple(c for i, c in enumerate(self.constraints) if i not in dropped)
        return DimensionRequest(self.objective, kept, self.margin_quantile, self.budget, self.regions)


def parse_constraint(text: str) -> Constraint:
    """'time(sec)<=300' -> Constraint('time(sec)', '<=', 300.0); anything else is an InputError saying why."""
    for sense in (AT_MOST, AT_LEAST):
        target, found, bound_text = text.partition(sense)
        if found:
            break
    else:
        raise InputError(f"Constraint '{text}' has no <= or >=: {CONSTRAINT_USAGE}.")
    target, bound_text = target.strip(), bound_text.strip()
    if not target:
        raise InputError(f"Constraint '{text}' names no target: {CONSTRAINT_USAGE}.")
    try:
        bound = float(bound_text)
    except ValueError:
        raise InputError(f"Constraint '{text}': '{bound_text}' is not a number: {CONSTRAINT_USAGE}.") from None
    if not math.isfinite(bound):
        raise InputError(f"Constraint '{text}': the limit must be a finite number: {CONSTRAINT_USAGE}.")
    return Constraint(target, sense, bound)


def check_margin_quantile(value: float) -> float:
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise InputError(
            f"The margin quantile must be between 0 and 1 (e.g. 0.9 for the 90th percentile of the surrogate's "
            f"cross-validated errors), not {value:g}."
        )
    return value


def check_targets(request: DimensionRequest, known: list[str]) -> None:
    """An InputError naming the first target the data does not have, and the ones it has."""
    for target in request.targets:
        if target not in known:
            raise InputError(f"Unknown target '{target}'. The benchmark data has: {', '.join(known)}.")

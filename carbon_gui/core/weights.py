"""The four criteria and the user's weights on them."""

import math
from dataclasses import dataclass, fields

from carbon_gui.core.errors import InputError

CRITERIA = ("carbon", "cost", "security", "latency")


@dataclass(frozen=True)
class Weights:
    carbon: float = 0.5
    cost: float = 0.3
    security: float = 0.1
    latency: float = 0.1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (math.isfinite(value) and value >= 0):  # rejects NaN and infinity too
                raise InputError(f"Weight '{f.name}' must be a finite number, zero or more, not {value}.")
        if not math.isfinite(self.total):
            raise InputError("Weights are too large to add up: use numbers like 0.5 or 50.")

    def get(self, criterion: str) -> float:
        return float(getattr(self, criterion))

    @property
    def total(self) -> float:
        try:
            return math.fsum(self.get(c) for c in CRITERIA)
        except OverflowError:  # fsum raises where a plain sum would be infinite
            return math.inf

    def normalised(self, dropped: frozenset[str] = frozenset()) -> dict[str, float]:
        """Weights summing to 1 over the criteria that are scored (those not in `dropped`)."""
        kept = {c: self.get(c) for c in CRITERIA if c not in dropped}
        total = sum(kept.values())
        if total <= 0:
            return {c: 0.0 for c in CRITERIA}
        return {c: kept.get(c, 0.0) / total for c in CRITERIA}


def parse_weights(text: str) -> Weights:
    """'carbon=0.5,cost=0.3,security=0.1,latency=0.1' -> Weights; unnamed criteria get 0."""
    values: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in CRITERIA:
            raise InputError(
                f"Malformed weights '{text}': each item must be name=number with a name among "
                f"{', '.join(CRITERIA)}, e.g. carbon=0.5,cost=0.3,security=0.1,latency=0.1."
            )
        if name in values:
            raise InputError(f"Malformed weights '{text}': '{name}' is given twice.")
        try:
            values[name] = float(number)
        except ValueError:
            raise InputError(f"Malformed weights '{text}': '{number.strip()}' is not a number.") from None
    if not values:
        raise InputError("No weights given: use e.g. carbon=0.5,cost=0.3,security=0.1,latency=0.1.")
    weights = Weights(**{c: values.get(c, 0.0) for c in CRITERIA})
    if weights.total <= 0:
        raise InputError("At least one weight must be above zero.")
    return weights

"""Rank regions: per-region facts (assess) then a cheap weighted ranking (rank).

`assess` does the work that depends on the machine, run length, year and the user's location;
`rank` only applies weights and constraints, so a slider drag re-ranks in well under a millisecond.

Normalisation: carbon (kg CO2e of the run), cost (USD of the run) and latency (ms) are min-max
normalised over the regions still in the ranking, 1 = best of them, 0 = worst (all equal -> 1).
Security is already on a 0..1 scale (the trust tier) and is used as is. The score is the sum of
normalised value x weight, with weights scaled to sum to 1: it lies in 0..1 (shown as 0..100).
"""

import math
from dataclasses import dataclass, field

from carbon_gui.core.catalog import CarbonFigure, Catalog, MachineOption, PriceQuote, Region
from carbon_gui.core.energy import (
    PowerCoefficients,
    PowerEstimate,
    UnknownPower,
    emissions_kg,
    machine_power,
    run_energy_kwh,
)
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location, estimate_rtt_ms, great_circle_km
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.quantities import mass_text
from carbon_gui.core.security import SecurityPolicy
from carbon_gui.core.weights import CRITERIA, Weights

MIN_HOURS = 0.01  # 36 s: shorter runs make every region's carbon and cost round to the same figure
MAX_HOURS = 24 * 365


def check_hours(hours: float) -> float:
    """The run length in hours, if it is a number from 0.01 (36 s) to a year."""
    if not (math.isfinite(hours) and MIN_HOURS <= hours <= MAX_HOURS):
        raise InputError(
            f"Run length must be from {MIN_HOURS:g} (36 s) to {MAX_HOURS} hours, not {hours:g}: give e.g. 12."
        )
    return hours


def check_limit(value: float | None, what: str) -> float | None:
    """A user's upper limit (price, emissions): None for no limit, else a finite number of 0 or more."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise InputError(
            f"{what} must be a number of 0 or more, not {value:g}: give e.g. 5, or leave it out for no limit."
        )
    return value


@dataclass(frozen=True)
class Constraints:
    max_usd_per_hour: float | None = None
    max_emissions_kg: float | None = None
    vertex_only: bool = False
    policy: SecurityPolicy = field(default_factory=SecurityPolicy)


@dataclass(frozen=True)
class Scenario:
    option: MachineOption
    hours: float
    location: Location
    carbon_year: int

    def __post_init__(self) -> None:
        check_hours(self.hours)


@dataclass(frozen=True)
class RegionFacts:
    """Everything known about running the scenario in one region, before any weighting."""

    region: Region
    carbon: CarbonFigure
    price: PriceQuote
    power: PowerEstimate
    energy_kwh: float
    emissions_kg: float
    cost_usd: float | None
    latency_ms: float | None

    @property
    def intensity(self) -> float:
        assert self.carbon.intensity_gco2_kwh is not None  # assess() keeps only regions with one
        return self.carbon.intensity_gco2_kwh


@dataclass(frozen=True)
class Exclusion:
    region: Region
    reason: str


@dataclass(frozen=True)
class Assessment:
    scenario: Scenario
    facts: tuple[RegionFacts, ...]
    excluded: tuple[Exclusion, ...]  # regions without the data to be assessed at all
    live: LiveCarbon | None = None  # None: Google's yearly figures


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    raw: float | None  # kg CO2e, USD, trust score 0..1, or ms; None when unknown (then weight 0)
    unit: str
    normalised: float  # 0..1, 1 = best
    weight: float  # normalised weight, the weights of scored criteria sum to 1

    @property
    def contribution(self) -> float:
        return self.normalised * self.weight


@dataclass(frozen=True)
class ScoredRegion:
    facts: RegionFacts
    rank: int
    criteria: tuple[CriterionScore, ...]
    security_tier: str

    @property
    def score(self) -> float:
        return sum(c.contribution for c in self.criteria)

    @property
    def name(self) -> str:
        return self.facts.region.name


@dataclass(frozen=True)
class Ranking:
    ranked: tuple[ScoredRegion, ...]
    excluded: tuple[Exclusion, ...]
    notes: tuple[str, ...]  # criteria dropped and why


def assess(
    catalog: Catalog, scenario: Scenario, power: PowerCoefficients, live: LiveCarbon | None = None
) -> Assessment:
    """Facts per region. Carbon comes from `live` when given (one signal kind), else Google's yearly figures."""
    facts: list[RegionFacts] = []
    excluded: list[Exclusion] = []
    try:
        watts = machine_power(scenario.option, power)
    except UnknownPower as err:
        watts = None
        power_problem = f"energy cannot be estimated: {err}"
    for region in catalog.regions:
        quote = catalog.price(region.name, scenario.option)
        if live is None:
            carbon = catalog.carbon(region.name, scenario.carbon_year)
            no_carbon = f"no grid carbon intensity for {scenario.carbon_year} in Google's data"
        else:
            carbon = live.figures.get(region.name)
            no_carbon = live.missing.get(region.name, "no live carbon value")
        if not quote.offered:
            excluded.append(Exclusion(region, quote.note))
        elif carbon is None or carbon.intensity_gco2_kwh is None:
            excluded.append(Exclusion(region, no_carbon))
        elif watts is None:
            excluded.append(Exclusion(region, power_problem))
        else:
            energy = run_energy_kwh(watts.total_watts, scenario.hours, region.pue)
            latency = None
            if region.lat is not None and region.lon is not None:
                loc = scenario.location
                latency = estimate_rtt_ms(great_circle_km(loc.lat, loc.lon, region.lat, region.lon))
            cost = None if quote.usd_per_hour is None else quote.usd_per_hour * scenario.hours
            facts.append(
                RegionFacts(
                    region=region,
                    carbon=carbon,
                    price=quote,
                    power=watts,
                    energy_kwh=energy,
                    emissions_kg=emissions_kg(energy, carbon.intensity_gco2_kwh),
                    cost_usd=cost,
                    latency_ms=latency,
                )
            )
    return Assessment(scenario, tuple(facts), tuple(excluded), live)


def _constraint_refusal(f: RegionFacts, c: Constraints, weights: Weights) -> str | None:
    region = f.region
    if c.vertex_only and not region.vertex_supported:
        return "not a Vertex AI region (filter: Vertex AI regions only)"
    refusal = c.policy.refusal(region.jurisdiction)
    if refusal:
        return refusal
    if c.max_usd_per_hour is not None:
        if f.price.usd_per_hour is None:
            return f"{f.price.note}; a maximum price is set"
        if f.price.usd_per_hour > c.max_usd_per_hour:
            return f"${f.price.usd_per_hour:.2f}/h is above the maximum ${c.max_usd_per_hour:.2f}/h"
    if c.max_emissions_kg is not None and f.emissions_kg > c.max_emissions_kg:
        return f"{mass_text(f.emissions_kg)} CO₂e is above the maximum {mass_text(c.max_emissions_kg)}"
    if weights.cost > 0 and f.cost_usd is None:
        return f"{f.price.note}; cost cannot be scored here"
    if weights.latency > 0 and f.latency_ms is None:
        return "no coordinates in the reference data, so latency cannot be estimated"
    return None


def _min_max(values: list[float | None]) -> list[float]:
    """Lower is better: best -> 1, worst -> 0; all equal -> 1; unknown -> 0 (its weight is 0)."""
    known = [v for v in values if v is not None]
    if not known:
        return [0.0] * len(values)
    low, high = min(known), max(known)
    if high - low <= 1e-12 * max(1.0, abs(high)):
        return [0.0 if v is None else 1.0 for v in values]
    return [0.0 if v is None else (high - v) / (high - low) for v in values]


def rank(assessment: Assessment, weights: Weights, constraints: Constraints) -> Ranking:
    notes: list[str] = []
    dropped: set[str] = set()
    if weights.cost > 0 and assessment.facts and all(f.cost_usd is None for f in assessment.facts):
        dropped.add("cost")
        notes.append(f"Cost not scored: no list price for {assessment.scenario.option.label} in any region.")
        weights = Weights(weights.carbon, 0.0, weights.security, weights.latency)
    if weights.total <= 0:
        raise InputError("At least one weight must be above zero.")

    kept: list[RegionFacts] = []
    excluded = list(assessment.excluded)
    for f in assessment.facts:
        refusal = _constraint_refusal(f, constraints, weights)
        if refusal:
            excluded.append(Exclusion(f.region, refusal))
        else:
            kept.append(f)
    if not kept:
        return Ranking((), tuple(excluded), tuple(notes))

    w = weights.normalised(frozenset(dropped))
    carbon = _min_max([f.emissions_kg for f in kept])
    cost = _min_max([f.cost_usd for f in kept])
    latency = _min_max([f.latency_ms for f in kept])
    scored: list[tuple[float, RegionFacts, tuple[CriterionScore, ...], str]] = []
    for i, f in enumerate(kept):
        policy = constraints.policy
        security = policy.score(f.region.jurisdiction)
        criteria = (
            CriterionScore("carbon", f.emissions_kg, "kg CO2e", carbon[i], w["carbon"]),
            CriterionScore("cost", f.cost_usd, "USD", cost[i], w["cost"]),
            CriterionScore("security", security, "trust score", security, w["security"]),
            CriterionScore("latency", f.latency_ms, "ms", latency[i], w["latency"]),
        )
        assert tuple(c.criterion for c in criteria) == CRITERIA
        total = sum(c.contribution for c in criteria)
        scored.append((total, f, criteria, policy.tier(f.region.jurisdiction)))
    # Ties: lower emissions first, then name, so the order never depends on input order.
    scored.sort(key=lambda s: (-round(s[0], 12), s[1].emissions_kg, s[1].region.name))
    ranked = tuple(
        ScoredRegion(facts=f, rank=i + 1, criteria=crit, security_tier=tier)
        for i, (_, f, crit, tier) in enumerate(scored)
    )
    return Ranking(ranked, tuple(excluded), tuple(notes))

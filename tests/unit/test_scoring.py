"""core.scoring: assess (facts per region) and rank (weights, constraints, min-max normalisation).

Most tests use a small hand-made catalog so every expected number can be worked out on paper;
the property test at the end runs over the real bundled catalog.
"""

import dataclasses
import math
from dataclasses import dataclass
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_gui.core.catalog import (
    CarbonFigure,
    Catalog,
    Jurisdiction,
    MachineOption,
    MachineType,
    PriceQuote,
    Region,
)
from carbon_gui.core.energy import PowerCoefficients
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location, estimate_rtt_ms, great_circle_km
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.scoring import (
    Assessment,
    Constraints,
    Ranking,
    Scenario,
    _min_max,
    assess,
    rank,
)
from carbon_gui.core.security import TRUST_TIERS, ResidencyRule, SecurityPolicy, parse_rule
from carbon_gui.core.weights import CRITERIA, Weights

# --------------------------------------------------------------------------- synthetic catalog

PROV = Provenance("test", "test figure", False, "2024")
YEAR = 2024
HOURS = 10.0

FRA = Jurisdiction("France", "FRA", eu_member=True, eea_member=True, eu_adequacy="n/a", default_trust="trusted")
NOR = Jurisdiction("Norway", "NOR", eu_member=False, eea_member=True, eu_adequacy="n/a", default_trust="trusted")
USA = Jurisdiction("USA", "USA", eu_member=False, eea_member=False, eu_adequacy="partial", default_trust="adequate")
IND = Jurisdiction("India", "IND", eu_member=False, eea_member=False, eu_adequacy="no", default_trust="standard")

MISSING = object()  # no carbon row at all for the region


@dataclass(frozen=True)
class Spec:
    name: str
    jurisdiction: Jurisdiction
    lat: float | None
    lon: float | None
    vertex: bool
    pue: float
    intensity: object  # float, None (row without a figure) or MISSING (no row)
    price: float | None  # None: not offered


SPECS = {
    s.name: s
    for s in (
        Spec("r-paris", FRA, 48.8566, 2.3522, True, 1.1, 50.0, 3.0),
        Spec("r-oslo", NOR, 59.91, 10.75, False, 1.2, 20.0, 2.0),
        Spec("r-iowa", USA, 41.0, -95.0, True, 1.0, 400.0, 1.0),
        Spec("r-mumbai", IND, 19.07, 72.87, True, 1.25, 700.0, 1.5),
        Spec("r-nooffer", USA, 40.0, -80.0, True, 1.1, 100.0, None),
        Spec("r-nocarbon", USA, 35.0, -100.0, True, 1.1, MISSING, 1.0),
        Spec("r-nullcarbon", USA, 36.0, -101.0, True, 1.1, None, 1.0),
        Spec("r-nocoords", USA, None, None, True, 1.1, 100.0, 2.5),
    )
}
SCORABLE = ("r-paris", "r-oslo", "r-iowa", "r-mumbai")

# 2 vCPU at (1 W, 3 W) and 50 % load = 4 W; 4 GB x 0.5 W/GB = 2 W; one 100 W GPU -> 106 W.
M1 = MachineType("m-1", "m", vcpus=2, memory_gb=4.0, gpu_type="gpu-x", gpu_count=1)
N1 = MachineType("n1-x", "n1", vcpus=4, memory_gb=8.0, gpu_type=None, gpu_count=0)
MUNK = MachineType("m-unknown", "m", vcpus=2, memory_gb=4.0, gpu_type="gpu-unknown", gpu_count=1)
M1_WATTS = 106.0

POWER = PowerCoefficients(
    cpu_watts_per_vcpu={"m-1": (1.0, 3.0)},
    cpu_fallback=(0.5, 1.5),
    memory_watts_per_gb=0.5,
    gpu_tdp_watts={"gpu-x": 100.0, "gpu-t": 70.0},
)

HOME = Location("home", 48.8566, 2.3522)  # exactly at r-paris: its round trip is the 5 ms overhead


def make_catalog(names: tuple[str, ...] = SCORABLE) -> Catalog:
    specs = [SPECS[n] for n in names]
    regions = tuple(Region(s.name, s.name, s.jurisdiction, s.lat, s.lon, "ZZ", s.vertex, s.pue, PROV) for s in specs)
    prices = {(s.name, m.name): s.price for s in specs if s.price is not None for m in (M1, N1, MUNK)}
    carbon = {s.name: CarbonFigure(s.intensity, 0.5, PROV) for s in specs if s.intensity is not MISSING}
    return Catalog(
        regions=regions,
        machines={m.name: m for m in (M1, N1, MUNK)},
        prices=prices,
        accelerators_by_region={"r-paris": frozenset({"gpu-t"}), "r-iowa": frozenset({"gpu-t"})},
        carbon_by_year={YEAR: carbon},
        attachable_gpus={"n1": ("gpu-t",)},
    )


def make_assessment(names: tuple[str, ...] = SCORABLE, option: MachineOption | None = None) -> Assessment:
    catalog = make_catalog(names)
    scenario = Scenario(option or MachineOption(M1), HOURS, HOME, YEAR)
    return assess(catalog, scenario, POWER)


def emissions_by_hand(name: str) -> float:
    s = SPECS[name]
    assert isinstance(s.intensity, float)
    return M1_WATTS * HOURS * s.pue / 1000 * s.intensity / 1000


def names(ranking: Ranking) -> list[str]:
    return [s.name for s in ranking.ranked]


def excluded_reasons(ranking: Ranking) -> dict[str, str]:
    return {e.region.name: e.reason for e in ranking.excluded}


def assert_covers(ranking: Ranking, catalog_names: tuple[str, ...] | list[str]) -> None:
    everything = names(ranking) + [e.region.name for e in ranking.excluded]
    assert len(everything) == len(catalog_names)
    assert sorted(everything) == sorted(catalog_names)


def by_name(ranking: Ranking, name: str):
    return next(s for s in ranking.ranked if s.name == name)


def criterion(scored, name: str):
    return next(c for c in scored.criteria if c.criterion == name)


# --------------------------------------------------------------------------- normalisation


def test_min_max_best_is_one_worst_is_zero() -> None:
    assert _min_max([3.0, 1.0, 2.0]) == pytest.approx([0.0, 1.0, 0.5])
    assert _min_max([10.0, 30.0, 15.0, 20.0]) == pytest.approx([1.0, 0.0, 0.75, 0.5])


@pytest.mark.parametrize("values", [[7.0, 7.0, 7.0], [4.0], [0.0, 0.0], [1e6, 1e6 * (1 + 1e-15)]])
def test_min_max_all_equal_gives_one(values: list[float]) -> None:
    assert _min_max(values) == [1.0] * len(values)


# --------------------------------------------------------------------------- assess


def test_assess_energy_emissions_cost_and_latency_by_hand() -> None:
    a = make_assessment()
    assert [f.region.name for f in a.facts] == list(SCORABLE)
    assert a.excluded == ()
    for f in a.facts:
        s = SPECS[f.region.name]
        assert f.power.total_watts == pytest.approx(M1_WATTS)
        assert f.energy_kwh == pytest.approx(M1_WATTS * HOURS * s.pue / 1000)
        assert f.emissions_kg == pytest.approx(emissions_by_hand(s.name))
        assert f.cost_usd == pytest.approx(s.price * HOURS)
        assert f.intensity == s.intensity
    paris = a.facts[0]
    # Worked on paper: 106 W x 10 h x 1.1 / 1000 = 1.166 kWh; x 50 g/kWh / 1000 = 0.0583 kg.
    assert paris.energy_kwh == pytest.approx(1.166)
    assert paris.emissions_kg == pytest.approx(0.0583)
    assert paris.latency_ms == pytest.approx(5.0)
    iowa = a.facts[2]
    expected = estimate_rtt_ms(great_circle_km(HOME.lat, HOME.lon, 41.0, -95.0))
    assert iowa.latency_ms == pytest.approx(expected)
    assert iowa.latency_ms > 60  # a transatlantic round trip is not a few ms


# --------------------------------------------------------------------------- single-criterion orders


def test_carbon_only_ranks_by_emissions() -> None:
    a = make_assessment()
    r = rank(a, Weights(carbon=1, cost=0, security=0, latency=0), Constraints())
    assert names(r) == sorted(SCORABLE, key=emissions_by_hand)
    assert names(r) == ["r-oslo", "r-paris", "r-iowa", "r-mumbai"]
    assert [s.rank for s in r.ranked] == [1, 2, 3, 4]
    best, worst = r.ranked[0], r.ranked[-1]
    assert criterion(best, "carbon").normalised == 1.0
    assert criterion(worst, "carbon").normalised == 0.0
    low, high = emissions_by_hand("r-oslo"), emissions_by_hand("r-mumbai")
    paris = by_name(r, "r-paris")
    expected = (high - emissions_by_hand("r-paris")) / (high - low)
    assert criterion(paris, "carbon").normalised == pytest.approx(expected)
    assert paris.score == pytest.approx(expected)
    assert criterion(paris, "carbon").raw == pytest.approx(0.0583)
    assert criterion(paris, "carbon").unit == "kg CO2e"


def test_cost_only_ranks_by_cost() -> None:
    r = rank(make_assessment(), Weights(carbon=0, cost=1, security=0, latency=0), Constraints())
    assert names(r) == ["r-iowa", "r-mumbai", "r-oslo", "r-paris"]  # 10, 15, 20, 30 USD
    normalised = [criterion(s, "cost").normalised for s in r.ranked]
    assert normalised == pytest.approx([1.0, 0.75, 0.5, 0.0])
    assert [criterion(s, "cost").raw for s in r.ranked] == pytest.approx([10.0, 15.0, 20.0, 30.0])


def test_latency_only_puts_the_nearest_region_first() -> None:
    r = rank(make_assessment(), Weights(carbon=0, cost=0, security=0, latency=1), Constraints())
    assert names(r)[0] == "r-paris"
    assert names(r)[1] == "r-oslo"
    latencies = [criterion(s, "latency").raw for s in r.ranked]
    assert latencies == sorted(latencies)


def test_security_is_used_as_is_and_ties_break_on_lower_emissions() -> None:
    r = rank(make_assessment(), Weights(carbon=0, cost=0, security=1, latency=0), Constraints())
    scores = {s.name: s.score for s in r.ranked}
    assert scores == pytest.approx(
        {"r-paris": 1.0, "r-oslo": 1.0, "r-iowa": TRUST_TIERS["adequate"], "r-mumbai": TRUST_TIERS["standard"]}
    )
    # Paris and Oslo tie on 1.0; Oslo emits less, so it comes first.
    assert names(r) == ["r-oslo", "r-paris", "r-iowa", "r-mumbai"]
    assert {s.name: s.security_tier for s in r.ranked}["r-mumbai"] == "standard"
    # Paris demoted to "adequate" ties with Iowa: Paris emits less, so it wins although "r-iowa" sorts first.
    policy = SecurityPolicy(trust_overrides={"FRA": "adequate"})
    r = rank(make_assessment(), Weights(0, 0, 1, 0), Constraints(policy=policy))
    assert names(r) == ["r-oslo", "r-paris", "r-iowa", "r-mumbai"]
    assert by_name(r, "r-paris").score == by_name(r, "r-iowa").score == 0.75
    assert by_name(r, "r-paris").security_tier == "adequate"


def test_ranking_does_not_depend_on_input_order() -> None:
    a = make_assessment()
    reversed_a = dataclasses.replace(a, facts=tuple(reversed(a.facts)))
    for weights in (Weights(), Weights(0, 0, 1, 0), Weights(1, 1, 1, 1)):
        assert names(rank(a, weights, Constraints())) == names(rank(reversed_a, weights, Constraints()))


def test_single_region_scores_one_on_every_relative_criterion() -> None:
    r = rank(make_assessment(("r-iowa",)), Weights(), Constraints())
    (only,) = r.ranked
    assert {c.criterion: c.normalised for c in only.criteria} == {
        "carbon": 1.0,
        "cost": 1.0,
        "security": TRUST_TIERS["adequate"],
        "latency": 1.0,
    }
    assert only.score == pytest.approx(0.5 + 0.3 + 0.1 * 0.75 + 0.1)


# --------------------------------------------------------------------------- explanation


def test_explanation_adds_up() -> None:
    weights = Weights(carbon=0.5, cost=0.3, security=0.1, latency=0.1)
    r = rank(make_assessment(), weights, Constraints())
    assert len(r.ranked) == 4
    for s in r.ranked:
        assert tuple(c.criterion for c in s.criteria) == CRITERIA
        assert math.fsum(c.weight for c in s.criteria) == pytest.approx(1.0)
        assert {c.criterion: c.weight for c in s.criteria} == pytest.approx(weights.normalised())
        for c in s.criteria:
            assert 0.0 <= c.normalised <= 1.0
            assert c.contribution == pytest.approx(c.normalised * c.weight)
        assert math.isclose(math.fsum(c.contribution for c in s.criteria), s.score, abs_tol=1e-12)
    # Paris by hand: second-lowest emissions, the most expensive (cost 0), trusted (1.0), nearest (1.0).
    low, high = emissions_by_hand("r-oslo"), emissions_by_hand("r-mumbai")
    carbon_n = (high - emissions_by_hand("r-paris")) / (high - low)
    assert by_name(r, "r-paris").score == pytest.approx(0.5 * carbon_n + 0.3 * 0.0 + 0.1 * 1.0 + 0.1 * 1.0)
    # Mumbai by hand: the dirtiest (0), cost 15 of 10..30 (0.75), standard (0.5), latency 0 or more.
    mumbai = by_name(r, "r-mumbai")
    assert criterion(mumbai, "carbon").normalised == 0.0
    assert criterion(mumbai, "cost").normalised == pytest.approx(0.75)
    assert criterion(mumbai, "security").normalised == 0.5


# --------------------------------------------------------------------------- hard constraints


def test_max_price_excludes_dearer_regions() -> None:
    r = rank(make_assessment(), Weights(), Constraints(max_usd_per_hour=2.5))
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-paris"}
    assert "maximum" in reasons["r-paris"]
    assert "3.00" in reasons["r-paris"]
    assert set(names(r)) == {"r-oslo", "r-iowa", "r-mumbai"}
    assert_covers(r, SCORABLE)


def test_max_emissions_excludes_dirtier_regions() -> None:
    r = rank(make_assessment(), Weights(), Constraints(max_emissions_kg=0.1))
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-iowa", "r-mumbai"}
    assert all("maximum" in why and "CO₂e" in why for why in reasons.values())
    assert_covers(r, SCORABLE)


def test_vertex_only_excludes_regions_without_vertex() -> None:
    r = rank(make_assessment(), Weights(), Constraints(vertex_only=True))
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-oslo"}
    assert "Vertex" in reasons["r-oslo"]
    assert_covers(r, SCORABLE)


def test_eu_rule_excludes_regions_outside_eu_eea_but_keeps_eea() -> None:
    r = rank(make_assessment(), Weights(), Constraints(policy=SecurityPolicy(ResidencyRule.EU_EEA)))
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-iowa", "r-mumbai"}
    assert all("EU/EEA" in why for why in reasons.values())
    assert "India" in reasons["r-mumbai"]
    assert set(names(r)) == {"r-paris", "r-oslo"}  # Norway is EEA


def test_countries_rule_excludes_other_countries() -> None:
    policy = SecurityPolicy(ResidencyRule.COUNTRIES, frozenset({"FRA", "IND"}))
    r = rank(make_assessment(), Weights(), Constraints(policy=policy))
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-oslo", "r-iowa"}
    assert all("allowed" in why and "FRA" in why for why in reasons.values())
    assert set(names(r)) == {"r-paris", "r-mumbai"}


def test_normalisation_is_over_the_regions_left_after_constraints() -> None:
    r = rank(make_assessment(), Weights(1, 0, 0, 0), Constraints(policy=parse_rule("eu")))
    # Only Oslo and Paris are left: Paris is now the worst of them, so its carbon score is 0.
    assert criterion(by_name(r, "r-paris"), "carbon").normalised == 0.0
    assert criterion(by_name(r, "r-oslo"), "carbon").normalised == 1.0


def test_constraints_that_exclude_everything_give_an_empty_ranking() -> None:
    r = rank(make_assessment(), Weights(), Constraints(max_usd_per_hour=0.5))
    assert r.ranked == ()
    assert len(r.excluded) == len(SCORABLE)
    assert all("maximum" in e.reason for e in r.excluded)


# --------------------------------------------------------------------------- unscorable regions


ALL = tuple(SPECS)


def test_unscorable_regions_are_excluded_with_reasons_never_dropped() -> None:
    a = make_assessment(ALL)
    r = rank(a, Weights(), Constraints())
    reasons = excluded_reasons(r)
    assert "not offered" in reasons["r-nooffer"]
    assert "carbon intensity" in reasons["r-nocarbon"]
    assert "carbon intensity" in reasons["r-nullcarbon"]
    assert "coordinates" in reasons["r-nocoords"]
    assert "latency" in reasons["r-nocoords"]
    assert set(names(r)) == set(SCORABLE)
    assert_covers(r, ALL)


def test_region_without_coordinates_is_ranked_when_latency_has_no_weight() -> None:
    r = rank(make_assessment(ALL), Weights(carbon=1, cost=1, security=1, latency=0), Constraints())
    assert "r-nocoords" in names(r)
    assert "r-nocoords" not in excluded_reasons(r)
    assert_covers(r, ALL)


def test_unknown_price_is_excluded_when_cost_is_weighted() -> None:
    a = make_assessment()
    unknown = dataclasses.replace(a.facts[0], price=PriceQuote(True, None, "price unknown: test"), cost_usd=None)
    a = dataclasses.replace(a, facts=(unknown, *a.facts[1:]))
    r = rank(a, Weights(), Constraints())
    reasons = excluded_reasons(r)
    assert set(reasons) == {"r-paris"}
    assert "cost cannot be scored" in reasons["r-paris"]
    assert r.notes == ()  # other regions have prices: cost stays scored
    assert_covers(r, SCORABLE)
    # Without a cost weight the same region is ranked.
    r2 = rank(a, Weights(carbon=1, cost=0, security=0, latency=0), Constraints())
    assert "r-paris" in names(r2)
    # A maximum price cannot be checked against an unknown price.
    r3 = rank(a, Weights(carbon=1, cost=0, security=0, latency=0), Constraints(max_usd_per_hour=100))
    assert "maximum price" in excluded_reasons(r3)["r-paris"]


def test_attached_gpu_without_prices_drops_cost_and_says_so() -> None:
    catalog = make_catalog(ALL)
    option = catalog.machine_option("n1-x", "gpu-t", 2)
    assert option.gpu_count == 2
    a = assess(catalog, Scenario(option, HOURS, HOME, YEAR), POWER)
    r = rank(a, Weights(carbon=0.5, cost=0.3, security=0.1, latency=0.1), Constraints())
    assert len(r.notes) == 1
    assert "Cost not scored" in r.notes[0]
    assert "gpu-t" in r.notes[0]
    assert set(names(r)) == {"r-paris", "r-iowa"}  # the only regions offering gpu-t
    reasons = excluded_reasons(r)
    assert "gpu-t is not offered" in reasons["r-oslo"]
    assert_covers(r, ALL)
    for s in r.ranked:
        weights = {c.criterion: c.weight for c in s.criteria}
        assert weights["cost"] == 0.0
        assert math.fsum(weights.values()) == pytest.approx(1.0)
        assert weights["carbon"] == pytest.approx(0.5 / 0.7)
    # Energy includes the attached GPUs: fallback CPU 1 W x 4 + 8 GB x 0.5 W + 2 x 70 W = 148 W.
    assert a.facts[0].power.total_watts == pytest.approx(148.0)


def test_attached_gpu_with_only_cost_weighted_is_an_input_error() -> None:
    catalog = make_catalog(ALL)
    a = assess(catalog, Scenario(catalog.machine_option("n1-x", "gpu-t", 1), HOURS, HOME, YEAR), POWER)
    with pytest.raises(InputError, match="above zero"):
        rank(a, Weights(carbon=0, cost=1, security=0, latency=0), Constraints())


def test_machine_with_unknown_power_is_excluded_everywhere_with_a_reason() -> None:
    a = make_assessment(ALL, MachineOption(MUNK))
    assert a.facts == ()
    r = rank(a, Weights(), Constraints())
    assert r.ranked == ()
    reasons = excluded_reasons(r)
    assert_covers(r, ALL)
    for name in SCORABLE:
        assert "energy cannot be estimated" in reasons[name]
        assert "gpu-unknown" in reasons[name]
    assert "not offered" in reasons["r-nooffer"]


def test_unknown_carbon_year_is_an_input_error() -> None:
    with pytest.raises(InputError, match="1999"):
        assess(make_catalog(), Scenario(MachineOption(M1), HOURS, HOME, 1999), POWER)


@pytest.mark.parametrize("hours", [0.0, -1.0, 8761.0, math.nan, math.inf])
def test_scenario_rejects_bad_run_lengths(hours: float) -> None:
    with pytest.raises(InputError, match="Run length"):
        Scenario(MachineOption(M1), hours, HOME, YEAR)


def test_rank_rejects_all_zero_weights() -> None:
    with pytest.raises(InputError):
        rank(make_assessment(), Weights(0, 0, 0, 0), Constraints())


# --------------------------------------------------------------------------- property over the real catalog

PROPERTY_OPTIONS = (
    ("a2-highgpu-1g", None),
    ("e2-standard-4", None),
    ("g2-standard-8", None),
    ("n1-standard-8", "nvidia-tesla-t4"),
)


@pytest.fixture(scope="module")
def real_assessments(reference) -> dict[tuple[str, str | None], Assessment]:
    catalog = reference.catalog
    home = Location("Paris", 48.85, 2.35)
    out = {}
    for machine, gpu in PROPERTY_OPTIONS:
        option = catalog.machine_option(machine, gpu, 1 if gpu else 0)
        out[(machine, gpu)] = assess(catalog, Scenario(option, 12.0, home, catalog.latest_carbon_year), reference.power)
    return out


weight = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(
    weights=st.tuples(weight, weight, weight, weight).filter(lambda t: sum(t) > 0),
    which=st.sampled_from(PROPERTY_OPTIONS),
    vertex_only=st.booleans(),
    rule=st.sampled_from(["anywhere", "eu", "countries:USA,FRA,JPN"]),
    max_price=st.one_of(st.none(), st.floats(min_value=0.5, max_value=50.0)),
)
def test_ranking_properties_over_the_real_catalog(
    real_assessments,
    weights,
    which,
    vertex_only,
    rule,
    max_price,
) -> None:
    a = real_assessments[which]
    w = Weights(*weights)
    constraints = Constraints(max_price, None, vertex_only, parse_rule(rule))
    has_gpu_attached = which[1] is not None
    if has_gpu_attached and w.carbon + w.security + w.latency == 0:
        with pytest.raises(InputError):
            rank(a, w, constraints)
        return
    r = rank(a, w, constraints)

    all_regions = [f.region.name for f in a.facts] + [e.region.name for e in a.excluded]
    assert len(all_regions) == 45
    covered = names(r) + [e.region.name for e in r.excluded]
    assert len(covered) == 45
    assert sorted(covered) == sorted(all_regions)
    assert all(e.reason.strip() for e in r.excluded)

    assert [s.rank for s in r.ranked] == list(range(1, len(r.ranked) + 1))
    scores = [s.score for s in r.ranked]
    assert all(-1e-12 <= x <= 1 + 1e-12 for x in scores)
    assert all(a_ >= b_ - 1e-9 for a_, b_ in pairwise(scores))

    dropped = frozenset({"cost"}) if has_gpu_attached else frozenset()
    expected_weights = (Weights(w.carbon, 0.0, w.security, w.latency) if has_gpu_attached else w).normalised(dropped)
    for s in r.ranked:
        assert abs(math.fsum(c.contribution for c in s.criteria) - s.score) <= 1e-9
        assert math.fsum(c.weight for c in s.criteria) == pytest.approx(1.0, abs=1e-9)
        assert {c.criterion: c.weight for c in s.criteria} == pytest.approx(expected_weights)
        for c in s.criteria:
            assert 0.0 <= c.normalised <= 1.0
        if max_price is not None:
            assert s.facts.price.usd_per_hour is not None
            assert s.facts.price.usd_per_hour <= max_price
        if vertex_only:
            assert s.facts.region.vertex_supported
        if rule == "eu":
            assert s.facts.region.jurisdiction.in_eu_eea
    if r.ranked:
        # Min-max: the best kept region scores exactly 1 on carbon, the worst exactly 0 (unless all equal).
        carbon = [criterion(s, "carbon").normalised for s in r.ranked]
        assert max(carbon) == 1.0
        if len({round(s.facts.emissions_kg, 9) for s in r.ranked}) > 1:
            assert min(carbon) == 0.0

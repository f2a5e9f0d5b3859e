"""The run estimate agrees with the planner's figures for the same region and survives the ledger round trip."""

import pytest

from carbon_gui.core.geo import Location
from carbon_gui.core.run_estimate import RunEstimate, estimate_run
from carbon_gui.planning import PlanRequest, assess_request
from carbon_gui.sources.reference import ReferenceData

PARIS = Location("Paris", 48.86, 2.35)


def _facts(reference: ReferenceData, region: str, hours: float):
    assessment = assess_request(reference, PlanRequest("n1-standard-8", hours, PARIS, 2024, "nvidia-tesla-t4", 1))
    return next(f for f in assessment.facts if f.region.name == region)


def test_estimate_matches_the_planner(reference: ReferenceData) -> None:
    facts = _facts(reference, "europe-west1", 6.0)
    estimate = estimate_run(facts, 6.0)
    assert estimate.energy_kwh == pytest.approx(facts.energy_kwh)
    assert estimate.emissions_kg == pytest.approx(facts.emissions_kg)
    assert estimate.cost_usd == pytest.approx(facts.cost_usd)
    assert "2024" in estimate.intensity.as_of


def test_so_far_is_proportional_to_elapsed_time(reference: ReferenceData) -> None:
    estimate = estimate_run(_facts(reference, "us-central1", 10.0), 10.0)
    kwh_half, kg_half = estimate.so_far(5.0)
    assert kwh_half == pytest.approx(estimate.energy_kwh / 2)
    assert kg_half == pytest.approx(estimate.emissions_kg / 2)
    assert estimate.so_far(-1.0) == (0.0, 0.0)  # a clock that went backwards never gives negative energy


def test_round_trip_through_a_dict(reference: ReferenceData) -> None:
    estimate = estimate_run(_facts(reference, "europe-west4", 2.5), 2.5)
    assert RunEstimate.from_dict(estimate.to_dict()) == estimate
    assert "CO₂e (estimate)" in estimate.describe()

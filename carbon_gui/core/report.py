"""A ranking as plain JSON-ready data: the CLI prints it; the window shows the same values."""

from collections.abc import Mapping
from typing import Any

from carbon_gui.core.catalog import PRICE_PROVENANCE
from carbon_gui.core.energy import POWER_PROVENANCE
from carbon_gui.core.geo import LATENCY_METHOD
from carbon_gui.core.scoring import Ranking, Scenario, ScoredRegion
from carbon_gui.core.weights import CRITERIA, Weights

YEARLY_INTENSITY_SOURCE = "Google region-carbon-info yearly averages (location-based grid)"


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def scored_region_dict(s: ScoredRegion) -> dict[str, Any]:
    f = s.facts
    region = f.region
    return {
        "region": region.name,
        "rank": s.rank,
        "score": _r(s.score, 6),
        "criteria": {
            c.criterion: {
                "normalised": _r(c.normalised, 6),
                "weight": _r(c.weight, 6),
                "contribution": _r(c.contribution, 6),
                "raw": _r(c.raw),
                "unit": c.unit,
            }
            for c in s.criteria
        },
        "location": region.location,
        "country": region.jurisdiction.country,
        "grid_zone": region.grid_zone,
        "vertex_ai": region.vertex_supported,
        "intensity_gco2_kwh": f.intensity,
        "intensity_source": f.carbon.provenance.label(),
        "google_cfe_percent": None if f.carbon.cfe_share is None else round(f.carbon.cfe_share * 100, 1),
        "pue": round(region.pue, 3),
        "pue_source": region.pue_provenance.label(),
        "price_usd_per_hour": _r(f.price.usd_per_hour),
        "price_note": f.price.note,
        "cost_usd": _r(f.cost_usd, 2),
        "power_watts_estimate": round(f.power.total_watts, 1),
        "energy_kwh": _r(f.energy_kwh),
        "emissions_kgco2e": _r(f.emissions_kg),
        "latency_ms_estimate": _r(f.latency_ms, 1),
        "security_tier": s.security_tier,
    }


def ranking_context(scenario: Scenario, weights: Weights, trust_overrides: Mapping[str, str]) -> dict[str, Any]:
    """What a ranking was made for: the CLI prints it above the ranking, the window's export writes the same."""
    option = scenario.option
    machine = option.machine.name
    if option.attached_gpu:
        machine += f" + {option.attached_gpu_count}x {option.attached_gpu}"
    location = scenario.location
    return {
        "machine": machine,
        "hours": scenario.hours,
        "from": {"name": location.name, "lat": location.lat, "lon": location.lon, "source": location.source},
        "carbon_year": scenario.carbon_year,
        "weights": {k: weights.get(k) for k in CRITERIA},
        "trust_overrides": dict(trust_overrides),
    }


def ranking_dict(
    ranking: Ranking, context: dict[str, Any], intensity_source: str = YEARLY_INTENSITY_SOURCE
) -> dict[str, Any]:
    """`intensity_source`: what the intensity figures are (the window ranks on live values too)."""
    return {
        **context,
        "sources": {
            "intensity": intensity_source,
            "price": PRICE_PROVENANCE.label(),
            "energy": POWER_PROVENANCE.label(),
            "latency": LATENCY_METHOD,
        },
        "notes": list(ranking.notes),
        "ranked": [scored_region_dict(s) for s in ranking.ranked],
        "excluded": [{"region": e.region.name, "reason": e.reason} for e in ranking.excluded],
    }

"""Turn what the user typed (window or CLI) into a scenario, and rank it: one path for both."""

from dataclasses import dataclass

from carbon_gui.core.catalog import MachineOption
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.scoring import Assessment, Constraints, Ranking, Scenario, assess, rank
from carbon_gui.core.weights import Weights
from carbon_gui.sources.reference import ReferenceData


@dataclass(frozen=True)
class PlanRequest:
    machine: str
    hours: float
    location: Location
    carbon_year: int | None = None  # None: the newest year in the data
    accelerator: str | None = None  # a GPU attached to an N1 machine
    accelerator_count: int = 1


def parse_accelerator(text: str | None) -> tuple[str | None, int]:
    """'nvidia-tesla-t4:2' -> ('nvidia-tesla-t4', 2); None or '' -> (None, 0)."""
    if not text:
        return None, 0
    name, _, count = text.partition(":")
    try:
        return name.strip(), int(count) if count else 1
    except ValueError:
        raise InputError(f"Malformed accelerator '{text}': use TYPE or TYPE:COUNT, e.g. nvidia-tesla-t4:2.") from None


def machine_option(reference: ReferenceData, request: PlanRequest) -> MachineOption:
    return reference.catalog.machine_option(request.machine, request.accelerator, request.accelerator_count)


def assess_request(reference: ReferenceData, request: PlanRequest, live: LiveCarbon | None = None) -> Assessment:
    catalog = reference.catalog
    year = catalog.latest_carbon_year if request.carbon_year is None else request.carbon_year
    catalog.carbon(catalog.regions[0].name, year)  # raises a clear InputError for an unknown year
    scenario = Scenario(machine_option(reference, request), request.hours, request.location, year)
    return assess(catalog, scenario, reference.power, live)


def plan(reference: ReferenceData, request: PlanRequest, weights: Weights, constraints: Constraints) -> Ranking:
    return rank(assess_request(reference, request), weights, constraints)

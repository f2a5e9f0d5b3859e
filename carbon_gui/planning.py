"""Turn what the user typed (window or CLI) into a scenario, and rank it: one path for both."""

import dataclasses
from dataclasses import dataclass

from carbon_gui.core.catalog import Catalog, MachineOption
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.scoring import Assessment, Constraints, Ranking, Scenario, assess, rank
from carbon_gui.core.scoring import check_hours as check_hours  # the checks of what the user typed, in one place
from carbon_gui.core.scoring import check_limit as check_limit
from carbon_gui.core.weights import Weights
from carbon_gui.settings import UserSettings
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
    """'nvidia-tesla-t4:2' -> ('nvidia-tesla-t4', 2); None or '' -> (None, 0); a missing type or a count that is
    not a whole number of 1 or more is an InputError."""
    if not text:
        return None, 0
    name, colon, count_text = (part.strip() for part in text.partition(":"))
    usage = "use TYPE or TYPE:COUNT, e.g. nvidia-tesla-t4:2"
    if not name:
        raise InputError(f"Accelerator '{text}' has no GPU type: {usage}.")
    if not colon:
        return name, 1
    if not (count_text.isascii() and count_text.isdigit()) or int(count_text) < 1:
        raise InputError(f"GPU count in accelerator '{text}' must be a whole number, 1 or more: {usage}.")
    return name, int(count_text)


def check_location_text(text: str) -> str:
    """What the user typed as their location, stripped; empty text is an InputError (leave it out instead)."""
    if not text.strip():
        raise InputError(
            "The location is empty: give a city (e.g. Paris) or 'lat, lon', or leave it out to use your time zone."
        )
    return text.strip()


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


def check_saved_plan(catalog: Catalog, settings: UserSettings) -> tuple[UserSettings, list[str]]:
    """The saved machine, GPU and carbon year checked against the reference data (settings.py cannot know it):
    the settings with the defaults where they do not fit, and a one-line message for each."""
    defaults = UserSettings()
    messages: list[str] = []
    if settings.machine not in catalog.machines:
        messages.append(
            f"settings.json: 'machine' was '{settings.machine}', which is not in the price data; "
            f"using {defaults.machine}."
        )
        settings = dataclasses.replace(
            settings, machine=defaults.machine, accelerator=defaults.accelerator, accelerator_count=1
        )
    try:
        catalog.machine_option(settings.machine, settings.accelerator, settings.accelerator_count)
    except InputError as err:
        messages.append(f"settings.json: 'accelerator' was unusable ({str(err).rstrip('.')}); using no attached GPU.")
        settings = dataclasses.replace(settings, accelerator=None, accelerator_count=1)
    years = catalog.carbon_years
    if settings.carbon_year is not None and settings.carbon_year not in years:
        messages.append(
            f"settings.json: 'carbon_year' was {settings.carbon_year}, which is not in Google's data "
            f"({years[0]}–{years[-1]}); using the newest year."
        )
        settings = dataclasses.replace(settings, carbon_year=None)
    return settings, messages

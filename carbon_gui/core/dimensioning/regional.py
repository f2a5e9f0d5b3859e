"""Carbon and cost by region: a benchmark's energy (and run time) turned into each region's CO2e (and price).

CO2e(kg) = energy (kWh, IT energy as codecarbon measures it) x the region's PUE x its grid intensity (gCO2e/kWh)
/ 1000: the planner's own formula (core.energy: run_energy_kwh, emissions_kg) with the planner's figures.
Cost(USD) = run time (s) / 3600 x the machine type's price per hour there, where the hardware id is a machine type.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from carbon_gui.core.energy import emissions_kg
from carbon_gui.core.scoring import RegionFacts

# the benchmark columns read as energy, carbon and run time, in this order of preference. The HADA files label
# codecarbon's energy (kWh) "totEnergy(kW)"
ENERGY_TARGETS = ("totEnergy(kW)", "totEnergy(kWh)", "energy(kWh)", "energy_consumed")
CARBON_TARGETS = ("CO2e(kg)", "emissions(kg)", "emissions")
TIME_TARGETS = ("time(sec)", "time(s)", "duration(s)", "duration")
DEFAULT_CARBON_TARGET = "CO2e(kg)"
COST_TARGET = "cost(USD)"


@dataclass(frozen=True)
class RegionCarbon:
    region: str
    intensity_gco2_kwh: float
    pue: float
    source: str  # where the intensity comes from, e.g. Google's yearly figure

    @property
    def kg_per_it_kwh(self) -> float:
        """kg CO2e per kWh of IT energy: PUE included."""
        return emissions_kg(self.pue, self.intensity_gco2_kwh)


def first_present(candidates: tuple[str, ...], names: list[str]) -> str | None:
    return next((name for name in candidates if name in names), None)


def carbon_target(names: list[str]) -> str:
    """The target that, with regions, means the region's CO2e: the benchmark's own carbon column if it has one."""
    return first_present(CARBON_TARGETS, names) or DEFAULT_CARBON_TARGET


def planner_figures(facts: Iterable[RegionFacts]) -> dict[str, RegionCarbon]:
    """The carbon figure the planner ranks with right now, per region: Google's yearly figure, a live value or a
    forecast mean, whichever the user chose, labelled with its own provenance."""
    figures = (RegionCarbon(f.region.name, f.intensity, f.region.pue, f.carbon.provenance.label()) for f in facts)
    return {figure.region: figure for figure in figures}

"""The estimated energy, emissions and cost of one training run, before and while it runs.

Machine power (modelled) x time x PUE x grid intensity: every part is an estimate, and the intensity
keeps its provenance (Google's yearly figure or a live value), so the Jobs view can say what the
estimate rests on. codecarbon's figures, read after the run, are shown beside it, never in its place.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from carbon_gui.core.accounting import Accounting, PowerRange, account
from carbon_gui.core.energy import emissions_kg, run_energy_kwh
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.quantities import energy_text, mass_text
from carbon_gui.core.scoring import RegionFacts


@dataclass(frozen=True)
class RunEstimate:
    hours: float  # the run length the user expects
    watts: float  # modelled IT power of the machine and its accelerators
    pue: float
    intensity_gco2_kwh: float
    intensity: Provenance  # where the intensity comes from
    usd_per_hour: float | None

    @property
    def energy_kwh(self) -> float:
        return run_energy_kwh(self.watts, self.hours, self.pue)

    @property
    def emissions_kg(self) -> float:
        return emissions_kg(self.energy_kwh, self.intensity_gco2_kwh)

    @property
    def cost_usd(self) -> float | None:
        return None if self.usd_per_hour is None else self.usd_per_hour * self.hours

    def so_far(self, elapsed_hours: float) -> tuple[float, float]:
        """(kWh, kg CO2e) for the time a job has run so far, at the same power, PUE and intensity."""
        energy = run_energy_kwh(self.watts, max(0.0, elapsed_hours), self.pue)
        return energy, emissions_kg(energy, self.intensity_gco2_kwh)

    def hourly_so_far(
        self, started: datetime, elapsed_hours: float, seen: Sequence[tuple[datetime, float]]
    ) -> Accounting:
        """The run so far, hour by hour (core.accounting.account): each hour of the run at the live intensity seen
        for its clock hour (`seen`: (hour, gCO2e/kWh), oldest first), or the latest seen before it; hours before
        any live value at this estimate's intensity (the one at launch)."""
        values = []
        for k in range(math.ceil(max(0.0, elapsed_hours) - 1e-9)):
            hour = (started + timedelta(hours=k)).replace(minute=0, second=0, microsecond=0)
            known = [value for at, value in seen if at <= hour]
            values.append(known[-1] if known else self.intensity_gco2_kwh)
        power = PowerRange(self.watts, self.watts, self.watts)
        return account(started, max(0.0, elapsed_hours), values, values, values, power, self.pue, ())

    def describe(self) -> str:
        cost = "cost unknown" if self.cost_usd is None else f"${self.cost_usd:,.2f}"
        return (
            f"{self.hours:g} h × {self.watts:,.0f} W × PUE {self.pue:.2f} = {energy_text(self.energy_kwh)}; "
            f"× {self.intensity_gco2_kwh:,.0f} gCO₂e/kWh = {mass_text(self.emissions_kg)} CO₂e (estimate); {cost}. "
            f"Intensity: {self.intensity.label()}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "RunEstimate":
        return cls(
            hours=float(raw["hours"]),
            watts=float(raw["watts"]),
            pue=float(raw["pue"]),
            intensity_gco2_kwh=float(raw["intensity_gco2_kwh"]),
            intensity=Provenance(**raw["intensity"]),
            usd_per_hour=None if raw.get("usd_per_hour") is None else float(raw["usd_per_hour"]),
        )


def estimate_run(facts: RegionFacts, hours: float) -> RunEstimate:
    """The estimate for a run in the region `facts` describes (from the planner's assessment)."""
    return RunEstimate(
        hours=hours,
        watts=facts.power.total_watts,
        pue=facts.region.pue,
        intensity_gco2_kwh=facts.intensity,
        intensity=facts.carbon.provenance,
        usd_per_hour=facts.price.usd_per_hour,
    )

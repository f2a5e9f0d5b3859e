"""The bundled region catalog: regions, machines, offers and prices, accelerators, carbon figures.

Built by `sources.reference` from files; here it is plain data with lookups.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from carbon_gui.core.errors import InputError
from carbon_gui.core.provenance import Provenance


@dataclass(frozen=True)
class Jurisdiction:
    country: str
    iso3: str
    eu_member: bool
    eea_member: bool
    eu_adequacy: str  # "yes", "partial", "no" or "n/a" (EU/EEA members need none)
    default_trust: str  # a tier name of core.security.TRUST_TIERS
    note: str = ""

    @property
    def in_eu_eea(self) -> bool:
        return self.eu_member or self.eea_member


@dataclass(frozen=True)
class Region:
    name: str
    location: str
    jurisdiction: Jurisdiction
    lat: float | None
    lon: float | None
    grid_zone: str
    vertex_supported: bool
    pue: float
    pue_provenance: Provenance


@dataclass(frozen=True)
class CarbonFigure:
    """Google's yearly figures for one region: grid intensity and CFE share, kept apart."""

    intensity_gco2_kwh: float | None
    cfe_share: float | None  # 0..1, contract-based carbon-free energy share; never mixed into intensity
    provenance: Provenance


@dataclass(frozen=True)
class MachineType:
    name: str
    series: str
    vcpus: int
    memory_gb: float
    gpu_type: str | None  # built-in accelerator (a2, a3, g2, g4), None for CPU-only types
    gpu_count: float  # g4-standard-6 has a quarter of a GPU


@dataclass(frozen=True)
class MachineOption:
    """What the user runs on: a machine type, optionally with accelerators attached (N1 + GPU)."""

    machine: MachineType
    attached_gpu: str | None = None
    attached_gpu_count: int = 0

    @property
    def gpu_type(self) -> str | None:
        return self.machine.gpu_type or self.attached_gpu

    @property
    def gpu_count(self) -> float:
        return self.machine.gpu_count + self.attached_gpu_count

    @property
    def label(self) -> str:
        if self.attached_gpu:
            return f"{self.machine.name} + {self.attached_gpu_count}× {self.attached_gpu}"
        return self.machine.name


@dataclass(frozen=True)
class PriceQuote:
    offered: bool
    usd_per_hour: float | None  # None when offered but no price is known
    note: str  # why unknown or not offered, or what the price is a proxy for


PRICE_PROVENANCE = Provenance(
    source="Compute Engine on-demand list price (google-cloud-pricing-cost-calculator, 2026-07-30)",
    kind="proxy for the Vertex AI training price, which adds a margin",
    estimated=True,
    as_of="list price of 2026-07-30",
)


@dataclass
class Catalog:
    regions: tuple[Region, ...]
    machines: Mapping[str, MachineType]
    prices: Mapping[tuple[str, str], float]  # (region, machine type) -> USD/h, offered rows only
    accelerators_by_region: Mapping[str, frozenset[str]]
    carbon_by_year: Mapping[int, Mapping[str, CarbonFigure]]
    attachable_gpus: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # series -> GPUs

    def region(self, name: str) -> Region:
        for region in self.regions:
            if region.name == name:
                return region
        raise InputError(f"Unknown region '{name}'. Known regions: {', '.join(self.region_names())}.")

    def region_names(self) -> list[str]:
        return [r.name for r in self.regions]

    @property
    def carbon_years(self) -> list[int]:
        return sorted(self.carbon_by_year)

    @property
    def latest_carbon_year(self) -> int:
        return max(self.carbon_by_year)

    def carbon(self, region: str, year: int) -> CarbonFigure | None:
        if year not in self.carbon_by_year:
            years = ", ".join(map(str, self.carbon_years))
            raise InputError(f"No carbon figures for {year}. Choose one of: {years}.")
        return self.carbon_by_year[year].get(region)

    def machine_option(self, machine: str, attached_gpu: str | None = None, count: int = 0) -> MachineOption:
        if machine not in self.machines:
            close = [m for m in self.machines if machine.split("-")[0] in m][:8]
            hint = f" Similar: {', '.join(close)}." if close else ""
            raise InputError(f"Unknown machine type '{machine}'.{hint} Run 'carbon-gui machines' to list them.")
        mtype = self.machines[machine]
        if attached_gpu is None:
            return MachineOption(mtype)
        allowed = self.attachable_gpus.get(mtype.series, ())
        if attached_gpu not in allowed:
            where = ", ".join(allowed) if allowed else "none"
            raise InputError(
                f"{attached_gpu} cannot be attached to {machine}. GPUs attachable to the "
                f"{mtype.series} series: {where}."
            )
        if count not in (1, 2, 4, 8):
            raise InputError(f"GPU count must be 1, 2, 4 or 8, not {count}.")
        return MachineOption(mtype, attached_gpu, count)

    def price(self, region: str, option: MachineOption) -> PriceQuote:
        base = self.prices.get((region, option.machine.name))
        if base is None:
            return PriceQuote(False, None, f"{option.machine.name} is not offered in {region}")
        if option.attached_gpu:
            if option.attached_gpu not in self.accelerators_by_region.get(region, frozenset()):
                return PriceQuote(False, None, f"{option.attached_gpu} is not offered in {region}")
            return PriceQuote(True, None, f"price unknown: no list price for {option.attached_gpu} in the data")
        return PriceQuote(True, base, "Compute Engine list price (proxy for Vertex AI)")

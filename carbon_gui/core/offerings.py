"""What Google Cloud offers where, as the bundled data knows it: machine types, their regions, accelerators.

Sources and what they can tell:
- machine_types_by_zone.csv lists Compute Engine's machine types with their deprecation state. It has a ZONE
  column, but the bundled copy leaves it empty on every row: a row without a zone says the type exists, not
  where. A row with a zone (region-a/b/c) says the type is offered in that zone's region.
- The price listings (listed_in_region_machinetypes=yes, the catalog's prices) say in which regions a type
  is offered, for the types they cover.
- accelerators_by_region.csv says which accelerator types each region offers.
A machine type no source places in any region cannot be checked here: it is accepted, and Vertex AI
itself refuses it at submit time if the region lacks it.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carbon_gui.core.catalog import Catalog


@dataclass(frozen=True)
class MachineTypeListing:
    """One row of machine_types_by_zone.csv."""

    name: str
    vcpus: int
    memory_gb: float
    deprecation: str  # "" when current, else Compute Engine's state: "DEPRECATED" or "OBSOLETE"
    zone: str | None  # None: the row does not say where the type is offered


def region_of_zone(zone: str) -> str:
    """`europe-west4-a` -> `europe-west4`."""
    return zone.rsplit("-", 1)[0]


@dataclass(frozen=True)
class Offered:
    """Lookups `core.job_spec.validate` checks a request against."""

    machine_types: Mapping[str, MachineTypeListing]  # every type Compute Engine lists, by name
    machines_by_region: Mapping[str, frozenset[str]]  # region -> types known to be offered there
    accelerators_by_region: Mapping[str, frozenset[str]]  # region -> accelerator types (catalog names)
    built_in_gpus: Mapping[str, tuple[str, float]]  # machine type -> (GPU type, count) it comes with
    attachable_gpus: Mapping[str, tuple[str, ...]]  # machine series -> GPUs that can be attached
    vertex_regions: frozenset[str]  # regions where Vertex AI runs training

    def region_known_for(self, machine_type: str) -> bool:
        """Does any source say where this machine type is offered?"""
        return any(machine_type in machines for machines in self.machines_by_region.values())


def offered_from(catalog: Catalog, listings: Iterable[MachineTypeListing]) -> Offered:
    listings = tuple(listings)
    by_region: dict[str, set[str]] = defaultdict(set)
    for region, machine in catalog.prices:
        by_region[region].add(machine)
    for listing in listings:
        if listing.zone:
            by_region[region_of_zone(listing.zone)].add(listing.name)
    return Offered(
        machine_types={listing.name: listing for listing in listings},
        machines_by_region={region: frozenset(names) for region, names in by_region.items()},
        accelerators_by_region=catalog.accelerators_by_region,
        built_in_gpus={m.name: (m.gpu_type, m.gpu_count) for m in catalog.machines.values() if m.gpu_type},
        attachable_gpus=catalog.attachable_gpus,
        vertex_regions=frozenset(r.name for r in catalog.regions if r.vertex_supported),
    )

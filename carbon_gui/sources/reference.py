"""The one loader of the bundled reference data in resources/data, installed as carbon_gui.resources (see NOTICE.md).

Every file error becomes a DataError that names the file and the line, so a corrupt install says
what is broken instead of failing with a traceback.
"""

import csv
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from carbon_gui.core.accounting import EmbodiedFigure, WaterFactors
from carbon_gui.core.catalog import CarbonFigure, Catalog, Jurisdiction, MachineType, Region
from carbon_gui.core.energy import PowerCoefficients
from carbon_gui.core.errors import DataError
from carbon_gui.core.hardware_compare import GpuThroughput
from carbon_gui.core.offerings import MachineTypeListing
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.security import TRUST_TIERS

T = TypeVar("T")

DEFAULT_PUE = 1.1  # CCF's PUE_AVG, used where Google publishes no figure for the region
CPU_SERIES_WITH_ATTACHABLE_GPUS = ("n1",)  # Compute Engine attaches T4/V100/P100/P4 to N1 only
ATTACHABLE_GPUS = ("nvidia-tesla-t4", "nvidia-tesla-v100", "nvidia-tesla-p100", "nvidia-tesla-p4")


def bundled_data_dir() -> Path:
    return resources_dir() / "data"


def resources_dir() -> Path:
    """The top-level resources/ folder, installed as the package carbon_gui.resources."""
    return Path(str(resources.files("carbon_gui.resources")))


@dataclass(frozen=True)
class ReferenceData:
    catalog: Catalog
    power: PowerCoefficients
    land_outline: list[list[tuple[float, float]]]  # polygons' outer rings as (lon, lat)
    machine_types: tuple[MachineTypeListing, ...] = ()  # Compute Engine's list (machine_types_by_zone.csv)


def _rows(path: Path, required: tuple[str, ...], delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts with their line number; a missing column or a ragged row is a DataError."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            missing = [c for c in required if c not in (reader.fieldnames or ())]
            if missing:
                raise DataError(
                    f"Data file {path.name} has no column {', '.join(repr(c) for c in missing)}. "
                    "Reinstall carbon_gui to restore its bundled data."
                )
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise DataError(
                        f"Data file {path.name} line {reader.line_num} has the wrong number of "
                        f"fields. Reinstall carbon_gui to restore its bundled data."
                    )
                yield reader.line_num, row
    except FileNotFoundError:
        raise DataError(f"Data file {path.name} is missing from {path.parent}. Reinstall carbon_gui.") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"Data file {path.name} is not readable CSV ({err}). Reinstall carbon_gui.") from None


def _field(path: Path, line: int, row: dict[str, str], name: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(row[name])
    except KeyError:
        raise DataError(f"Data file {path.name} has no column '{name}'. Reinstall carbon_gui.") from None
    except ValueError:
        raise DataError(
            f"Data file {path.name} line {line}: '{row[name]}' is not a valid {name}. "
            "Reinstall carbon_gui to restore its bundled data."
        ) from None


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _yes(text: str) -> bool:
    if text.strip().lower() not in ("yes", "no", "n/a", ""):
        raise ValueError(text)
    return text.strip().lower() == "yes"


def load_jurisdictions(data: Path) -> dict[str, Jurisdiction]:
    path = data / "jurisdictions.csv"
    result = {}
    columns = ("country_iso3", "country", "eu_member", "eea_member", "eu_adequacy", "default_trust", "note")
    for line, row in _rows(path, columns):
        iso3 = row["country_iso3"]
        if row["default_trust"] not in TRUST_TIERS:
            raise DataError(
                f"Data file {path.name} line {line}: unknown trust tier '{row['default_trust']}'. "
                f"Use one of: {', '.join(TRUST_TIERS)}."
            )
        result[iso3] = Jurisdiction(
            country=row["country"],
            iso3=iso3,
            eu_member=_field(path, line, row, "eu_member", _yes),
            eea_member=_field(path, line, row, "eea_member", _yes),
            eu_adequacy=row["eu_adequacy"],
            default_trust=row["default_trust"],
            note=row["note"],
        )
    return result


def load_pue(data: Path) -> dict[str, tuple[float, Provenance]]:
    """Region -> trailing-twelve-month PUE: CCF's region table first, else Google's campus figures."""
    pue: dict[str, tuple[float, Provenance]] = {}
    campus_path = data / "campus_pue.csv"
    by_region: dict[str, list[float]] = defaultdict(list)
    for line, row in _rows(campus_path, ("likely_gcp_region_(my_mapping)", "ttm_pue")):
        region = row["likely_gcp_region_(my_mapping)"].strip()
        ttm = _field(campus_path, line, row, "ttm_pue", _optional_float)
        if region and ttm is not None:
            by_region[region].append(ttm)
    for region, values in by_region.items():
        pue[region] = (
            sum(values) / len(values),
            Provenance(
                "Google data-centre efficiency report",
                "PUE, mean of the region's campuses",
                False,
                "trailing twelve months",
            ),
        )
    ccf_path = data / "pue_ccf.csv"
    for line, row in _rows(ccf_path, ("gcp_region", "pue_trailing_twelve_month")):
        region = row["gcp_region"]
        if region.startswith(("DEFAULT", "index")):
            continue
        pue[region] = (
            _field(ccf_path, line, row, "pue_trailing_twelve_month", float),
            Provenance("Cloud Carbon Footprint (from Google)", "PUE", False, "trailing twelve months"),
        )
    return pue


def load_regions(data: Path) -> tuple[Region, ...]:
    jurisdictions = load_jurisdictions(data)
    pue = load_pue(data)
    default_pue = (
        DEFAULT_PUE,
        Provenance("Cloud Carbon Footprint", "PUE, provider-wide average", True, "no figure published for this region"),
    )
    path = data / "regions.csv"
    regions = []
    columns = (
        "gcp_region",
        "location",
        "country_iso3",
        "lat",
        "lon",
        "em_zone_electricitymaps",
        "vertex_ai_sdk_supported_region",
    )
    for line, row in _rows(path, columns):
        iso3 = row["country_iso3"]
        if iso3 not in jurisdictions:
            raise DataError(f"{path.name} line {line}: country {iso3} is missing from jurisdictions.csv.")
        value, provenance = pue.get(row["gcp_region"], default_pue)
        regions.append(
            Region(
                name=row["gcp_region"],
                location=row["location"],
                jurisdiction=jurisdictions[iso3],
                lat=_field(path, line, row, "lat", _optional_float),
                lon=_field(path, line, row, "lon", _optional_float),
                grid_zone=row["em_zone_electricitymaps"],
                vertex_supported=_field(path, line, row, "vertex_ai_sdk_supported_region", _yes),
                pue=value,
                pue_provenance=provenance,
            )
        )
    if not regions:
        raise DataError(f"{path.name} lists no regions. Reinstall carbon_gui.")
    return tuple(regions)


def load_carbon(data: Path) -> dict[int, dict[str, CarbonFigure]]:
    by_year: dict[int, dict[str, CarbonFigure]] = {}
    for path in sorted(data.glob("region_carbon_*.csv")):
        year = int(path.stem.rsplit("_", 1)[1])
        figures = {}
        for line, row in _rows(path, ("Google Cloud Region", "Google CFE")):
            intensity_column = next((k for k in row if "carbon intensity" in k), None)
            if intensity_column is None:
                raise DataError(f"{path.name} has no carbon intensity column. Reinstall carbon_gui.")
            # Google labels its 2019-2020 figures lifecycle; later files say only "grid".
            kind = "average, location-based grid intensity" + (
                " (lifecycle)" if intensity_column.startswith("Lifecycle") else ""
            )
            figures[row["Google Cloud Region"]] = CarbonFigure(
                intensity_gco2_kwh=_field(path, line, row, intensity_column, _optional_float),
                cfe_share=_field(path, line, row, "Google CFE", _optional_float),
                provenance=Provenance("Google region-carbon-info", kind, False, f"{year} yearly average"),
            )
        by_year[year] = figures
    if not by_year:
        raise DataError(f"No region_carbon_YYYY.csv files in {data}. Reinstall carbon_gui.")
    return by_year


def load_machines_and_prices(data: Path) -> tuple[dict[str, MachineType], dict[tuple[str, str], float]]:
    machines: dict[str, MachineType] = {}
    prices: dict[tuple[str, str], float] = {}
    for name in ("prices_cpu_vms.csv", "prices_gpu_vms.csv"):
        path = data / name
        columns = (
            "region",
            "machine_type",
            "series",
            "vcpus",
            "memory_gb",
            "gpu_type",
            "gpu_count",
            "usd_per_hour_ondemand",
            "listed_in_region_machinetypes",
        )
        for line, row in _rows(path, columns):
            machine = row["machine_type"]
            if machine not in machines:
                gpu = row["gpu_type"].strip() or None
                machines[machine] = MachineType(
                    name=machine,
                    series=row["series"],
                    vcpus=_field(path, line, row, "vcpus", int),
                    memory_gb=_field(path, line, row, "memory_gb", float),
                    gpu_type=gpu,
                    gpu_count=_field(path, line, row, "gpu_count", float) if gpu else 0,
                )
            if _field(path, line, row, "listed_in_region_machinetypes", _yes):
                prices[(row["region"], machine)] = _field(path, line, row, "usd_per_hour_ondemand", float)
    return machines, prices


def load_accelerators(data: Path) -> dict[str, frozenset[str]]:
    by_region: dict[str, set[str]] = defaultdict(set)
    for _, row in _rows(data / "accelerators_by_region.csv", ("NAME", "ZONE"), delimiter=";"):
        by_region[row["ZONE"]].add(row["NAME"])
    return {region: frozenset(names) for region, names in by_region.items()}


def load_machine_types(data: Path) -> tuple[MachineTypeListing, ...]:
    """Compute Engine's machine types. A row's ZONE may be empty: the type exists, the row says not where."""
    path = data / "machine_types_by_zone.csv"
    listings = []
    for line, row in _rows(path, ("NAME", "CPUS", "MEMORY_GB", "DEPRECATED", "ZONE"), delimiter=";"):
        listings.append(
            MachineTypeListing(
                name=row["NAME"],
                vcpus=_field(path, line, row, "CPUS", int),
                memory_gb=_field(path, line, row, "MEMORY_GB", float),
                deprecation=row["DEPRECATED"].strip().upper(),
                zone=row["ZONE"].strip() or None,
            )
        )
    if not listings:
        raise DataError(f"{path.name} lists no machine types. Reinstall carbon_gui.")
    return tuple(listings)


def load_power(data: Path) -> PowerCoefficients:
    watts_path = data / "ccf_compute_watts.csv"
    processors: dict[str, tuple[float, float]] = {}
    for line, row in _rows(watts_path, ("processor", "kind", "min_watts", "max_watts")):
        if row["kind"] == "CPU":
            processors[row["processor"]] = (
                _field(watts_path, line, row, "min_watts", float),
                _field(watts_path, line, row, "max_watts", float),
            )
    fallback = processors.pop("MEDIAN (fallback)", None)
    if fallback is None:
        raise DataError(f"Data file {watts_path.name} has no 'MEDIAN (fallback)' row. Reinstall carbon_gui.")
    per_machine: dict[str, tuple[float, float]] = {}
    embodied = data / "ccf_machine_types_embodied.csv"
    for _, row in _rows(embodied, ("machine_type", "series_processor_mapping")):
        known = [processors[p] for p in row["series_processor_mapping"].split("|") if p in processors]
        if known:  # CCF averages over the processors a series may run on
            per_machine[row["machine_type"]] = (
                sum(k[0] for k in known) / len(known),
                sum(k[1] for k in known) / len(known),
            )
    memory_kwh_per_gb_hour = None
    misc = data / "ccf_misc_constants.csv"
    for line, row in _rows(misc, ("constant", "value")):
        if row["constant"] == "MEMORY_COEFFICIENT":
            memory_kwh_per_gb_hour = _field(misc, line, row, "value", float)
    if memory_kwh_per_gb_hour is None:
        raise DataError(f"{misc.name} has no MEMORY_COEFFICIENT. Reinstall carbon_gui.")
    gpu_tdp: dict[str, float] = {}
    accel = data / "accelerator_power.csv"
    for _, row in _rows(accel, ("gce_accelerator_type", "tdp_watts_per_gpu")):
        try:
            gpu_tdp[row["gce_accelerator_type"]] = float(row["tdp_watts_per_gpu"])
        except ValueError:
            continue  # no single published TDP (TPUs list two, some GPUs none): left unknown
    return PowerCoefficients(
        cpu_watts_per_vcpu=per_machine,
        cpu_fallback=fallback,
        memory_watts_per_gb=memory_kwh_per_gb_hour * 1000.0,
        gpu_tdp_watts=gpu_tdp,
    )


def load_land_outline(data: Path) -> list[list[tuple[float, float]]]:
    return _outer_rings(data / "ne_110m_land.geojson")


def load_country_borders(data: Path | None = None) -> list[list[tuple[float, float]]]:
    """Every country's outer rings as (lon, lat) lists, Natural Earth 1:110m (the map loads it on first show)."""
    return _outer_rings((data or bundled_data_dir()) / "ne_110m_admin_0_countries.geojson")


def _outer_rings(path: Path) -> list[list[tuple[float, float]]]:
    """The outer ring of every polygon in a GeoJSON feature collection of (multi)polygons, as (lon, lat)."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        rings: list[list[tuple[float, float]]] = []
        for feature in collection["features"]:
            geometry = feature["geometry"]
            polygons = geometry["coordinates"]
            if geometry["type"] == "Polygon":
                polygons = [polygons]
            for polygon in polygons:
                rings.append([(float(x), float(y)) for x, y in polygon[0]])
        return rings
    except FileNotFoundError:
        raise DataError(f"Data file {path.name} is missing. Reinstall carbon_gui.") from None
    except (ValueError, KeyError, TypeError) as err:
        raise DataError(f"Data file {path.name} is not valid GeoJSON ({err}). Reinstall carbon_gui.") from None


def load_reference(data: Path | None = None) -> ReferenceData:
    data = data or bundled_data_dir()
    machines, prices = load_machines_and_prices(data)
    catalog = Catalog(
        regions=load_regions(data),
        machines=machines,
        prices=prices,
        accelerators_by_region=load_accelerators(data),
        carbon_by_year=load_carbon(data),
        attachable_gpus={s: ATTACHABLE_GPUS for s in CPU_SERIES_WITH_ATTACHABLE_GPUS},
    )
    return ReferenceData(catalog, load_power(data), load_land_outline(data), load_machine_types(data))


def load_gpu_throughput(data: Path | None = None) -> dict[str, GpuThroughput]:
    """GCE accelerator type -> peak TFLOPS per GPU (gpu_throughput.csv); an empty cell is an unknown figure."""
    def tflops(text: str) -> float | None:
        value = _optional_float(text)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(text)
        return value

    path = (data or bundled_data_dir()) / "gpu_throughput.csv"
    metric_columns = {"fp32": "tflops_fp32", "tf32": "tflops_tf32_tensor", "fp16": "tflops_fp16_tensor"}
    columns = ("gce_accelerator_type", "gpu_model", *metric_columns.values(), "source", "note")
    result = {}
    for line, row in _rows(path, columns):
        result[row["gce_accelerator_type"]] = GpuThroughput(
            gpu_type=row["gce_accelerator_type"],
            model=row["gpu_model"],
            tflops={metric: _field(path, line, row, column, tflops) for metric, column in metric_columns.items()},
            source=row["source"],
            note=row["note"],
        )
    if not result:
        raise DataError(f"{path.name} lists no GPU. Reinstall carbon_gui.")
    return result


def load_accounting_factors(data: Path | None = None) -> tuple[dict[str, EmbodiedFigure], WaterFactors]:
    """CCF's embodied emissions per machine type (the host's vCPUs: the largest type of its series) and the water
    factors (water_factors.csv), for core.accounting."""
    data = data or bundled_data_dir()
    misc = data / "ccf_misc_constants.csv"
    lifespan = next(
        (_field(misc, line, row, "value", float) for line, row in _rows(misc, ("constant", "value"))
         if row["constant"] == "SERVER_EXPECTED_LIFESPAN"),
        None,
    )  # fmt: skip
    if lifespan is None:
        raise DataError(f"{misc.name} has no SERVER_EXPECTED_LIFESPAN. Reinstall carbon_gui.")
    path = data / "ccf_machine_types_embodied.csv"
    rows = [
        (row["machine_type"], _field(path, line, row, "vcpus", int),
         _field(path, line, row, "embodied_scope3_tCO2e_per_server", float))
        for line, row in _rows(path, ("machine_type", "vcpus", "embodied_scope3_tCO2e_per_server"))
    ]  # fmt: skip
    host_vcpus: dict[str, int] = defaultdict(int)
    for name, vcpus, _ in rows:
        series = name.split("-")[0]
        host_vcpus[series] = max(host_vcpus[series], vcpus)
    embodied = {
        name: EmbodiedFigure(tco2e, vcpus, host_vcpus[name.split("-")[0]], lifespan) for name, vcpus, tco2e in rows
    }
    water_path = data / "water_factors.csv"
    wue, ewif, sources = None, {}, set()
    for line, row in _rows(water_path, ("factor", "key", "l_per_kwh", "source")):
        value = _field(water_path, line, row, "l_per_kwh", float)
        if row["factor"] == "wue_onsite":
            wue = value
        else:
            ewif[row["key"]] = value
        sources.add(row["source"].split(",")[0])
    if wue is None:
        raise DataError(f"{water_path.name} has no on-site WUE. Reinstall carbon_gui.")
    label = "Li et al. 2023 (arXiv:2304.03271) method; " + "; ".join(sorted(sources))
    return embodied, WaterFactors(wue, ewif, label)

"""sources.reference: the bundled data loads with the published numbers; corrupt data says which file."""

import csv
import shutil
from pathlib import Path

import pytest

from carbon_gui.core.errors import DataError
from carbon_gui.core.security import TRUST_TIERS
from carbon_gui.sources.reference import DEFAULT_PUE, load_reference

NON_VERTEX = {"asia-southeast3", "europe-west10", "northamerica-south1", "us-central2", "us-east2"}


# --------------------------------------------------------------------------- the bundled data


def test_45_unique_regions(catalog) -> None:
    names = catalog.region_names()
    assert len(names) == 45
    assert len(set(names)) == 45
    assert "europe-west9" in names


def test_vertex_flags_match_the_csv(catalog, data_dir: Path) -> None:
    with (data_dir / "regions.csv").open(newline="", encoding="utf-8") as handle:
        raw = {row["gcp_region"]: row["vertex_ai_sdk_supported_region"] for row in csv.DictReader(handle)}
    assert set(raw.values()) <= {"yes", "no"}
    for region in catalog.regions:
        assert isinstance(region.vertex_supported, bool)
        assert region.vertex_supported == (raw[region.name] == "yes")
    assert {r.name for r in catalog.regions if not r.vertex_supported} == NON_VERTEX


def test_europe_west9_carbon_2024(catalog) -> None:
    figure = catalog.carbon("europe-west9", 2024)
    assert figure is not None
    assert figure.intensity_gco2_kwh == pytest.approx(16.30)
    assert figure.cfe_share == pytest.approx(0.96)
    assert figure.provenance.as_of == "2024 yearly average"
    assert not figure.provenance.estimated


def test_carbon_years(catalog) -> None:
    assert catalog.carbon_years == [2019, 2020, 2021, 2022, 2023, 2024]
    assert catalog.latest_carbon_year == 2024


def test_lifecycle_label_for_early_years(catalog) -> None:
    early = catalog.carbon("asia-east1", 2019)
    late = catalog.carbon("asia-east1", 2024)
    assert "lifecycle" in early.provenance.kind
    assert "lifecycle" not in late.provenance.kind
    assert early.intensity_gco2_kwh == 541.0


def test_missing_intensity_is_none_not_zero(catalog) -> None:
    # asia-east2 has no CFE figure for 2019 (empty cell) and asia-southeast3 no row for 2024.
    assert catalog.carbon("asia-east2", 2019).cfe_share is None
    assert catalog.carbon("asia-southeast3", 2024) is None


def test_a2_highgpu_1g_offers_and_prices(catalog) -> None:
    option = catalog.machine_option("a2-highgpu-1g")
    machine = option.machine
    assert (machine.vcpus, machine.memory_gb, machine.gpu_type, machine.gpu_count) == (
        12,
        85.0,
        "nvidia-tesla-a100",
        1.0,
    )
    quote = catalog.price("us-central1", option)
    assert quote.offered
    assert quote.usd_per_hour == pytest.approx(3.673385)
    # The price file lists europe-west9 with listed_in_region_machinetypes=no: not offered there.
    not_there = catalog.price("europe-west9", option)
    assert not not_there.offered
    assert not_there.usd_per_hour is None
    assert "not offered" in not_there.note


def test_cpu_machine_has_no_gpu(catalog) -> None:
    m = catalog.machines["e2-standard-4"]
    assert (m.vcpus, m.memory_gb, m.gpu_type, m.gpu_count) == (4, 16.0, None, 0)


def test_pue(catalog) -> None:
    central = catalog.region("us-central1")
    assert central.pue == pytest.approx(1.11)
    assert "Cloud Carbon Footprint" in central.pue_provenance.source
    assert not central.pue_provenance.estimated
    # No published figure: CCF's provider average, marked as an estimate.
    paris = catalog.region("europe-west9")
    assert paris.pue == DEFAULT_PUE
    assert paris.pue_provenance.estimated
    # Only Google's campus figures: their mean.
    oregon = catalog.region("us-west1")
    assert "Google" in oregon.pue_provenance.source
    assert oregon.pue == pytest.approx(1.085)
    assert all(1.0 <= r.pue < 2.0 for r in catalog.regions)


def test_every_jurisdiction_has_a_known_tier_and_eu_members_are_trusted(catalog) -> None:
    for region in catalog.regions:
        j = region.jurisdiction
        assert j.default_trust in TRUST_TIERS, region.name
        if j.in_eu_eea:
            assert j.default_trust == "trusted", region.name
    assert catalog.region("europe-west9").jurisdiction.iso3 == "FRA"
    assert catalog.region("europe-west9").jurisdiction.eu_member


def test_coordinates_are_in_range_where_known(catalog) -> None:
    missing = {r.name for r in catalog.regions if r.lat is None or r.lon is None}
    assert missing == {"us-central2", "us-east2"}
    for r in catalog.regions:
        if r.lat is not None and r.lon is not None:
            assert -90 <= r.lat <= 90 and -180 <= r.lon <= 180


def test_power_coefficients(reference) -> None:
    power = reference.power
    assert power.memory_watts_per_gb == pytest.approx(0.392)
    assert power.gpu_tdp_watts["nvidia-tesla-a100"] == 400.0
    assert power.gpu_tdp_watts["nvidia-tesla-t4"] == 70.0
    assert power.cpu_fallback == (0.68, 4.11)
    assert power.cpu_watts_per_vcpu["a2-highgpu-1g"] == pytest.approx((0.64, 3.97))


def test_attachable_gpus(catalog) -> None:
    option = catalog.machine_option("n1-standard-8", "nvidia-tesla-t4", 2)
    assert option.gpu_count == 2
    assert "nvidia-tesla-t4" in catalog.accelerators_by_region["us-central1"]


def test_land_outline(reference) -> None:
    rings = reference.land_outline
    assert len(rings) > 100
    for ring in rings:
        assert len(ring) >= 4
        for lon, lat in ring:  # Natural Earth overshoots the antimeridian by ~1e-8 degrees
            assert -180.001 <= lon <= 180.001 and -90.001 <= lat <= 90.001


# --------------------------------------------------------------------------- corrupt data


@pytest.fixture
def broken_dir(tmp_path: Path, data_dir: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_dir, target)
    return target


def _edit_line(path: Path, line_no: int, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_no - 1] = edit(lines[line_no - 1])
    path.write_text("".join(lines), encoding="utf-8")


def _set_field(path: Path, line_no: int, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(column)
    rows[line_no - 1][index] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _expect_data_error(data: Path, *words: str) -> str:
    with pytest.raises(DataError) as info:
        load_reference(data)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"
    return message


def test_bundled_copy_loads(broken_dir: Path) -> None:
    assert len(load_reference(broken_dir).catalog.regions) == 45  # the copy itself is fine


@pytest.mark.parametrize(
    "name", ["regions.csv", "prices_gpu_vms.csv", "jurisdictions.csv", "region_carbon_2024.csv", "pue_ccf.csv"]
)
def test_extra_field_names_file_and_line(broken_dir: Path, name: str) -> None:
    _edit_line(broken_dir / name, 3, lambda line: line.rstrip("\r\n") + ",surplus\n")
    _expect_data_error(broken_dir, name, "line 3", "wrong number of fields")


@pytest.mark.parametrize("name", ["regions.csv", "prices_cpu_vms.csv", "ccf_compute_watts.csv"])
def test_missing_field_names_file_and_line(broken_dir: Path, name: str) -> None:
    _edit_line(broken_dir / name, 2, lambda line: line.rstrip("\r\n").rsplit(",", 1)[0] + "\n")
    _expect_data_error(broken_dir, name, "line 2")


def _find_line(path: Path, where: int | str) -> int:
    """A line number, or the first line starting with the text (or ending with it, for '*,yes')."""
    if isinstance(where, int):
        return where
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            text = text.rstrip("\r\n")
            if (where.startswith("*") and text.endswith(where[1:])) or text.startswith(where):
                return number
    raise AssertionError(f"no line {where!r} in {path.name}")


@pytest.mark.parametrize(
    ("name", "where", "column", "value"),
    [
        ("regions.csv", 2, "lat", "north"),
        ("regions.csv", 5, "vertex_ai_sdk_supported_region", "maybe"),
        ("region_carbon_2024.csv", 2, "Grid carbon intensity (gCO2eq / kWh)", "lots"),
        ("region_carbon_2019.csv", 3, "Lifecycle grid carbon intensity (gCO2eq / kWh)", "many"),
        ("region_carbon_2024.csv", 4, "Google CFE", "high"),
        ("prices_gpu_vms.csv", "*,yes", "usd_per_hour_ondemand", "$3"),
        ("prices_cpu_vms.csv", 2, "vcpus", "four"),  # the first row of a machine type defines it
        ("prices_cpu_vms.csv", 2, "listed_in_region_machinetypes", "sometimes"),
        ("pue_ccf.csv", "us-central1", "pue_trailing_twelve_month", "low"),
        ("campus_pue.csv", 2, "ttm_pue", "x"),
        ("jurisdictions.csv", 2, "eu_member", "perhaps"),
        ("ccf_compute_watts.csv", 2, "max_watts", "?"),
        ("ccf_misc_constants.csv", "MEMORY_COEFFICIENT", "value", "?"),
    ],
)
def test_bad_value_names_file_line_and_value(
    broken_dir: Path, name: str, where: int | str, column: str, value: str
) -> None:
    path = broken_dir / name
    line = _find_line(path, where)
    _set_field(path, line, column, value)
    _expect_data_error(broken_dir, name, f"line {line}", f"'{value}'")


def test_renamed_column_read_through_field_is_a_data_error(broken_dir: Path) -> None:
    _edit_line(broken_dir / "regions.csv", 1, lambda line: line.replace(",lat,", ",latitude,", 1))
    _expect_data_error(broken_dir, "regions.csv", "no column 'lat'")


@pytest.mark.parametrize(
    "name",
    [
        "regions.csv",
        "jurisdictions.csv",
        "prices_cpu_vms.csv",
        "prices_gpu_vms.csv",
        "accelerators_by_region.csv",
        "ccf_compute_watts.csv",
        "ccf_machine_types_embodied.csv",
        "ccf_misc_constants.csv",
        "accelerator_power.csv",
        "pue_ccf.csv",
        "campus_pue.csv",
        "ne_110m_land.geojson",
    ],
)
def test_missing_file_names_it(broken_dir: Path, name: str) -> None:
    (broken_dir / name).unlink()
    _expect_data_error(broken_dir, name, "missing")


def test_no_carbon_files_at_all(broken_dir: Path) -> None:
    for path in broken_dir.glob("region_carbon_*.csv"):
        path.unlink()
    _expect_data_error(broken_dir, "region_carbon_YYYY.csv")


@pytest.mark.parametrize(
    "text",
    [
        "this is not json",
        "[]",
        '{"type": "FeatureCollection"}',
        '{"features": [{"geometry": {"type": "Polygon", "coordinates": [[[1, 2, 3]]]}}]}',
        '{"features": [{"geometry": {"type": "Polygon", "coordinates": [[["a", "b"]]]}}]}',
    ],
)
def test_invalid_geojson_names_the_file(broken_dir: Path, text: str) -> None:
    (broken_dir / "ne_110m_land.geojson").write_text(text, encoding="utf-8")
    _expect_data_error(broken_dir, "ne_110m_land.geojson", "GeoJSON")


def test_non_utf8_csv_names_the_file(broken_dir: Path) -> None:
    path = broken_dir / "regions.csv"
    path.write_bytes(path.read_bytes() + b"bad,\xff\xfe,row\n")
    _expect_data_error(broken_dir, "regions.csv", "CSV")


def test_region_with_unknown_country(broken_dir: Path) -> None:
    _set_field(broken_dir / "regions.csv", 2, "country_iso3", "XXX")
    _expect_data_error(broken_dir, "regions.csv", "line 2", "XXX", "jurisdictions.csv")


def test_no_regions(broken_dir: Path) -> None:
    path = broken_dir / "regions.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    _expect_data_error(broken_dir, "regions.csv", "no regions")


def test_missing_memory_coefficient(broken_dir: Path) -> None:
    path = broken_dir / "ccf_misc_constants.csv"
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("MEMORY_COEFFICIENT")
    ]
    path.write_text("".join(kept), encoding="utf-8")
    _expect_data_error(broken_dir, "ccf_misc_constants.csv", "MEMORY_COEFFICIENT")


# The loader promises "every file error becomes a DataError that names the file". The next tests
# break a file in ways that currently escape as a bare KeyError (a traceback for the user).


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("regions.csv", "gcp_region", "region_name"),
        ("region_carbon_2024.csv", "Google Cloud Region", "Region"),
        ("ccf_compute_watts.csv", "kind", "category"),
    ],
)
def test_renamed_column_is_a_data_error(broken_dir: Path, name: str, old: str, new: str) -> None:
    _edit_line(broken_dir / name, 1, lambda line: line.replace(old, new, 1))
    _expect_data_error(broken_dir, name)


def test_missing_fallback_processor_is_a_data_error(broken_dir: Path) -> None:
    path = broken_dir / "ccf_compute_watts.csv"
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("MEDIAN (fallback)")
    ]
    path.write_text("".join(kept), encoding="utf-8")
    _expect_data_error(broken_dir, "ccf_compute_watts.csv")


def test_unknown_trust_tier_in_jurisdictions_is_a_data_error(broken_dir: Path) -> None:
    """A tier outside TRUST_TIERS loads fine today and only fails later, in rank(), as a KeyError."""
    _set_field(broken_dir / "jurisdictions.csv", 2, "default_trust", "bogus")
    _expect_data_error(broken_dir, "jurisdictions.csv", "bogus")

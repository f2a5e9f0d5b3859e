"""core.hardware_compare on the real bundled data: figures checked against hand calculations from the data files."""

import csv
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon_gui.core.catalog import Catalog, MachineOption
from carbon_gui.core.errors import DataError, InputError
from carbon_gui.core.hardware_compare import (
    BENCHMARK_ADVICE,
    ESTIMATE_LABEL,
    CompareRequest,
    Comparison,
    Estimate,
    compare,
    mark_pareto,
)
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.sources.places import resolve_location
from carbon_gui.sources.reference import ReferenceData, load_gpu_throughput

T4 = "nvidia-tesla-t4"
A100 = "nvidia-tesla-a100"


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def tflops(data_dir: Path) -> dict[tuple[str, str], float]:
    """(GPU type, metric) -> TFLOPS, read straight from the bundled file."""
    table = {}
    for row in csv_rows(data_dir / "gpu_throughput.csv"):
        for metric, column in (("fp32", "tflops_fp32"), ("tf32", "tflops_tf32_tensor"), ("fp16", "tflops_fp16_tensor")):
            if row[column]:
                table[(row["gce_accelerator_type"], metric)] = float(row[column])
    return table


@pytest.fixture(scope="module")
def list_prices(data_dir: Path) -> dict[tuple[str, str], float]:
    """(region, machine) -> on-demand USD/h where the type is listed in the region, read straight from the files."""
    prices = {}
    for name in ("prices_gpu_vms.csv", "prices_cpu_vms.csv"):
        for row in csv_rows(data_dir / name):
            if row["listed_in_region_machinetypes"] == "yes":
                prices[(row["region"], row["machine_type"])] = float(row["usd_per_hour_ondemand"])
    return prices


def run(reference: ReferenceData, option: MachineOption, hours: float, **kwargs) -> Comparison:  # type: ignore[no-untyped-def]
    request = CompareRequest(option, hours, **kwargs)
    return compare(reference.catalog, reference.power, load_gpu_throughput(), request)


def t4_reference(catalog: Catalog) -> MachineOption:
    return catalog.machine_option("n1-standard-8", T4, 1)


def rows_for(comparison: Comparison, machine: str) -> list[Estimate]:
    rows = [e for e in comparison.estimates if e.option.machine.name == machine and not e.option.attached_gpu]
    assert rows, f"{machine} should be offered somewhere"
    return rows


# --------------------------------------------------------------------------- run length


@pytest.mark.parametrize("metric", ["fp16", "tf32", "fp32"])
def test_run_length_scales_with_the_chosen_throughput(reference, tflops, metric: str) -> None:
    comparison = run(reference, t4_reference(reference.catalog), 10.0, metric=metric)
    assert comparison.metric.name == metric
    for row in rows_for(comparison, "a2-highgpu-1g"):
        assert row.hours == pytest.approx(10.0 * tflops[(T4, metric)] / tflops[(A100, metric)])
    for row in rows_for(comparison, "a3-highgpu-1g"):
        assert row.hours == pytest.approx(10.0 * tflops[(T4, metric)] / tflops[("nvidia-h100-80gb", metric)])


def test_the_reference_keeps_its_run_length(reference) -> None:
    option = t4_reference(reference.catalog)
    comparison = run(reference, option, 7.5)
    own = [e for e in comparison.estimates if e.option == option]
    assert own, "n1-standard-8 with a T4 is offered in many regions"
    assert {e.hours for e in own} == {7.5}
    assert all(e.cost_usd is None and e.pareto is None for e in own), "no list price for attached GPUs"


def test_same_gpu_count_only_and_no_cpu_only_machines(reference, tflops) -> None:
    option = reference.catalog.machine_option("a2-highgpu-2g")
    comparison = run(reference, option, 4.0)
    assert {e.option.gpu_count for e in comparison.estimates} == {2}
    assert all(e.option.gpu_type for e in comparison.estimates)
    assert any("CPU-only" in s.option for s in comparison.skipped)
    for row in rows_for(comparison, "a3-highgpu-2g"):
        assert row.hours == pytest.approx(4.0 * tflops[(A100, "fp16")] / tflops[("nvidia-h100-80gb", "fp16")])
    hosts = {e.option.machine.name for e in comparison.estimates if e.option.attached_gpu}
    assert hosts == {"n1-standard-32"}, "the smallest n1-standard with at least a2-highgpu-2g's 24 vCPUs"


def test_user_speedup_replaces_the_throughput_ratio(reference) -> None:
    comparison = run(reference, t4_reference(reference.catalog), 10.0, speedups={A100: 3.0})
    for row in rows_for(comparison, "a2-highgpu-1g"):
        assert row.hours == pytest.approx(10.0 / 3.0)
        assert row.speedup == pytest.approx(3.0)
        assert any("your speed-up" in note for note in row.assumptions)


def test_gpu_without_a_figure_needs_a_speedup(reference) -> None:
    p4 = "nvidia-tesla-p4"
    without = run(reference, t4_reference(reference.catalog), 10.0)
    assert not [e for e in without.estimates if e.option.gpu_type == p4]
    assert any(p4 in s.option and f"give a speed-up {p4}=X" in s.reason for s in without.skipped)
    assert any(p4 in s.option and "fp16" in s.reason for s in without.skipped), "names the metric"
    with_speedup = run(reference, t4_reference(reference.catalog), 10.0, speedups={p4: 0.5})
    rows = [e for e in with_speedup.estimates if e.option.gpu_type == p4]
    assert rows
    assert [e.hours for e in rows] == pytest.approx([20.0] * len(rows))


def test_cpu_reference_compares_itself_and_gpus_with_a_speedup(reference) -> None:
    option = reference.catalog.machine_option("n2-standard-8")
    alone = run(reference, option, 6.0)
    assert {e.option for e in alone.estimates} == {option}
    assert {e.hours for e in alone.estimates} == {6.0}
    assert any("other CPU-only" in s.option for s in alone.skipped)
    with_l4 = run(reference, option, 6.0, speedups={"nvidia-l4": 4.0})
    l4_rows = [e for e in with_l4.estimates if e.option.gpu_type == "nvidia-l4"]
    assert l4_rows
    assert {e.option.gpu_count for e in l4_rows} == {1}
    assert [e.hours for e in l4_rows] == pytest.approx([1.5] * len(l4_rows))


# --------------------------------------------------------------------------- energy, cost, CO2e


def test_energy_cost_and_co2e_match_the_planner_and_the_data(reference, list_prices, data_dir: Path) -> None:
    """An option's figures are what the planner reports for that machine at the estimated run length."""
    comparison = run(reference, t4_reference(reference.catalog), 10.0)
    intensity = {
        row["Google Cloud Region"]: float(row["Grid carbon intensity (gCO2eq / kWh)"])
        for row in csv_rows(data_dir / "region_carbon_2024.csv")
        if row["Grid carbon intensity (gCO2eq / kWh)"]
    }
    checked = 0
    for machine in ("a2-highgpu-1g", "g2-standard-8"):
        rows = rows_for(comparison, machine)
        weights = parse_weights("carbon=1,cost=0,security=0,latency=0")
        request = PlanRequest(machine, rows[0].hours, resolve_location("48.85, 2.35"), 2024)
        planned = {s.facts.region.name: s.facts for s in plan(reference, request, weights, Constraints()).ranked}
        for row in rows:
            facts = planned[row.region]
            assert row.energy_kwh == pytest.approx(facts.energy_kwh)
            assert row.emissions_kgco2e == pytest.approx(row.energy_kwh * intensity[row.region] / 1000)
            assert row.cost_usd == pytest.approx(list_prices[(row.region, machine)] * row.hours)
            assert row.energy_kwh == pytest.approx(row.watts * row.hours * row.pue / 1000)
            checked += 1
    assert checked > 10


def test_sorted_by_co2e_with_label_and_advice(reference) -> None:
    comparison = run(reference, t4_reference(reference.catalog), 10.0)
    emissions = [e.emissions_kgco2e for e in comparison.estimates]
    assert emissions == sorted(emissions)
    assert "ROUGH ESTIMATE" in comparison.label == ESTIMATE_LABEL
    assert "Benchmark" in comparison.advice == BENCHMARK_ADVICE
    assert comparison.carbon_year == reference.catalog.latest_carbon_year


def test_a_region_without_a_carbon_figure_is_said_once(reference, data_dir: Path) -> None:
    rows = csv_rows(data_dir / "region_carbon_2019.csv")
    with_figure = {row["Google Cloud Region"] for row in rows if any(v for k, v in row.items() if "intensity" in k)}
    comparison = run(reference, t4_reference(reference.catalog), 10.0, carbon_year=2019)
    said = [s.option.removeprefix("every option in ") for s in comparison.skipped if "2019" in s.reason]
    assert said, "some regions have no 2019 figure"
    assert len(said) == len(set(said))
    assert set(said) <= set(reference.catalog.region_names()), "one line per region, not per option"
    assert not set(said) & with_figure
    assert not {e.region for e in comparison.estimates} & set(said)


def test_regions_filter(reference) -> None:
    comparison = run(reference, t4_reference(reference.catalog), 10.0, regions=("europe-west4", "europe-west4"))
    assert {e.region for e in comparison.estimates} == {"europe-west4"}


# --------------------------------------------------------------------------- Pareto marking


def dominates(a: Estimate, b: Estimate) -> bool:
    """The definition, written out here so the check does not trust the code under test."""
    a_figures = (a.emissions_kgco2e, a.cost_usd, a.hours)
    b_figures = (b.emissions_kgco2e, b.cost_usd, b.hours)
    return a_figures != b_figures and all(x <= y for x, y in zip(a_figures, b_figures, strict=True))  # type: ignore[operator]


def check_pareto_marks(estimates: tuple[Estimate, ...] | list[Estimate]) -> None:
    known = [e for e in estimates if e.cost_usd is not None]
    for estimate in estimates:
        if estimate.cost_usd is None:
            assert estimate.pareto is None
        elif estimate.pareto:
            assert not any(dominates(other, estimate) for other in known), "a marked option is dominated"
        else:
            assert estimate.pareto is False
            assert any(dominates(other, estimate) for other in known), "an unmarked option is not dominated"


@pytest.mark.parametrize(
    ("machine", "gpu", "count"), [("n1-standard-8", T4, 1), ("a2-highgpu-1g", None, 0), ("g2-standard-24", None, 0)]
)
def test_pareto_marks_on_the_real_data(reference, machine: str, gpu: str | None, count: int) -> None:
    comparison = run(reference, reference.catalog.machine_option(machine, gpu, count), 10.0)
    check_pareto_marks(comparison.estimates)
    assert any(e.pareto for e in comparison.estimates)


figures = st.floats(0.0, 100.0, allow_nan=False)


@given(st.lists(st.tuples(figures, st.one_of(st.none(), figures), figures), max_size=25))
def test_pareto_marks_property(rows: list[tuple[float, float | None, float]]) -> None:
    option = MachineOption.__new__(MachineOption)  # the marking never looks at the option
    estimates = [
        Estimate(option, "r", hours, 1.0, 1.0, 1.0, cost, co2, 1.0, 1.0, ()) for co2, cost, hours in rows
    ]  # fmt: skip
    marked = mark_pareto(estimates)
    check_pareto_marks(marked)
    if any(cost is not None for _, cost, _ in rows):
        assert any(e.pareto for e in marked), "some option with a known cost is always Pareto-optimal"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"speedups": {"nvidia-made-up": 2.0}}, "Unknown GPU type 'nvidia-made-up'"),
        ({"speedups": {A100: 0.0}}, "above 0"),
        ({"speedups": {A100: -2.0}}, "above 0"),
        ({"speedups": {A100: math.nan}}, "above 0"),
        ({"speedups": {A100: math.inf}}, "above 0"),
        ({"speedups": {T4: 2.0}}, "reference GPU"),
        ({"regions": ("mars-north1",)}, "Unknown region 'mars-north1'"),
        ({"metric": "int8"}, "Unknown throughput metric"),
        ({"carbon_year": 1999}, "No carbon figures for 1999"),
    ],
)
def test_bad_input_is_an_input_error(reference, kwargs, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        run(reference, t4_reference(reference.catalog), 10.0, **kwargs)


@pytest.mark.parametrize("hours", [0.0, -1.0, math.nan, math.inf])
def test_bad_hours_is_an_input_error(reference, hours: float) -> None:
    with pytest.raises(InputError, match="run length"):
        run(reference, t4_reference(reference.catalog), hours)


# --------------------------------------------------------------------------- the bundled file


def test_bundled_throughput_file(data_dir: Path, reference) -> None:
    table = load_gpu_throughput()
    offered = {m.gpu_type for m in reference.catalog.machines.values() if m.gpu_type}
    offered |= {g for gpus in reference.catalog.attachable_gpus.values() for g in gpus}
    assert offered <= set(table), "every GPU the catalog offers has a row (maybe with unknown figures)"
    assert table[T4].tflops == {
        "fp32": pytest.approx(8.141),
        "tf32": pytest.approx(8.141),
        "fp16": pytest.approx(65.13),
    }
    assert table["nvidia-tesla-p4"].tflops == {"fp32": None, "tf32": None, "fp16": None}


@pytest.mark.parametrize("value", ["fast", "-3", "0", "nan", "inf"])
def test_bad_throughput_value_names_file_and_line(tmp_path: Path, data_dir: Path, value: str) -> None:
    shutil.copytree(data_dir, tmp_path / "data")
    path = tmp_path / "data" / "gpu_throughput.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("31.33", value, 1)  # the L4 row, line 3 of the file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"gpu_throughput\.csv line 3"):
        load_gpu_throughput(tmp_path / "data")

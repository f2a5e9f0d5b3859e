"""codecarbon's emissions.csv as figures with an honest label. The CSV header is codecarbon 3.3.2's."""

import json

import pytest

from carbon_gui.core.errors import DataError
from carbon_gui.core.measured_emissions import parse_emissions

HEADER = (
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
    "cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,region,"
    "cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
    "longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,"
    "ram_utilization_percent,ram_used_gb,on_cloud,pue,wue"
)


def _row(duration: str = "2.5", gpu_count: str = "0", gpu_model: str = "", emissions: str = "1.2e-06") -> str:
    return (
        f"2026-11-22T08:12:49,codecarbon,r,e,{duration},{emissions},4e-07,1.25,0.0,20.0,8e-08,0.0,9e-07,2.1e-05,0.0,"
        f"France,FRA,,,,Linux,3.11.7,3.3.2,2,Intel Xeon,{gpu_count},{gpu_model},,,23.5,machine,0,0,0,0,N,1.0,0.0"
    )


def test_the_last_run_is_read_and_labelled_estimated_without_counters() -> None:
    text = "\n".join([HEADER, _row(duration="1.0"), _row(duration="2.5")]) + "\n"
    measured = parse_emissions(text, json.dumps({"cpu_mode": "cpu_load"}))
    assert measured.duration_s == 2.5 and measured.energy_kwh == 2.1e-05 and measured.emissions_kg == 1.2e-06
    assert (measured.country_iso, measured.country_name, measured.codecarbon_version) == ("FRA", "France", "3.3.2")
    assert (measured.cpu_power_w, measured.gpu_power_w, measured.ram_power_w) == (1.25, 0.0, 20.0)
    assert measured.kind == "estimated"
    assert "CPU power ESTIMATED from the CPU's TDP × its load" in measured.source
    assert "codecarbon 3.3.2" in measured.source and "France" in measured.source


def test_counters_or_a_gpu_make_it_partly_measured() -> None:
    rapl = parse_emissions(f"{HEADER}\n{_row()}\n", json.dumps({"cpu_mode": "intel_rapl"}))
    assert rapl.kind == "partly measured" and "read from RAPL energy counters" in rapl.source
    gpu = parse_emissions(f"{HEADER}\n{_row(gpu_count='1', gpu_model='Tesla T4')}\n", None)
    assert gpu.kind == "partly measured" and "GPU power read through NVML (Tesla T4)" in gpu.source


def test_an_unrecorded_method_is_treated_as_estimated() -> None:
    for methods in (None, "not json", json.dumps([1]), json.dumps({"cpu_mode": 3})):
        measured = parse_emissions(f"{HEADER}\n{_row()}\n", methods)
        assert measured.cpu_mode == "unknown" and measured.kind == "estimated"
        assert "treat it as ESTIMATED" in measured.source


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no run in it"),
        (HEADER + "\n", "has no run in it"),
        ("a,b\n1,2\n", "is not codecarbon's emissions file"),
        (f"{HEADER}\n{_row(emissions='lots')}\n", "line 2: a figure is not a number"),
    ],
)
def test_a_broken_file_is_a_data_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message) as raised:
        parse_emissions(text, where="/runs/x/emissions.csv")
    assert str(raised.value).startswith("/runs/x/emissions.csv")

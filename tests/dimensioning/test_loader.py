"""A bad benchmark folder is one clear line naming the file, row and column (CLI exit 2), and nothing half-loaded
is used. Run through the user's entry point: carbon_gui.cli.main."""

import json
import os
import threading
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.core.errors import DataError
from carbon_gui.sources import benchmarks
from carbon_gui.sources.benchmarks import load_benchmarks
from tests.dimensioning.conftest import spec, toy_rows, write_pair


def dimension(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["dimension", "--data", str(folder), "--minimize", "time(sec)", "--constraint", "acc>=0.6", "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def refused(folder: Path, capsys: pytest.CaptureFixture[str], *expected: str) -> str:
    """Exit 2, nothing on stdout (no answer from half the data), one line on stderr containing `expected`."""
    code, out, err = dimension(folder, capsys)
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err
    return err


def test_a_good_folder_loads_every_platform(toy_dir: Path) -> None:
    data = load_benchmarks(toy_dir)
    assert data.algorithm == "toy"
    assert sorted(data.hardware) == ["cpu-slow", "gpu-fast"]
    assert all(p.runs == 48 and p.inputs.shape == (48, 2) for p in data.platforms)
    assert list(data.platform("gpu-fast").domain(0)) == list(range(1, 9))  # int: every whole number LB..UB
    assert list(data.platform("gpu-fast").domain(1)) == [0.01, 0.1, 0.3]  # float: the values that were run


def test_text_in_a_number_column_names_file_row_and_column(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = toy_rows(1.0, 1)
    rows[4][3] = "n/a"  # the acc column of the fifth run: line 6 of the file
    write_pair(toy_dir, "cpu-slow", rows)
    refused(toy_dir, capsys, "toy_cpu-slow.csv", "row 6", "column 'acc'", "'n/a' is not a number")


def test_a_column_the_json_names_but_the_csv_lacks(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    description = spec("gpu-fast", price=3.0)
    description["targets"].append({"ID": "memPeak(MB)"})
    (toy_dir / "toy_gpu-fast.json").write_text(json.dumps(description))
    refused(toy_dir, capsys, "toy_gpu-fast.csv", "no column 'memPeak(MB)'", "toy_gpu-fast.json")


def test_a_missing_hyperparameter_column(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = toy_dir / "toy_cpu-slow.csv"
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")  # drop the 'layers' column
    refused(toy_dir, capsys, "toy_cpu-slow.csv", "no column 'layers'")


def test_an_empty_file(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (toy_dir / "toy_cpu-slow.csv").write_text("")
    refused(toy_dir, capsys, "toy_cpu-slow.csv", "is empty")


def test_a_header_without_runs(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_pair(toy_dir, "cpu-slow", [])
    refused(toy_dir, capsys, "toy_cpu-slow.csv", "no runs")


def test_a_csv_without_its_json_and_a_json_without_its_csv(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (toy_dir / "toy_gpu-fast.json").unlink()
    refused(toy_dir, capsys, "toy_gpu-fast.csv", "has no toy_gpu-fast.json")
    write_pair(toy_dir, "gpu-fast")
    (toy_dir / "toy_gpu-fast.csv").unlink()
    refused(toy_dir, capsys, "toy_gpu-fast.json", "has no toy_gpu-fast.csv")


def test_bad_json_says_where(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (toy_dir / "toy_gpu-fast.json").write_text('{"name": "toy",\n "HW_ID": "gpu-fast",,}')
    refused(toy_dir, capsys, "toy_gpu-fast.json", "is not valid JSON", "line 2")


def test_json_nested_too_deep_is_bad_json_not_a_crash(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (toy_dir / "toy_gpu-fast.json").write_text("[" * 200_000 + "]" * 200_000)  # under the 1 MB limit
    refused(toy_dir, capsys, "toy_gpu-fast.json", "nested too deeply")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hyperparams": [{"ID": "layers", "type": "categorical"}]}, "type 'categorical'"),
        ({"hyperparams": [{"ID": "layers", "type": "int", "LB": 9, "UB": 1}]}, "LB 9 above UB 1"),
        ({"HW_ID": ""}, "'HW_ID' must be a non-empty text"),
        ({"HW_price": "cheap"}, "'HW_price' must be a number"),
        ({"targets": "time"}, "'targets' must be a list"),
        ({"targets": [{"ID": "time(sec)"}, {"ID": "layers"}]}, "names column(s) layers more than once"),
    ],
)
def test_a_json_that_cannot_describe_the_runs(
    toy_dir: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], expected: str
) -> None:
    (toy_dir / "toy_gpu-fast.json").write_text(json.dumps(spec("gpu-fast", **change)))
    refused(toy_dir, capsys, "toy_gpu-fast.json", expected)


def test_a_fraction_in_an_int_hyperparameter(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = toy_rows(1.0, 1)
    rows[9][0] = 2.5
    write_pair(toy_dir, "cpu-slow", rows)
    refused(toy_dir, capsys, "toy_cpu-slow.csv", "row 11", "column 'layers'", "2.5 is not a whole number")


def test_infinite_values_and_ragged_rows(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = toy_rows(1.0, 1)
    rows[0][2] = "inf"
    write_pair(toy_dir, "cpu-slow", rows)
    refused(toy_dir, capsys, "row 2", "column 'time(sec)'", "not a finite number")
    rows = toy_rows(1.0, 1)
    rows[2] = rows[2][:3]
    write_pair(toy_dir, "cpu-slow", rows)
    refused(toy_dir, capsys, "toy_cpu-slow.csv row 4 has 3 fields")


def test_two_algorithms_or_one_hardware_twice_are_refused(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_pair(toy_dir, "other", name="another-algorithm")
    refused(toy_dir, capsys, "mixes algorithms", "'another-algorithm'")
    write_pair(toy_dir, "other", HW_ID="gpu-fast")
    refused(toy_dir, capsys, "both describe hardware 'gpu-fast'")


def test_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(tmp_path / "nowhere", capsys, "does not exist")
    refused(tmp_path, capsys, "has no .csv/.json pairs")


def test_a_fifo_in_place_of_a_csv_is_refused_without_blocking(
    toy_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = toy_dir / "toy_cpu-slow.csv"
    csv_path.unlink()
    os.mkfifo(csv_path)
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(refused(toy_dir, capsys, "not a regular file")))
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert result


def test_a_file_over_the_size_limit(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(benchmarks, "MAX_CSV_BYTES", 1000)  # the real limit is 64 MB: too big to write in a test
    with pytest.raises(DataError, match=r"toy_cpu-slow.csv is larger than the 1000 bytes limit"):
        load_benchmarks(toy_dir)


def test_an_int_range_too_wide_to_search_is_refused(toy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """LB..UB of an int hyperparameter is the space searched: a trillion values would exhaust memory."""
    hyperparams = [{"ID": "layers", "type": "int", "LB": 1, "UB": 1e12}, {"ID": "lr", "type": "float"}]
    (toy_dir / "toy_gpu-fast.json").write_text(json.dumps(spec("gpu-fast", hyperparams=hyperparams)))
    refused(toy_dir, capsys, "toy_gpu-fast.json", "'layers'", "1,000,000,000,000 whole numbers", "narrow LB/UB")


def test_upper_case_extensions_pair_up(toy_dir: Path) -> None:
    """Windows tools write TOY.CSV: the pair is still found."""
    (toy_dir / "toy_gpu-fast.csv").rename(toy_dir / "toy_gpu-fast.CSV")
    (toy_dir / "toy_gpu-fast.json").rename(toy_dir / "toy_gpu-fast.Json")
    assert sorted(load_benchmarks(toy_dir).hardware) == ["cpu-slow", "gpu-fast"]

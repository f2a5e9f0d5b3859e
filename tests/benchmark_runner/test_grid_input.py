"""What the user types for a benchmark: the grid, the repeat count, the platforms and the script. Bad input is one
line on stderr and exit 2, through the real CLI; nothing is launched."""

import ast

import pytest

from carbon_gui.core import benchmark_grid as bg
from tests.benchmark_runner.conftest import cli, write_script


def test_ranges_with_steps_and_lists_parse_to_their_values() -> None:
    assert bg.parse_axis("nScenarios=1..5").values == (1, 2, 3, 4, 5)
    assert bg.parse_axis("nScenarios = 1..100:25").values == (1, 26, 51, 76)
    lr = bg.parse_axis("lr=0.001,0.01,1")
    assert lr.values == (0.001, 0.01, 1) and lr.kind == "float"
    assert bg.parse_axis("batch=16,32").kind == "int"


def test_work_resumes_from_the_rows_a_dataset_has_and_runs_round_by_round() -> None:
    grid = bg.make_grid([bg.parse_axis("n=1..3"), bg.parse_axis("k=0,1")], 2)
    assert grid.size() == 6
    rows = [{"n": "1", "k": "0"}, {"n": "1.0", "k": "0"}, {"n": "2", "k": "1"}, {"n": "9", "k": "9"}]
    work = bg.remaining_work(grid, 2, bg.done_counts(rows, grid.names))
    assert (((1, 0), 2) not in work) and ((2, 1), 1) in work and ((3, 1), 2) in work
    assert sum(needed for _, needed in work) == 12 - 3  # the row outside the grid counts for nothing
    order = bg.run_order(work)
    assert len(order) == 9
    assert set(order[:5]) == {c for c, _ in work}  # every missing configuration once before any twice


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n", "not NAME=VALUES"),
        ("n=", "not NAME=VALUES"),
        ("2n=1..3", "not a hyperparameter name"),
        ("class=1..3", "not a hyperparameter name"),
        ("time(sec)=1,2", "not a hyperparameter name"),
        ("n=5..1", "put the smaller number first"),
        ("n=1..10:0", "step"),
        ("lr=0.1..1", "not a range of whole numbers"),
        ("n=1,x", "'x' in the values of n is not a number"),
        ("n=1,nan", "not a finite number"),
        ("n=1,2,1", "lists a value twice"),
        ("n=1..100000000", "more than 100,000 values"),
    ],
)
def test_a_bad_grid_is_one_line_and_exit_2(text: str, expected: str, tmp_path, capsys) -> None:
    script = write_script(tmp_path, "def train(n): pass\n")
    code = cli(["benchmark", "--script", str(script), "--grid", text, "--local", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--grid", "n=1..3", "--grid", "n=4,5", "--local"], "more than once"),
        (["--grid", "n=1..400", "--grid", "m=1..400", "--local"], "more than 100,000 runs"),
        (["--grid", "n=1..3", "--repeat", "0", "--local"], "must be 1 or more"),
        (["--grid", "n=1..3"], "Say where to benchmark"),
        (["--grid", "n=1..3", "--machine", "n1-standard-4"], "Give the region of --machine n1-standard-4"),
        (["--grid", "n=1..3", "--accelerator", "nvidia-tesla-t4:1", "--machine", "n1-standard-4"], "right after"),
        (["--grid", "n=1..3", "--local", "--region", "europe-west4", "--region", "us-central1"], "one --region"),
        (["--grid", "n=1..3", "--local", "--region", "atlantis-1"], "Unknown region 'atlantis-1'"),
        (["--grid", "n=1..3", "--local", "--local", "--region", "europe-west4"], "asked for twice"),
        (["--grid", "n=1..3", "--machine", "n1-standard-4", "--region", "europe-west4"], "project id"),
        (["--grid", "n=1..3", "--machine", "no-such-machine", "--region", "europe-west4", "--project", "p"],
         "no-such-machine"),
        (["--grid", "m=1..3", "--local"], "has no parameter m"),
        (["--grid", "n=1..3", "--function", "solve", "--local"], "defines no function solve()"),
    ],
)
def test_bad_platforms_and_scripts_are_one_message_and_exit_2(argv, expected, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("CARBON_GUI_GCP_PROJECT", raising=False)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    script = write_script(tmp_path, "def train(n, extra=1):\n    return {'q': n}\n")
    code = cli(["benchmark", "--script", str(script), "--out", str(tmp_path / "o"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err


def test_a_script_train_cannot_take_the_grid_is_refused_before_anything_runs(tmp_path, capsys) -> None:
    script = write_script(tmp_path, "def train(n, size):\n    return None\n")
    code = cli(["benchmark", "--script", str(script), "--grid", "n=1,2", "--local", "--out", str(tmp_path / "o")])
    assert code == 2 and "needs size" in capsys.readouterr().err
    missing = tmp_path / "missing.py"
    code = cli(["benchmark", "--script", str(missing), "--grid", "n=1,2", "--local", "--out", str(tmp_path / "o")])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # no ledger, no job


def test_train_with_kwargs_takes_any_grid() -> None:
    tree = ast.parse("def train(**params):\n    return params\n")
    assert bg.check_benchmark_script("s.py", tree, "train", ["a", "b"]) == []
    positional_only = ast.parse("def train(n, /):\n    pass\n")
    assert "needs n" in " ".join(bg.check_benchmark_script("s.py", positional_only, "train", ["n"]))

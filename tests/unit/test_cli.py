"""The CLI as a user runs it: `python -m carbon_gui ...` in a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carbon_gui.core.scoring import Constraints
from carbon_gui.core.security import parse_rule
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest, plan
from carbon_gui.sources.places import resolve_location

REPO_ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = "carbon=0.5,cost=0.3,security=0.1,latency=0.1"
RANK_ARGS = ["rank", "--machine", "a2-highgpu-1g", "--hours", "12", "--weights", WEIGHTS, "--from", "Paris"]
CRITERIA_KEYS = {"carbon", "cost", "security", "latency"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carbon_gui", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def rank_json() -> dict[str, Any]:
    result = run_cli(*RANK_ARGS, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_rank_json_shape(rank_json: dict[str, Any]) -> None:
    ranked = rank_json["ranked"]
    assert isinstance(ranked, list)
    assert ranked, "a2-highgpu-1g is offered in several regions"
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    for row in ranked:
        for key in (
            "region",
            "rank",
            "score",
            "criteria",
            "intensity_gco2_kwh",
            "price_usd_per_hour",
            "energy_kwh",
            "emissions_kgco2e",
            "latency_ms_estimate",
        ):
            assert key in row, key
        assert 0.0 <= row["score"] <= 1.0
        assert set(row["criteria"]) == CRITERIA_KEYS
        for criterion in row["criteria"].values():
            assert {"normalised", "weight"} <= set(criterion)
            assert 0.0 <= criterion["normalised"] <= 1.0
        assert sum(c["weight"] for c in row["criteria"].values()) == pytest.approx(1.0, abs=1e-5)
        assert row["criteria"]["carbon"]["weight"] == pytest.approx(0.5, abs=1e-6)
        assert row["price_usd_per_hour"] > 0
        assert row["emissions_kgco2e"] == pytest.approx(row["energy_kwh"] * row["intensity_gco2_kwh"] / 1000, rel=1e-3)
    by_region = {r["region"]: r for r in ranked}
    assert by_region["us-central1"]["price_usd_per_hour"] == pytest.approx(3.6734, abs=1e-4)
    assert by_region["europe-west4"]["latency_ms_estimate"] < by_region["us-central1"]["latency_ms_estimate"]


def test_rank_json_excluded_and_coverage(rank_json: dict[str, Any], catalog) -> None:
    excluded = rank_json["excluded"]
    for row in excluded:
        assert set(row) >= {"region", "reason"}
        assert row["reason"]
    names = [r["region"] for r in rank_json["ranked"]] + [e["region"] for e in excluded]
    assert len(names) == 45
    assert sorted(names) == sorted(catalog.region_names())
    reasons = {e["region"]: e["reason"] for e in excluded}
    assert "not offered" in reasons["europe-west9"]


def test_rank_json_context(rank_json: dict[str, Any]) -> None:
    assert rank_json["machine"] == "a2-highgpu-1g"
    assert rank_json["hours"] == 12.0
    assert rank_json["from"]["name"] == "Paris, FR"
    assert rank_json["carbon_year"] == 2024
    assert rank_json["weights"] == {"carbon": 0.5, "cost": 0.3, "security": 0.1, "latency": 0.1}


def test_rank_json_equals_the_in_process_plan(rank_json: dict[str, Any], reference) -> None:
    request = PlanRequest("a2-highgpu-1g", 12.0, resolve_location("Paris"))
    ranking = plan(reference, request, parse_weights(WEIGHTS), Constraints(policy=parse_rule("anywhere")))
    assert [r["region"] for r in rank_json["ranked"]] == [s.name for s in ranking.ranked]
    assert [r["score"] for r in rank_json["ranked"]] == pytest.approx([s.score for s in ranking.ranked], abs=1e-6)
    assert [e["region"] for e in rank_json["excluded"]] == [e.region.name for e in ranking.excluded]


def test_rank_table(catalog) -> None:
    result = run_cli(*RANK_ARGS, "--top", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "region", "score"]
    rows = [line.split() for line in lines[1:4]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(row[1] in catalog.region_names() for row in rows)
    assert lines[4].strip() == "" or not lines[4].split()[0].isdigit()  # only three ranked rows
    assert "Not ranked (35):" in result.stdout


def test_rank_with_constraints() -> None:
    result = run_cli(*RANK_ARGS, "--json", "--rule", "eu", "--vertex-only")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["region"] for r in data["ranked"]] == ["europe-west4"]
    assert all(r["country"] in {"Netherlands"} for r in data["ranked"])
    assert len(data["ranked"]) + len(data["excluded"]) == 45


def test_rank_attached_gpu_drops_cost_with_a_note() -> None:
    result = run_cli(
        "rank",
        "--machine",
        "n1-standard-8",
        "--accelerator",
        "nvidia-tesla-t4:2",
        "--hours",
        "5",
        "--from",
        "48.85, 2.35",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["machine"] == "n1-standard-8 + 2x nvidia-tesla-t4"
    assert any("Cost not scored" in note for note in data["notes"])
    assert data["ranked"]
    assert all(r["criteria"]["cost"]["weight"] == 0 for r in data["ranked"])
    assert all(r["price_usd_per_hour"] is None for r in data["ranked"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["rank", "--machine", "a2-nonsense", "--hours", "12", "--from", "Paris"], ["a2-nonsense"]),
        (
            ["rank", "--machine", "a2-highgpu-1g", "--hours", "12", "--from", "Paris", "--weights", "carbon=x"],
            ["Malformed weights"],
        ),
        (["rank", "--machine", "a2-highgpu-1g", "--hours", "12", "--from", "Xyzzyville"], ["Xyzzyville"]),
        (
            ["rank", "--machine", "a2-highgpu-1g", "--hours", "12", "--from", "Paris", "--year", "1999"],
            ["1999", "2024"],
        ),
        (["rank", "--machine", "a2-highgpu-1g", "--hours", "12", "--from", "Paris", "--rule", "bogus"], ["bogus"]),
        (["rank", "--machine", "a2-highgpu-1g", "--hours", "0", "--from", "Paris"], ["Run length"]),
        (
            [
                "rank",
                "--machine",
                "n1-standard-8",
                "--accelerator",
                "nvidia-tesla-t4:x",
                "--hours",
                "1",
                "--from",
                "Paris",
            ],
            ["nvidia-tesla-t4:x"],
        ),
        (["cleanest", "--year", "1999"], ["1999"]),
    ],
    ids=["machine", "weights", "city", "year", "rule", "hours", "accelerator", "cleanest-year"],
)
def test_bad_input_exits_2_with_a_message(args: list[str], words: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("carbon-gui:")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize(
    "args",
    [["rank", "--hours", "12"], ["rank", "--machine", "a2-highgpu-1g", "--hours", "twelve"], ["fly"]],
    ids=["missing-machine", "non-numeric-hours", "unknown-command"],
)
def test_argparse_errors_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "carbon-gui: error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_infinite_weight_is_rejected() -> None:
    """BUG: parse_weights accepts 'inf'; the CLI then prints NaN scores (not valid JSON) and exits 0."""
    result = run_cli(*RANK_ARGS[:5], "--weights", "carbon=inf,cost=1", "--from", "Paris", "--json")
    assert result.returncode == 2, result.stdout[:300]
    assert result.stderr.startswith("carbon-gui:")


def test_year_zero_is_rejected_not_silently_replaced() -> None:
    """BUG: `args.year or latest` / `carbon_year or latest` treat --year 0 as 'newest year'."""
    result = run_cli(*RANK_ARGS, "--year", "0", "--json")
    assert result.returncode == 2, "ranked with year " + str(json.loads(result.stdout or "{}").get("carbon_year"))
    assert "0" in result.stderr


def test_cleanest_text() -> None:
    result = run_cli("cleanest")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("europe-north2 (Stockholm): 2.73")
    assert "source: Google region-carbon-info" in result.stdout


def test_cleanest_json() -> None:
    result = run_cli("cleanest", "--json", "--year", "2024")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["region"] == "europe-north2"
    assert data["intensity_gco2_kwh"] == pytest.approx(2.73)
    compared = data["compared"]
    assert compared[0]["region"] == "europe-north2"
    values = [c["intensity_gco2_kwh"] for c in compared]
    assert values == sorted(values)
    assert len(compared) == 44


def test_machines_json() -> None:
    result = run_cli("machines", "--json")
    assert result.returncode == 0, result.stderr
    machines = {m["name"]: m for m in json.loads(result.stdout)}
    assert machines["a2-highgpu-1g"]["vcpus"] == 12
    assert machines["a2-highgpu-1g"]["gpu_type"] == "nvidia-tesla-a100"
    assert "e2-standard-4" in machines


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("rank", "cleanest", "machines"):
        assert command in result.stdout
    assert "usage: carbon-gui" in result.stdout


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "carbon-gui 0.1.0"


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """main() as the console script runs it; argparse's own errors end in SystemExit."""
    from carbon_gui.cli import main

    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


RANK_T4 = ["rank", "--machine", "n1-standard-8", "--hours", "2", "--from", "Paris"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--max-price", "nan"], ["--max-price", "nan", "0 or more"]),
        (["--max-price", "inf"], ["--max-price", "inf"]),
        (["--max-price", "-1"], ["--max-price", "-1"]),
        (["--max-emissions", "nan"], ["--max-emissions", "nan"]),
        (["--max-emissions", "-0.5"], ["--max-emissions", "-0.5"]),
        (["--from", ""], ["--from", "empty", "city"]),
        (["--from", "   "], ["--from", "empty"]),
        (["--accelerator", ":2"], ["':2'", "no GPU type", "TYPE:COUNT"]),
        (["--accelerator", "T4:0"], ["'T4:0'", "1 or more"]),
        (["--accelerator", "T4:x"], ["'T4:x'", "whole number"]),
        (["--accelerator", "T4:-1"], ["'T4:-1'", "whole number"]),
        (["--accelerator", "T4:"], ["'T4:'"]),
        (["--hours", "0"], ["--hours", "Run length", "not 0"]),
        (["--hours", "-3"], ["Run length", "not -3"]),
        (["--hours", "nan"], ["Run length", "not nan"]),
        (["--hours", "inf"], ["Run length"]),
        (["--hours", "twelve"], ["'twelve' is not a number"]),
    ],
)
def test_bad_values_exit_2_with_one_line_saying_what_to_do(capsys, extra: list[str], words: list[str]) -> None:
    code, out, err = run_in_process(capsys, *RANK_T4, *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("carbon-gui: error: argument ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_a_valid_attached_gpu_and_limits_still_rank(capsys) -> None:
    args = [*RANK_T4, "--accelerator", " nvidia-tesla-t4 : 2 ", "--max-emissions", "0", "--json"]
    code, out, err = run_in_process(capsys, *args)
    assert code == 0, err
    data = json.loads(out)
    assert data["machine"] == "n1-standard-8 + 2x nvidia-tesla-t4"
    assert data["ranked"] == []  # nothing emits 0 kg
    assert data["excluded"]


@pytest.fixture
def no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("extra", "env", "names"),
    [
        (["--provider", "watttime"], {}, ["CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"]),
        (
            ["--provider", "watttime"],
            {"CARBON_GUI_ELECTRICITYMAPS_TOKEN": "em-token", "CARBON_GUI_WATTTIME_USERNAME": "alice"},
            ["CARBON_GUI_WATTTIME_PASSWORD"],
        ),
        (["--provider", "electricitymaps"], {}, ["CARBON_GUI_ELECTRICITYMAPS_TOKEN"]),
        ([], {}, ["CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_USERNAME"]),
    ],
    ids=["watttime", "watttime-no-password", "electricitymaps", "any"],
)
def test_live_without_keys_names_the_environment_variables(
    capsys, monkeypatch, no_keys_in_env, extra: list[str], env: dict[str, str], names: list[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_in_process(capsys, "cleanest", "--live", *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("carbon-gui: No ") and err.count("\n") == 1
    for name in names:
        assert name in err
    assert "keyring" in err  # says why a key saved in the window is not used here
    assert "em-token" not in err


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--weights", "carbon=1e308,cost=1e308"], ["Weights", "too large"]),
        (["--weights", "carbon=1e308,cost=1e308,security=1e308,latency=1e308"], ["too large"]),
        (["--rule", "eu:FRA"], ["'eu:FRA'", "countries:FRA"]),
        (["--rule", "anywhere:DEU"], ["'anywhere:DEU'"]),
        (["--rule", "countries"], ["at least one country"]),
        (["--rule", "countries:"], ["at least one country"]),
        (["--hours", "1e-300"], ["Run length", "0.01", "not 1e-300"]),
        (["--hours", "0.001"], ["Run length", "not 0.001"]),
    ],
)
def test_careless_rank_values_exit_2_with_one_line(capsys, extra: list[str], words: list[str]) -> None:
    code, out, err = run_in_process(capsys, *RANK_T4, *extra)
    assert (code, out) == (2, ""), err
    assert err.startswith("carbon-gui: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err


def test_the_shortest_run_still_ranks_regions_apart(capsys) -> None:
    code, out, err = run_in_process(capsys, *RANK_T4, "--hours", "0.01", "--weights", "carbon=1", "--json")
    assert code == 0, err
    scores = {row["criteria"]["carbon"]["normalised"] for row in json.loads(out)["ranked"]}
    assert len(scores) > 3  # not every region tied at 1


def write_settings(config: Path, **fields: Any) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps({"schema_version": 1, **fields}), encoding="utf-8")


def test_rank_warns_about_bad_settings_and_uses_the_good_trust_tiers(capsys, _private_config_dir: Path) -> None:
    write_settings(
        _private_config_dir, trust_overrides={"DEU": "nonsense", "USA": "restricted"}, machine=5
    )
    code, out, err = run_in_process(capsys, *RANK_T4, "--json")
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("carbon-gui: warning: settings.json: ") for line in lines)
    assert "DEU" in lines[0] and "'nonsense'" in lines[0] and "'machine'" in lines[1]
    tiers = {row["country"]: row["security_tier"] for row in json.loads(out)["ranked"]}
    assert tiers["USA"] == "restricted"  # the window's trust tiers, as the window ranks
    assert tiers["Germany"] == "trusted"  # the bad override is ignored
    assert "Traceback" not in err

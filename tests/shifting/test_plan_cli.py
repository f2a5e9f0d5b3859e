"""`carbon-gui plan` through carbon_gui.cli.main, offline with no keys (the bundled hourly data, 2024 replayed)."""

import json
from datetime import datetime, timedelta

import pytest

PLAN = ["plan", "--machine", "n1-standard-8", "--from", "48.85, 2.35"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """main() as the console script runs it; argparse's own errors end in SystemExit."""
    from carbon_gui.cli import main

    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_json_contract_and_its_figures_agree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *PLAN, "--hours", "4.5", "--deadline", "36h", "--json")
    assert code == 0, err
    plan = json.loads(out)
    best, regions = plan["best"], plan["regions"]
    assert set(best) >= {"region", "start", "end", "emissions_kgco2e", "low", "high"}
    decision, deadline = _time(plan["decision_time"]), _time(plan["deadline"])
    assert deadline - decision == timedelta(hours=36)
    start, end = _time(best["start"]), _time(best["end"])
    assert decision <= start and end <= deadline and end - start == timedelta(hours=4.5)
    assert best["low"] <= best["emissions_kgco2e"] <= best["high"]
    by_name = {r["region"]: r for r in regions}
    assert len(by_name) == len(regions) > 10
    for r in regions:
        assert set(r) >= {"region", "best_start", "emissions_kgco2e", "now_emissions_kgco2e", "forecast_source"}
        assert r["emissions_kgco2e"] <= r["now_emissions_kgco2e"] * (1 + 1e-6)  # waiting never costs: now is a choice
        assert r["forecast_source"]
    # carbon is the default and only weight: the best is the least over every region and start
    assert best["emissions_kgco2e"] == min(r["emissions_kgco2e"] for r in regions)
    same = by_name[best["region"]]
    assert same["best_start"] == best["start"]
    expected_pct = 100 * (same["now_emissions_kgco2e"] - best["emissions_kgco2e"]) / same["now_emissions_kgco2e"]
    assert plan["savings_vs_now_same_region_pct"] == pytest.approx(expected_pct, abs=0.01)
    top = by_name[plan["top_region_yearly"]]
    expected_top = 100 * (top["now_emissions_kgco2e"] - best["emissions_kgco2e"]) / top["now_emissions_kgco2e"]
    assert plan["savings_vs_now_top_region_pct"] == pytest.approx(expected_top, abs=0.01)
    sources = [r["forecast_source"] for r in regions]
    assert any("own forecast" in s and "not live" in s for s in sources)  # the 16 bundled zones, labelled
    assert any(s.startswith("Google yearly") for s in sources)  # the others: flat yearly figure, labelled


def test_hourly_data_lets_a_region_save_by_waiting(capsys: pytest.CaptureFixture[str]) -> None:
    """Regions with bundled hourly data (e.g. the UK, California) vary over a day: some start beats starting now."""
    code, out, err = run(
        capsys, *PLAN, "--hours", "3", "--deadline", "48h", "--region", "europe-west2", "--region", "us-west2",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    plan = json.loads(out)
    assert {r["region"] for r in plan["regions"]} == {"europe-west2", "us-west2"}
    assert all("bundled Electricity Maps" in r["forecast_source"] for r in plan["regions"])
    assert any(r["emissions_kgco2e"] < r["now_emissions_kgco2e"] for r in plan["regions"])
    assert plan["savings_vs_now_same_region_pct"] >= 0


def test_the_table_names_the_best_start_and_the_savings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *PLAN, "--hours", "2", "--deadline", "24h", "--region", "europe-west2")
    assert code == 0, err
    assert "Best: europe-west2 from " in out
    assert "against starting now in the same region" in out
    assert "estimate" in out


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--hours", "10", "--deadline", "5h"], ["cannot finish", "deadline"]),
        (["--hours", "2", "--deadline", "36h", "--region", "mars-north1"], ["Unknown region 'mars-north1'"]),
        (["--hours", "2", "--deadline", "2020-01-01T00:00Z"], ["in the past"]),
        (["--hours", "2", "--deadline", "tomorrow"], ["'tomorrow'", "36h"]),
        (["--hours", "2", "--deadline", "0h"], ["later than now"]),
        (["--hours", "2", "--deadline", "30d"], ["7 days"]),
        (["--hours", "2", "--deadline", "99999999999999999999d"], ["7 days"]),  # past datetime's range
        (["--hours", "2", "--deadline", "9999-12-31T23:59Z"], ["7 days"]),
        (["--hours", "-1", "--deadline", "36h"], ["Run length"]),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], words: list[str]
) -> None:
    code, out, err = run(capsys, *PLAN, *extra)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_the_best_run_comes_with_its_hour_by_hour_accounting(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *PLAN, "--hours", "2.5", "--deadline", "30h", "--region", "us-west2",
                         "--embodied", "--utilisation", "cpu=0.7", "--json")  # fmt: skip
    assert code == 0, err
    plan = json.loads(out)
    accounting, best = plan["accounting"], plan["best"]
    assert accounting["label"] == "estimate"
    assert [h["hours"] for h in accounting["hours"]] == [1, 1, 0.5]
    assert accounting["hours"][0]["start"] == best["start"]
    assert sum(h["emissions_kgco2e"] for h in accounting["hours"]) == pytest.approx(best["emissions_kgco2e"], rel=1e-4)
    assert accounting["operational_kgco2e"] == pytest.approx(best["emissions_kgco2e"], rel=1e-5)
    assert accounting["operational_low_kgco2e"] == pytest.approx(best["low"], rel=1e-5)
    assert accounting["operational_high_kgco2e"] == pytest.approx(best["high"], rel=1e-5)
    assert accounting["embodied_kgco2e"] > 0 and accounting["water_l"] > 0
    assert plan["power_watts"]["low"] < plan["power_watts"]["expected"] < plan["power_watts"]["high"]
    assert any("bundled Electricity Maps" in s for s in accounting["sources"])


def test_a_higher_utilisation_costs_more(capsys: pytest.CaptureFixture[str]) -> None:
    figures = []
    for utilisation in ("cpu=0.2", "cpu=0.9"):
        code, out, err = run(capsys, *PLAN, "--hours", "2", "--deadline", "2h", "--region", "us-west2",
                             "--utilisation", utilisation, "--json")  # fmt: skip
        assert code == 0, err
        figures.append(json.loads(out)["best"]["emissions_kgco2e"])
    assert figures[0] < figures[1]


@pytest.mark.parametrize("text", ["cpu=1.5", "ram=0.5", "cpu=half"])
def test_a_bad_utilisation_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], text: str) -> None:
    code, out, err = run(capsys, *PLAN, "--hours", "2", "--deadline", "5h", "--utilisation", text)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "cpu=FRACTION" in err

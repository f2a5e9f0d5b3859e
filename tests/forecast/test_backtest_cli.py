"""`carbon-gui backtest` through the CLI's entry point: the JSON contract, its figures agree, bad input exits 2."""

import json

import pytest

from carbon_gui.cli import main

JOB_LENGTHS = ("1", "4", "8")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(["backtest", *args])
    except SystemExit as exit_:  # argparse's own errors exit from inside main
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_json_contract_and_its_figures_agree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--zones", "DE,GB", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report["zones"]) == {"DE", "GB"}
    for scores in [*report["zones"].values(), report["average"]]:
        assert 0 < scores["mape_pct"] < scores["baseline_mape_pct"]  # DE and GB: the forecaster clearly wins
        assert 80 <= scores["coverage_pct"] <= 97  # a 90 % interval, near its level on real data
        for job_hours in JOB_LENGTHS:
            s = scores[job_hours]
            assert 0 < s["realised_savings_pct"] <= s["oracle_savings_pct"]  # nothing beats perfect foresight
            share = 100 * s["realised_savings_pct"] / s["oracle_savings_pct"]
            assert s["captured_pct"] == pytest.approx(share, abs=0.1)
            # re-planned every hour until the start, as the app does for a job launched at the best time
            assert 0 < s["replanned_realised_savings_pct"] <= s["oracle_savings_pct"]
            share = 100 * s["replanned_realised_savings_pct"] / s["oracle_savings_pct"]
            assert s["replanned_captured_pct"] == pytest.approx(share, abs=0.1)
    zone_mapes = [z["mape_pct"] for z in report["zones"].values()]
    assert report["average"]["mape_pct"] == pytest.approx(sum(zone_mapes) / 2, abs=0.01)
    across = report["across_zones"]["4"]
    assert across["joint"]["oracle_savings_pct"] >= across["spatial"]["oracle_savings_pct"]  # more choice, no less
    # every 6 h through 2024, until a job's latest end runs past the data (31 Dec)
    assert 366 * 4 - 6 <= report["method"]["decisions_per_zone"] < 366 * 4


def test_the_table_names_each_zone_and_the_average(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--zones", "SG")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[0] == "SG" and lines[2].split()[0] == "average"
    assert float(lines[1].split()[1]) == pytest.approx(float(lines[2].split()[1]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--zones", "DE,XX-NOPE"), "Unknown zone XX-NOPE: the bundled hourly data has AU-NSW"),
        (("--zones", " , "), "give at least one zone"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and out == ""

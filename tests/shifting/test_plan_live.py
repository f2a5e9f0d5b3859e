"""`carbon-gui plan --live` as a real subprocess against the local fake Electricity Maps server."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from tests.integration.fake_providers import FakeElectricityMaps

PLAN = ["plan", "--machine", "n1-standard-8", "--from", "48.85, 2.35", "--live", "--json"]


def run_plan(em: FakeElectricityMaps, tmp_path: Any, *args: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_GUI_")}
    env = {**clean, "CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": em.token,
           "CARBON_GUI_CACHE_DIR": str(tmp_path), "CARBON_GUI_CONFIG_DIR": str(tmp_path / "config")}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "carbon_gui", *PLAN, *args], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert em.token not in result.stdout + result.stderr
    plan: dict[str, Any] = json.loads(result.stdout)
    return plan


def test_the_provider_forecast_is_used_where_the_plan_includes_one(tmp_path: Any) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        plan = run_plan(em, tmp_path, "--hours", "3", "--deadline", "20h", "--region", "europe-west1",
                        "--region", "us-west2")  # fmt: skip
        assert em.count("carbon-intensity/forecast") > 0
    sources = {r["region"]: r["forecast_source"] for r in plan["regions"]}
    assert sources["europe-west1"].startswith("provider forecast (Electricity Maps)")
    assert "lacks" not in sources["europe-west1"]  # 24 h of forecast cover a 20 h deadline
    assert sources["us-west2"].startswith("provider forecast (Electricity Maps)")
    best = plan["best"]
    assert best["emissions_kgco2e"] == min(r["emissions_kgco2e"] for r in plan["regions"])


def test_a_forecast_shorter_than_the_deadline_is_completed_and_says_from_what(tmp_path: Any) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        plan = run_plan(em, tmp_path, "--hours", "3", "--deadline", "40h", "--region", "europe-west1")
    source = plan["regions"][0]["forecast_source"]
    assert source.startswith("provider forecast") and "h it lacks from" in source


def test_a_free_plan_without_forecasts_gets_the_own_forecast_from_the_live_history(tmp_path: Any) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC), plan="free") as em:
        plan = run_plan(em, tmp_path, "--hours", "2", "--deadline", "12h", "--region", "europe-west1")
        assert em.count("carbon-intensity/history") > 0
    source = plan["regions"][0]["forecast_source"]
    assert "own forecast" in source and "Electricity Maps history" in source
    assert plan["best"]["low"] <= plan["best"]["emissions_kgco2e"] <= plan["best"]["high"]


def test_a_rejected_key_is_one_line_and_not_a_silent_offline_plan(tmp_path: Any) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_GUI_")}
        env = {**clean, "CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": "wrong-key-9",
               "CARBON_GUI_CACHE_DIR": str(tmp_path), "CARBON_GUI_CONFIG_DIR": str(tmp_path / "config")}  # fmt: skip
        result = subprocess.run([sys.executable, "-m", "carbon_gui", *PLAN, "--hours", "2", "--deadline", "10h"],
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "key rejected" in result.stderr
    assert "wrong-key-9" not in result.stderr and "Traceback" not in result.stderr


def _watttime_plan(tmp_path: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return _watttime_cli(tmp_path, *PLAN, "--provider", "watttime", *args)


def _watttime_cli(tmp_path: Any, *args: str) -> subprocess.CompletedProcess[str]:
    from tests.integration.fake_providers import FakeWattTime

    california = {"CAISO_NORTH": (32.0, 42.0, -124.5, -114.0)}  # covers us-west2 (Los Angeles), us-west4
    with FakeWattTime.start(now=datetime.now(UTC), coverage=california) as wt:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_GUI_")}
        env = {**clean, "CARBON_GUI_WATTTIME_URL": wt.api_url, "CARBON_GUI_WATTTIME_USERNAME": wt.username,
               "CARBON_GUI_WATTTIME_PASSWORD": wt.password, "CARBON_GUI_CACHE_DIR": str(tmp_path),
               "CARBON_GUI_CONFIG_DIR": str(tmp_path / "config")}  # fmt: skip
        result = subprocess.run([sys.executable, "-m", "carbon_gui", *args], env=env, capture_output=True, text=True,
                                timeout=120)  # fmt: skip
    assert wt.password not in result.stdout + result.stderr
    return result


def test_watttime_plans_only_where_it_has_marginal_data(tmp_path: Any) -> None:
    """Marginal (MOER) and average figures are different quantities: no fallback to average data for the rest.
    The fake's forecast covers 50 minutes from the current hour."""
    result = _watttime_plan(tmp_path, "--hours", "0.25", "--deadline", "30m")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {r["region"] for r in plan["regions"]} == {"us-west2", "us-west4"}
    assert all("WattTime" in r["forecast_source"] for r in plan["regions"])
    assert any(e["reason"] == "no hourly data of the live signal's kind" for e in plan["excluded"])


def test_a_run_longer_than_the_live_data_covers_exits_2_instead_of_vanishing(tmp_path: Any) -> None:
    result = _watttime_plan(tmp_path, "--hours", "2", "--deadline", "12h")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "covering a 2 h run" in result.stderr
    assert "give a shorter run. Or try without --live: it plans on the bundled hourly data." in result.stderr


def test_launch_at_best_on_live_data_too_short_for_the_run_says_to_try_without_live(tmp_path: Any) -> None:
    """`launch --at best --live` meets plan_when's problems as `plan --live` does, and gets the same hint."""
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n")
    launch = ["launch", "--local", "--script", str(script), "--region", "us-west2", "--machine", "n1-standard-8"]
    result = _watttime_cli(tmp_path, *launch, "--hours", "2", "--at", "best", "--deadline", "12h", "--live",
                           "--provider", "watttime")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "covering a 2 h run" in result.stderr
    assert "Or try without --live: it plans on the bundled hourly data." in result.stderr

"""`carbon-gui cleanest --live` as a real subprocess against the local fake providers."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from tests.integration.fake_providers import FakeElectricityMaps, FakeWattTime


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_GUI_")}
    return subprocess.run([sys.executable, "-m", "carbon_gui", *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_cleanest_live_compares_current_values_from_electricity_maps(tmp_path):
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        env = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": em.token,
               "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        result = run_cli("cleanest", "--live", "--json", env=env)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["source"] == "Electricity Maps" and out["kind"] == "average, lifecycle"
        values = [row["intensity_gco2_kwh"] for row in out["compared"]]
        assert out["intensity_gco2_kwh"] == min(values) and values == sorted(values)
        assert {row["region"] for row in out["without_value"]} >= {"us-central2", "us-east2"}  # no grid zone
        assert em.count("carbon-intensity/latest") > 0
        assert em.token not in result.stdout + result.stderr


def test_cleanest_live_with_a_rejected_key_says_so_and_exits_2(tmp_path):
    with FakeElectricityMaps.start() as em:
        env = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": "wrong-key-123",
               "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        result = run_cli("cleanest", "--live", env=env)
        assert result.returncode == 2
        assert "key rejected" in result.stderr and "Traceback" not in result.stderr
        assert "wrong-key-123" not in result.stderr


def test_cleanest_live_without_keys_explains_what_to_set():
    result = run_cli("cleanest", "--live", env={})
    assert result.returncode == 2
    assert "CARBON_GUI_ELECTRICITYMAPS_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_cleanest_live_with_watttime_is_marginal(tmp_path):
    california = {"CAISO_NORTH": (32.0, 42.0, -124.5, -114.0)}  # covers us-west2 (Los Angeles), us-west4
    with FakeWattTime.start(now=datetime.now(UTC), coverage=california) as wt:
        env = {"CARBON_GUI_WATTTIME_URL": wt.api_url, "CARBON_GUI_WATTTIME_USERNAME": wt.username,
               "CARBON_GUI_WATTTIME_PASSWORD": wt.password, "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        result = run_cli("cleanest", "--live", "--provider", "watttime", "--json", env=env)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["source"] == "WattTime" and out["kind"] == "marginal (MOER)"
        assert {row["region"] for row in out["compared"]} == {"us-west2", "us-west4"}
        assert any(row["reason"] == "no WattTime coverage here" for row in out["without_value"])
        assert wt.count("login") == 1

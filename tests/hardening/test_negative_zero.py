"""A provider's -0.0 is an intensity of 0, shown as "0": `carbon-gui cleanest --live` in a subprocess against the fake
Electricity Maps on 127.0.0.1, every zone answering carbonIntensity -0.0."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.fake_providers import FakeElectricityMaps, Fault, fixture
from tests.integration.test_cli_live import run_cli

MINUS_ZERO = re.compile(r"(?<![\w-])-0(\.0*)?(?![\d.])")  # "-0" or "-0.0" as a number, not "2025-06-01"


def test_minus_zero_from_the_provider_is_read_and_shown_as_zero(tmp_path: Path) -> None:
    latest = fixture("em_v3_carbon-intensity_latest.json")
    latest["carbonIntensity"] = -0.0
    raw = json.dumps(latest).encode()
    assert b"-0.0" in raw  # what goes over the wire
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        em.faults["carbon-intensity/latest"] = Fault("status", status=200, body=raw)
        env = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": em.token,
               "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        text = run_cli("cleanest", "--live", env=env)
        as_json = run_cli("cleanest", "--live", "--json", env=env)
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    assert ": 0 gCO₂e/kWh" in text.stdout and not MINUS_ZERO.search(text.stdout)
    out = json.loads(as_json.stdout)
    assert out["intensity_gco2_kwh"] == 0.0 and not MINUS_ZERO.search(as_json.stdout)

"""Implausible and all-null values (issue 8, item 6): the real clients against the fake providers on 127.0.0.1, through
LiveFetcher (the path of the window and the CLI), then the CLI and the ranking.

A value outside `core.plausibility`'s range is refused with a reason that names it; refused points of a series are
gaps with a note, and a part with nothing usable left (or only nulls) is refused with a reason."""

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from carbon_gui.core.geo import Location
from carbon_gui.core.live_carbon import live_carbon
from carbon_gui.core.scoring import Constraints, rank
from carbon_gui.core.signals import LBS_PER_MWH_TO_G_PER_KWH, PART_HISTORY, PART_LATEST, PART_POWER, CarbonMode
from carbon_gui.core.weights import Weights
from carbon_gui.live_service import LiveService
from carbon_gui.planning import PlanRequest, assess_request
from carbon_gui.providers import ELECTRICITYMAPS
from carbon_gui.secrets import Credentials, Secret
from carbon_gui.sources.electricitymaps import ElectricityMapsClient
from carbon_gui.sources.live import LiveFetcher
from carbon_gui.sources.reference import load_reference
from carbon_gui.sources.watttime import WattTimeClient

from .conftest import Fetched, fetch_em, fetch_wt
from .fake_providers import FakeElectricityMaps, FakeWattTime, Fault, fixture
from .test_cli_live import run_cli

NOW = datetime(2025, 6, 1, 12, 5, tzinfo=UTC)
WT_NOW = datetime(2025, 6, 1, 12, 2, tzinfo=UTC)
# what the provider sends -> how the reason writes it
IMPLAUSIBLE: dict[str, tuple[Any, str]] = {
    "negative": (-5, "-5"),
    "huge": (1e9, "1e+09"),
    "NaN": (math.nan, "nan"),  # the JSON literal NaN, which Python's json reads as a float
    "NaN string": ("NaN", "nan"),
    "infinite string": ("-Infinity", "-inf"),
}
EM_SERIES = {"carbon-intensity/history": ("history", "history"), "carbon-intensity/forecast": ("forecast", "forecast")}


def _answer(route: str, value: Any, *, only_first: bool = False) -> Fault:
    """The fixture answer of an Electricity Maps route with carbonIntensity set to `value` (everywhere, or in the
    first point only)."""
    body = fixture(f"em_v3_{route.replace('/', '_')}.json")
    items = [body] if route.endswith("latest") else body[route.rsplit("/", 1)[1]]
    for item in items[:1] if only_first else items:
        item["carbonIntensity"] = value
    return Fault("status", status=200, body=body)


def _problems(fetched: Fetched) -> dict[str, str]:
    return {p.endpoint: p.message for signal, _ in fetched.calls for p in signal.problems}


# --- Electricity Maps ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", IMPLAUSIBLE)
def test_an_implausible_latest_value_is_refused(
    case: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    value, written = IMPLAUSIBLE[case]
    em_server.faults["carbon-intensity/latest"] = _answer("carbon-intensity/latest", value)
    fetched = fetch_em(em_client, "NL", now=NOW)
    signal = fetched.one()
    assert signal.latest is None and PART_LATEST not in signal.part_times
    assert _problems(fetched) == {
        "carbon-intensity/latest": (
            f"Electricity Maps reported {written} gCO₂e/kWh for NL, outside the plausible 0–2000: value refused"
        )
    }
    assert len(signal.history) == 24  # the other parts stand


@pytest.mark.parametrize("case", IMPLAUSIBLE)
@pytest.mark.parametrize("route", EM_SERIES)
def test_a_series_of_implausible_values_is_refused(
    route: str, case: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    value, written = IMPLAUSIBLE[case]
    attribute, part = EM_SERIES[route]
    em_server.faults[route] = _answer(route, value)
    fetched = fetch_em(em_client, "NL", now=NOW)
    assert getattr(fetched.one(), attribute) == ()
    assert _problems(fetched) == {
        route: f"Electricity Maps reported only implausible {part} values for NL "
        f"(24 of 24, e.g. {written} gCO₂e/kWh; plausible 0–2000): {part} refused"
    }


@pytest.mark.parametrize("route", EM_SERIES)
def test_an_implausible_point_of_a_series_becomes_a_gap_with_a_note(
    route: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    attribute, part = EM_SERIES[route]
    em_server.faults[route] = _answer(route, -5, only_first=True)
    signal = fetch_em(em_client, "NL", now=NOW).one()
    points = getattr(signal, attribute)
    assert len(points) == 24 and points[0].value is None and points[1].value is not None
    assert all(p.value is None or p.value >= 0 for p in points)
    assert signal.problems == ()
    assert f"{part}: 1 of 24 values refused (-5 gCO₂e/kWh; plausible 0–2000)" in signal.notes


@pytest.mark.parametrize(("source", "mw", "written"), [("coal", -300, "-300"), ("wind", 1e9, "1e+09")])
def test_a_power_mix_with_an_implausible_figure_is_left_out(
    source: str, mw: float, written: str, em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    body = fixture("em_v3_power-breakdown_history.json")
    body["history"][0]["powerProductionBreakdown"][source] = mw
    em_server.faults["power-breakdown/history"] = Fault("status", status=200, body=body)
    signal = fetch_em(em_client, "NL", now=NOW).one()
    assert len(signal.power_mix) == 2 and signal.problems == ()
    plausible = "0–10000000"
    assert f"power mix: 1 of 3 refused ({written} MW of {source}; plausible {plausible})" in signal.notes
    for mix in body["history"]:
        mix["powerProductionBreakdown"][source] = mw
    refused = fetch_em(em_client, "NL", now=NOW)
    assert refused.one().power_mix == () and PART_POWER not in refused.one().part_times
    assert _problems(refused) == {
        "power-breakdown": f"Electricity Maps reported {written} MW of {source} for NL, outside the plausible "
        f"{plausible}: power mix refused"
    }


def test_storage_may_be_negative_while_it_charges(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    body = fixture("em_v3_power-breakdown_history.json")
    body["history"][0]["powerProductionBreakdown"]["battery discharge"] = -120
    em_server.faults["power-breakdown/history"] = Fault("status", status=200, body=body)
    signal = fetch_em(em_client, "NL", now=NOW).one()
    assert len(signal.power_mix) == 3 and signal.problems == () and signal.notes == ()


def test_an_all_null_answer_says_what_was_missing(
    em_client: ElectricityMapsClient, em_server: FakeElectricityMaps
) -> None:
    for route in ("carbon-intensity/latest", "carbon-intensity/history", "power-breakdown/history"):
        em_server.faults[route] = "nulls"
    em_server.faults["power-breakdown/latest"] = "nulls"
    fetched = fetch_em(em_client, "FR", now=NOW)
    assert _problems(fetched) == {
        "carbon-intensity/latest": "Electricity Maps returned no carbon-intensity value for FR (all values null)",
        "carbon-intensity/history": "Electricity Maps returned no carbon-intensity history for FR (all values null)",
        "power-breakdown": "Electricity Maps returned no power mix for FR (all values null)",
    }
    signal = fetched.one()
    assert signal.latest is None and signal.history == () and signal.power_mix == ()
    assert set(signal.part_times) == {"forecast"}


# --- WattTime ------------------------------------------------------------------------------------------------


def _moer(route: str, lbs: Any, *, only_first: bool = False) -> Fault:
    body = fixture(f"wt_v3_{route}.json")
    for item in body["data"][:1] if only_first else body["data"]:
        item["value"] = lbs
    return Fault("status", status=200, body=body)


def test_a_negative_moer_is_refused_and_does_not_become_the_latest_value(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["forecast"] = _moer("forecast", -5)
    wt_server.faults["historical"] = _moer("historical", -5)
    fetched = fetch_wt(wt_client, now=WT_NOW)
    signal = fetched.one()
    assert signal.latest is None and signal.forecast == () and signal.history == ()
    written = f"{-5 * LBS_PER_MWH_TO_G_PER_KWH:.4g}"  # -2.268 g/kWh
    assert _problems(fetched) == {
        "forecast": f"WattTime reported only implausible forecast values for CAISO_NORTH "
        f"(10 of 10, e.g. {written} gCO₂e/kWh; plausible 0–1500): forecast refused",
        "historical": f"WattTime reported only implausible history values for CAISO_NORTH "
        f"(4 of 4, e.g. {written} gCO₂e/kWh; plausible 0–1500): history refused",
    }


def test_a_refused_current_forecast_falls_back_to_a_measured_moer(
    wt_client: WattTimeClient, wt_server: FakeWattTime
) -> None:
    wt_server.faults["forecast"] = _moer("forecast", 1e9, only_first=True)
    signal = fetch_wt(wt_client, now=WT_NOW).one()
    assert signal.latest is not None and signal.latest == signal.history[-1]  # not the refused current period
    assert signal.forecast[0].value is None and len(signal.forecast) == 10
    assert "forecast: 1 of 10 values refused (4.536e+08 gCO₂e/kWh; plausible 0–1500)" in signal.notes
    assert PART_HISTORY in signal.part_times and signal.problems == ()


def test_empty_answers_say_what_was_missing(wt_client: WattTimeClient, wt_server: FakeWattTime) -> None:
    for route in ("forecast", "historical"):
        body = fixture(f"wt_v3_{route}.json")
        body["data"] = []
        wt_server.faults[route] = Fault("status", status=200, body=body)
    fetched = fetch_wt(wt_client, now=WT_NOW)
    assert fetched.one().latest is None
    assert _problems(fetched) == {
        "forecast": "WattTime returned no MOER forecast for CAISO_NORTH (an empty list)",
        "historical": "WattTime returned no MOER history for CAISO_NORTH (an empty list)",
    }


# --- where the user sees it: `cleanest --live` and the ranking ----------------------------------------------


REFUSED_FR = "Electricity Maps reported -5 gCO₂e/kWh for FR, outside the plausible 0–2000: value refused"


def _em_env(server: FakeElectricityMaps, cache: Path) -> dict[str, str]:
    return {"CARBON_GUI_ELECTRICITYMAPS_URL": server.api_url, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": server.token,
            "CARBON_GUI_CACHE_DIR": str(cache)}  # fmt: skip


def test_cleanest_live_does_not_pick_a_negative_zone_and_says_why(tmp_path: Path) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        em.intensity_of["FR"] = -5
        result = run_cli("cleanest", "--live", "--json", env=_em_env(em, tmp_path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["region"] != "europe-west9" and out["intensity_gco2_kwh"] >= 0
    assert all(row["intensity_gco2_kwh"] >= 0 for row in out["compared"])
    reasons = {row["region"]: row["reason"] for row in out["without_value"]}
    assert REFUSED_FR in reasons["europe-west9"].split("; ")  # with its history and forecast, refused as well


def test_cleanest_live_with_only_nulls_names_what_was_missing(tmp_path: Path) -> None:
    with FakeElectricityMaps.start(now=datetime.now(UTC), faults={"carbon-intensity/latest": "nulls"}) as em:
        result = run_cli("cleanest", "--live", env=_em_env(em, tmp_path))
    assert result.returncode == 2
    assert "returned no carbon-intensity value for" in result.stderr and "(all values null)" in result.stderr
    assert "(; " not in result.stderr and "Traceback" not in result.stderr


def test_the_ranking_lists_a_refused_region_as_not_ranked_with_the_reason(tmp_path: Path) -> None:
    reference = load_reference()
    regions = [r for r in reference.catalog.regions if r.name in ("europe-west9", "europe-west1", "europe-west4")]
    with FakeElectricityMaps.start(now=datetime.now(UTC)) as em:
        em.intensity_of["FR"] = -5
        environ = {"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url}
        credentials = Credentials(Secret(em.token))
        service = LiveService(lambda: credentials, environ=environ, cache_path=tmp_path / "cache.sqlite", timeout_s=2)
        fetched = Fetched()
        service.fetch(ELECTRICITYMAPS, regions, fetched.on_signal, LiveFetcher())
    names = [r.name for r in regions]
    yearly = {name: reference.catalog.carbon(name, reference.catalog.latest_carbon_year) for name in names}
    signals = fetched.by_region()
    live = live_carbon(signals, names, CarbonMode.LATEST, yearly, datetime.now(UTC), 2.0)
    request = PlanRequest("n2-standard-8", 2.0, Location("Paris", 48.8566, 2.3522))
    ranking = rank(assess_request(reference, request, live), Weights(), Constraints())
    ranked = [r.facts.region.name for r in ranking.ranked]
    assert "europe-west9" not in ranked and {"europe-west1", "europe-west4"} <= set(ranked)
    reasons = {e.region.name: e.reason for e in ranking.excluded}
    assert reasons["europe-west9"] == f"no latest value ({REFUSED_FR})"

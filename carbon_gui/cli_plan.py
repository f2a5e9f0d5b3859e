"""carbon-gui plan: when and where to start a run so it emits least, finishing by a deadline.

    carbon-gui plan --machine M [--accelerator G] --hours H --deadline 36h|ISO-TIME [--live [--provider P]]
        [--region R]... [--from PLACE] [--weights ...] [--rule ...] [--max-price X] [--max-emissions Y] [--json]

Offline (no --live) the hourly data is the bundled Electricity Maps data: now maps onto the same date and hour of 2024
(as the replay does), the own forecaster forecasts from the hours before it, and the forecast is shown on today's
time axis; regions without hourly data get Google's yearly figure, flat, with a wide band. Exit 2 with one line
for bad input. JSON keys: see `_plan_dict` and `_accounting_dict`.
"""

import argparse
import dataclasses
import json
import math
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from carbon_gui.cli import Commands, _checked, _hours, _max_emissions, _max_price, _missing_key_message, _saved_settings
from carbon_gui.core.errors import InputError
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.security import parse_rule
from carbon_gui.core.shifting import Window
from carbon_gui.core.signals import GridSignal
from carbon_gui.core.weights import parse_weights
from carbon_gui.planning import PlanRequest, check_location_text, parse_accelerator
from carbon_gui.sources.places import default_location, resolve_location
from carbon_gui.sources.reference import ReferenceData, load_reference

if TYPE_CHECKING:  # numpy and the forecaster load when a plan is made, not when the parser is built
    from carbon_gui.core.accounting import Accounting, Utilisation
    from carbon_gui.time_planning import TimePlan

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$", re.IGNORECASE)
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}
DEADLINE_USAGE = "give a time from now such as 36h, 90m or 2d, or a UTC time such as 2026-03-01T18:00Z"
DEFAULT_WEIGHTS = "carbon=1"  # the command answers "when and where emits least"; --weights adds the rest


@dataclasses.dataclass(frozen=True)
class Deadline:
    """What the user typed: hours from now, or a moment (checked against now when the plan is made)."""

    hours: float | None = None
    at: datetime | None = None

    def moment(self, now: datetime) -> datetime:
        if self.at is not None:
            return self.at
        assert self.hours is not None
        return now + timedelta(hours=self.hours)


def parse_deadline(text: str) -> Deadline:
    match = _DURATION.match(text)
    if match:
        from carbon_gui.core.forecast import MAX_HORIZON_HOURS

        hours = float(match.group(1)) * _UNIT_HOURS[match.group(2).lower()]
        if not (math.isfinite(hours) and hours > 0):
            raise InputError(f"Deadline '{text}' must be later than now: {DEADLINE_USAGE}")
        if hours > MAX_HORIZON_HOURS:  # checked here too: a huge duration is past the range of a datetime
            raise InputError(f"Deadline '{text}' is {hours:.0f} h away; forecasts reach {MAX_HORIZON_HOURS} h (7 days)")
        return Deadline(hours=hours)
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InputError(f"Deadline '{text}' is neither a duration nor an ISO 8601 time: {DEADLINE_USAGE}") from None
    return Deadline(at=moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC))


def parse_utilisation(text: str) -> "Utilisation":
    """'cpu=0.6,gpu=0.9' (either part may be left out): the expected utilisation; the range widens to hold it."""
    from carbon_gui.core.accounting import Utilisation

    default = Utilisation()
    given: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = (x.strip() for x in part.partition("="))
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if name not in ("cpu", "gpu") or not 0 <= number <= 1:
            raise InputError(f"Utilisation '{part}' is not cpu=FRACTION or gpu=FRACTION from 0 to 1: give e.g. cpu=0.6")
        given[name] = number
    cpu, gpu = given.get("cpu", default.cpu), given.get("gpu", default.gpu)
    return Utilisation(cpu, min(default.cpu_low, cpu), max(default.cpu_high, cpu),
                       gpu, min(default.gpu_low, gpu), max(default.gpu_high, gpu))  # fmt: skip


def add_plan_command(commands: Commands) -> None:
    p = commands.add_parser(
        "plan",
        help="when and where to start a run so it emits least, finishing by a deadline",
        description="Find the region and start hour with the least expected emissions for a run that must finish "
        "by the deadline, with a low-high range, against starting now in the same region and in the region ranked "
        "first on Google's yearly figures. Every figure is an estimate; each region says where its hourly data "
        "comes from. Without --live it uses the bundled hourly data, 2024 replayed on today's time axis.",
    )
    p.add_argument("--machine", required=True, help="machine type, e.g. a2-highgpu-1g")
    p.add_argument("--accelerator", type=_checked(parse_accelerator), default=(None, 0),
                   help="GPU attached to an N1 machine: TYPE[:COUNT], e.g. nvidia-tesla-t4:2")  # fmt: skip
    p.add_argument("--hours", type=_checked(_hours), required=True, help="expected run length in hours (e.g. 4.5)")
    p.add_argument("--deadline", type=_checked(parse_deadline), required=True,
                   help="the run must finish by then: 36h, 90m, 2d from now, or an ISO 8601 UTC time")  # fmt: skip
    p.add_argument("--region", action="append", default=[], help="plan only this region (repeatable)")
    p.add_argument("--live", action="store_true",
                   help="use the provider's forecast and history (keys from CARBON_GUI_ELECTRICITYMAPS_TOKEN or "
                        "CARBON_GUI_WATTTIME_USERNAME/_PASSWORD)")  # fmt: skip
    p.add_argument("--provider", choices=("electricitymaps", "watttime"), help="with --live: which provider")
    p.add_argument("--from", dest="origin", type=_checked(check_location_text),
                   help="your location: a city or 'lat, lon' (default: from the time zone)")  # fmt: skip
    p.add_argument("--weights", default=DEFAULT_WEIGHTS, help=f"criterion weights (default {DEFAULT_WEIGHTS})")
    p.add_argument("--rule", default="anywhere", help="data residency: anywhere, eu, or countries:FRA,DEU")
    p.add_argument("--max-price", type=_checked(_max_price), help="maximum USD per hour")
    p.add_argument("--max-emissions", type=_checked(_max_emissions), help="maximum kg CO₂e for the run")
    p.add_argument("--vertex-only", action="store_true", help="only regions where Vertex AI runs")
    p.add_argument("--utilisation", type=_checked(parse_utilisation), default=None,
                   help="expected utilisation, e.g. cpu=0.6,gpu=0.9 (default cpu=0.5,gpu=1; the low-high range "
                        "spans cpu 0.25-0.9, gpu 0.7-1)")  # fmt: skip
    p.add_argument("--embodied", action="store_true",
                   help="add the hardware's embodied share (Cloud Carbon Footprint) to the best run's accounting")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_plan)


def live_signals(
    reference: ReferenceData, provider: str | None, command: str = "plan", regions: tuple[str, ...] = ()
) -> dict[str, GridSignal]:
    """The live signals of `regions` (default: all) from the environment's keys, for `command`'s --live: exit 2 with
    one line when there is no key or no live data at all (planning on bundled data instead would hide it)."""
    from carbon_gui.live_service import LiveService
    from carbon_gui.providers import ELECTRICITYMAPS, WATTTIME
    from carbon_gui.secrets import credentials_from_env
    from carbon_gui.sources.live import LiveFetcher

    credentials = credentials_from_env(os.environ)
    has_key = {ELECTRICITYMAPS: credentials.has_electricitymaps, WATTTIME: credentials.has_watttime}
    provider = provider or next((name for name, ok in has_key.items() if ok), None)
    if provider is None or not has_key[provider]:
        without = f"'{command}' uses the bundled hourly data"
        raise InputError(_missing_key_message(provider).replace("'cleanest' uses Google's yearly figures", without))
    signals: dict[str, GridSignal] = {}

    def collect(signal: GridSignal, names: list[str]) -> None:
        signals.update(dict.fromkeys(names, signal))

    wanted = [reference.catalog.region(name) for name in regions] or list(reference.catalog.regions)
    LiveService(lambda: credentials).fetch(provider, wanted, collect, LiveFetcher())
    if not any(s.forecast or s.history or s.latest for s in signals.values()):
        # --live asked for live data: planning on the bundled data instead would hide a broken key or an outage
        reasons = "; ".join(sorted({p.message for s in signals.values() for p in s.problems})) or "no signal"
        raise InputError(f"No live data from {provider} ({reasons[:200]}). Without --live, '{command}' uses bundled "
                         "data.")  # fmt: skip
    return signals


def _plan(args: argparse.Namespace) -> int:
    from carbon_gui.sources.reference import load_accounting_factors
    from carbon_gui.sources.replay import load_hourly_history
    from carbon_gui.time_planning import account_window, plan_when

    reference = load_reference()
    accelerator, count = args.accelerator
    location = resolve_location(args.origin) if args.origin else default_location()
    request = PlanRequest(args.machine, args.hours, location, None, accelerator, count)
    policy = dataclasses.replace(parse_rule(args.rule), trust_overrides=_saved_settings().trust_overrides)
    constraints = Constraints(args.max_price, args.max_emissions, args.vertex_only, policy)
    now = datetime.now(UTC)
    signals = live_signals(reference, args.provider) if args.live else None
    try:
        result = plan_when(
            reference, request, args.deadline.moment(now), parse_weights(args.weights), constraints, now,
            tuple(args.region), signals, load_hourly_history(), args.utilisation,
        )  # fmt: skip
    except InputError as err:
        if signals is None:
            raise
        raise without_live(err) from None
    out = _plan_dict(result)
    if result.best is not None and result.best.best is not None:
        embodied_figures, water = load_accounting_factors()
        embodied = embodied_figures.get(args.machine) if args.embodied else None
        if args.embodied and embodied is None:
            out["notes"].append(f"No embodied figure for {args.machine} in Cloud Carbon Footprint's coefficients.")
        out["accounting"] = _accounting_dict(account_window(result, result.best, result.best.best, embodied, water))
    if args.json:
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_plan(out)
    return 0


def without_live(err: InputError) -> InputError:
    """plan_when's problem on live data, with the option that plans on the bundled data instead (planner.with_hints)."""
    from carbon_gui.jobs.planner import with_hints
    from carbon_gui.time_planning import NO_HOURLY_DATA, NOT_COVERED

    hints = {
        NO_HOURLY_DATA: "Try without --live: it plans on the bundled hourly data.",
        NOT_COVERED: "Or try without --live: it plans on the bundled hourly data.",
    }
    return InputError(with_hints([str(err)], hints)[0])


def _accounting_dict(accounting: "Accounting") -> dict[str, Any]:
    a = accounting
    return {
        "label": a.label,
        "energy_kwh": _rounded(a.energy_kwh),
        "energy_low_kwh": _rounded(a.energy_low_kwh),
        "energy_high_kwh": _rounded(a.energy_high_kwh),
        "operational_kgco2e": _rounded(a.operational_kg),
        "operational_low_kgco2e": _rounded(a.operational_low_kg),
        "operational_high_kgco2e": _rounded(a.operational_high_kg),
        "embodied_kgco2e": _rounded(a.embodied_kg),
        "water_l": _rounded(a.water_l),
        "water_note": "rough estimate: on-site WUE + PUE x off-site water of the power mix"
        if a.water_offsite_known else "rough estimate, on-site only: no power mix to weigh the off-site water",
        "sources": list(a.sources),
        "hours": [
            {"start": _iso(r.start), "hours": r.hours, "energy_kwh": _rounded(r.energy_kwh),
             "intensity_gco2_kwh": _rounded(r.intensity), "intensity_low": _rounded(r.intensity_low),
             "intensity_high": _rounded(r.intensity_high), "emissions_kgco2e": _rounded(r.emissions_kg),
             "low": _rounded(r.low_kg), "high": _rounded(r.high_kg)}
            for r in a.rows
        ],
    }  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _rounded(value: float | None, digits: int = 6) -> float | None:
    """`digits` significant digits: a small run's kilograms keep their precision."""
    return None if value is None else float(f"{value:.{digits}g}")


def _plan_dict(result: "TimePlan") -> dict[str, Any]:
    def window(w: Window) -> dict[str, Any]:
        start = result.start_time(w)
        return {
            "start": _iso(start),
            "end": _iso(start + timedelta(hours=result.run_hours)),
            "emissions_kgco2e": _rounded(w.emissions_kg),
            "low": _rounded(w.low_kg),
            "high": _rounded(w.high_kg),
        }

    best = result.best
    same_kg, same_pct = result.savings_vs_now_same_region()
    top_kg, top_pct = result.savings_vs_now_top_region()
    return {
        "estimate": True,
        "decision_time": _iso(result.decision_time),
        "deadline": _iso(result.deadline),
        "hours": result.run_hours,
        "power_watts": {"expected": result.power.watts, "low": result.power.low, "high": result.power.high},
        "best": None if best is None or best.best is None else {"region": best.facts.region.name, **window(best.best)},
        "regions": [
            {
                "region": w.facts.region.name,
                "best_start": None if w.best is None else window(w.best)["start"],
                "emissions_kgco2e": None if w.best is None else _rounded(w.best.emissions_kg),
                "low": None if w.best is None else _rounded(w.best.low_kg),
                "high": None if w.best is None else _rounded(w.best.high_kg),
                "now_emissions_kgco2e": None if w.now is None else _rounded(w.now.emissions_kg),
                "forecast_source": w.series.source,
            }
            for w in result.regions
        ],
        "top_region_yearly": None if result.top_yearly is None else result.top_yearly.facts.region.name,
        "savings_vs_now_same_region_kg": _rounded(same_kg),
        "savings_vs_now_same_region_pct": _rounded(same_pct, 4),
        "savings_vs_now_top_region_kg": _rounded(top_kg),
        "savings_vs_now_top_region_pct": _rounded(top_pct, 4),
        "excluded": [{"region": name, "reason": why} for name, why in result.excluded],
        "notes": list(result.notes),
    }


def _print_plan(out: dict[str, Any]) -> None:
    print(f"{'region':<24} {'best start (UTC)':<21} {'kg CO₂e':>9} {'low-high':>15} {'now kg':>9}  hourly data")
    for r in out["regions"]:
        kg = "-" if r["emissions_kgco2e"] is None else f"{r['emissions_kgco2e']:.3f}"
        band = "-" if r["low"] is None else f"{r['low']:.3f}-{r['high']:.3f}"
        now = "-" if r["now_emissions_kgco2e"] is None else f"{r['now_emissions_kgco2e']:.3f}"
        print(f"{r['region']:<24} {r['best_start'] or '-':<21} {kg:>9} {band:>15} {now:>9}  {r['forecast_source']}")
    best = out["best"]
    if best:
        print(f"\nBest: {best['region']} from {best['start']} to {best['end']}: {best['emissions_kgco2e']:.3f} kg CO₂e "
              f"(range {best['low']:.3f}-{best['high']:.3f}), estimate.")  # fmt: skip
    for what, key in (("starting now in the same region", "same_region"), ("starting now in the region ranked "
                      f"first on yearly data ({out['top_region_yearly']})", "top_region")):  # fmt: skip
        kg, pct = out[f"savings_vs_now_{key}_kg"], out[f"savings_vs_now_{key}_pct"]
        if kg is not None:
            print(f"Saves {kg:.3f} kg" + ("" if pct is None else f" ({pct:.1f} %)") + f" against {what}.")
    if "accounting" in out:
        a = out["accounting"]
        embodied = "" if a["embodied_kgco2e"] is None else f"; embodied share {a['embodied_kgco2e']:.3g} kg CO₂e"
        print(f"Energy {a['energy_kwh']:.3g} kWh ({a['energy_low_kwh']:.3g}-{a['energy_high_kwh']:.3g}); water "
              f"{a['water_l']:.3g} L ({a['water_note']}){embodied}. All estimates.")  # fmt: skip
    for note in out["notes"]:
        print(f"note: {note}")
    if out["excluded"]:
        print(f"Not planned ({len(out['excluded'])}): " + "; ".join(f"{e['region']}" for e in out["excluded"][:10]))

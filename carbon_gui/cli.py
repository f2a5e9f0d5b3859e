"""carbon-gui without a window: the same ranking through the same core code.

Exit codes: 0 success, 2 bad input or unusable data (with a one-line message on stderr).
To add a command: a `_add_<name>(commands)` that adds its subparser with `set_defaults(handler=...)`, listed in
`build_parser`; the handler takes the parsed args, returns the exit code and raises UserFacingError for anything
the user can fix. Argument values are checked by argparse types built with `_checked` from planning's checks.
"""

import argparse
import codecs
import dataclasses
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeAlias, TypeVar

from carbon_gui import __version__
from carbon_gui.core.cleanest import cleanest_regions
from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.live_carbon import latest_figure
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.quantities import significant
from carbon_gui.core.report import ranking_context, ranking_dict
from carbon_gui.core.scoring import Constraints, Ranking, rank
from carbon_gui.core.security import parse_rule
from carbon_gui.core.signals import GridSignal
from carbon_gui.core.weights import Weights, parse_weights
from carbon_gui.planning import (
    PlanRequest,
    assess_request,
    check_hours,
    check_limit,
    check_location_text,
    parse_accelerator,
)
from carbon_gui.settings import UserSettings, read_settings
from carbon_gui.sources.places import default_location, resolve_location
from carbon_gui.sources.reference import ReferenceData, load_reference
from carbon_gui.terminal_text import EscapingStream, printable

T = TypeVar("T")
Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"carbon-gui: error: {printable(message, one_line=True)} (see '{self.prog} --help')\n")


def _checked(convert: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a converter that raises InputError: its message becomes argparse's."""

    def parse(text: str) -> T:
        try:
            return convert(text)
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err).rstrip(".")) from None

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"'{text}' is not a number") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise InputError(f"must be 1 or more, not {value}")
    return value


def _hours(text: str) -> float:
    return check_hours(_number(text))


def _max_price(text: str) -> float | None:
    return check_limit(_number(text), "The maximum price (USD per hour)")


def _max_emissions(text: str) -> float | None:
    return check_limit(_number(text), "The maximum emissions (kg CO₂e)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="carbon-gui",
        description="Plan low-carbon ML training on Google Cloud. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"carbon-gui {__version__}")
    parser.add_argument("--self-test", action="store_true", help="check this install without a display or the internet "
                        "(opens the window offscreen, ranks, fetches from a local stand-in) and exit")  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from carbon_gui.cli_backtest import add_backtest_command  # as cli_jobs: it imports this one's helpers
    from carbon_gui.cli_benchmark import add_benchmark_command  # as cli_jobs: it imports this one's helpers
    from carbon_gui.cli_compare import add_compare_command  # as cli_jobs: it imports this one's helpers
    from carbon_gui.cli_dimension import add_dimension_command  # as cli_jobs: it imports this one's helpers
    from carbon_gui.cli_jobs import add_job_commands  # its module imports this one's helpers
    from carbon_gui.cli_plan import add_plan_command  # as cli_jobs: it imports this one's helpers
    from carbon_gui.cli_report import add_report_command  # as cli_jobs: it imports this one's helpers

    for add_command in (
        _add_rank, _add_cleanest, _add_machines, add_job_commands, add_dimension_command, add_compare_command,
        add_benchmark_command, add_plan_command, add_backtest_command, add_report_command,
    ):  # fmt: skip
        add_command(commands)
    return parser


def _add_rank(commands: Commands) -> None:
    r = commands.add_parser(
        "rank",
        help="rank regions for a machine and run length",
        description="Rank regions for a machine and run length. Trust tiers are the window's (Countries and trust "
        "tiers…, saved in settings.json); everything else comes from these options.",
    )
    r.add_argument("--machine", required=True, help="machine type, e.g. a2-highgpu-1g")
    r.add_argument("--accelerator", type=_checked(parse_accelerator), default=(None, 0),
                   help="GPU attached to an N1 machine: TYPE[:COUNT], e.g. nvidia-tesla-t4:2")  # fmt: skip
    r.add_argument("--hours", type=_checked(_hours), required=True, help="expected run length in hours")
    r.add_argument(
        "--weights",
        default="carbon=0.5,cost=0.3,security=0.1,latency=0.1",
        help="criterion weights, e.g. carbon=0.5,cost=0.3,security=0.1,latency=0.1",
    )
    r.add_argument("--from", dest="origin", type=_checked(check_location_text),
                   help="your location: a city or 'lat, lon' (default: from the time zone)")  # fmt: skip
    r.add_argument("--year", type=int, help="year of Google's carbon figures (default: newest)")
    r.add_argument("--rule", default="anywhere", help="data residency: anywhere, eu, or countries:FRA,DEU")
    r.add_argument("--max-price", type=_checked(_max_price), help="maximum USD per hour")
    r.add_argument("--max-emissions", type=_checked(_max_emissions), help="maximum kg CO₂e for the run")
    r.add_argument("--vertex-only", action="store_true", help="only regions where Vertex AI runs")
    r.add_argument("--top", type=_checked(_positive_int), help="print only the best N (table output)")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(handler=_rank)


def _add_cleanest(commands: Commands) -> None:
    c = commands.add_parser("cleanest", help="the region with the lowest grid carbon intensity")
    c.add_argument("--year", type=int, help="year of Google's carbon figures (default: newest)")
    c.add_argument("--vertex-only", action="store_true", help="only regions where Vertex AI runs")
    c.add_argument("--json", action="store_true", help="print JSON instead of text")
    c.add_argument("--live", action="store_true",
                   help="use the provider's latest values (keys from CARBON_GUI_ELECTRICITYMAPS_TOKEN or "
                        "CARBON_GUI_WATTTIME_USERNAME/_PASSWORD)")  # fmt: skip
    c.add_argument("--provider", choices=("electricitymaps", "watttime"),
                   help="with --live: which provider (default: Electricity Maps when its token is set)")  # fmt: skip
    c.set_defaults(handler=_cleanest)


def _add_machines(commands: Commands) -> None:
    m = commands.add_parser("machines", help="list the machine types in the bundled price data")
    m.add_argument("--json", action="store_true", help="print JSON instead of text")
    m.set_defaults(handler=_machines)


def _rank(args: argparse.Namespace) -> int:
    reference = load_reference()
    accelerator, count = args.accelerator
    location = resolve_location(args.origin) if args.origin else default_location()
    weights: Weights = parse_weights(args.weights)
    request = PlanRequest(args.machine, args.hours, location, args.year, accelerator, count)
    saved = _saved_settings()
    policy = dataclasses.replace(parse_rule(args.rule), trust_overrides=saved.trust_overrides)
    known = {r.jurisdiction.iso3 for r in reference.catalog.regions}
    unknown = sorted(policy.allowed_countries - known)
    if unknown:
        raise InputError(
            f"Unknown country code(s) {', '.join(unknown)} in --rule. Use ISO 3166 alpha-3 codes of "
            f"countries with Google Cloud regions: {', '.join(sorted(known))}."
        )
    constraints = Constraints(args.max_price, args.max_emissions, args.vertex_only, policy)
    assessment = assess_request(reference, request)
    ranking = rank(assessment, weights, constraints)
    if args.json:
        context = ranking_context(assessment.scenario, weights, policy.trust_overrides)  # the window exports the same
        json.dump(ranking_dict(ranking, context), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(ranking, args.top)
    return 0


def _saved_settings() -> UserSettings:
    """The window's settings, for what the command line has no option for; each value not used is a warning."""
    loaded = read_settings()
    for warning in loaded.warnings:
        print(f"carbon-gui: warning: {warning}", file=sys.stderr)
    return loaded.settings


def _print_table(ranking: Ranking, top: int | None) -> None:
    if ranking.ranked:
        print(f"{'#':>3} {'region':<24} {'score':>6} {'gCO₂e/kWh':>10} {'kg CO₂e':>9} {'USD/h':>8} {'~ms':>6}")
    else:
        print(f"No region is ranked: each of the {len(ranking.excluded)} regions is listed under Not ranked with its "
              "reason.")  # fmt: skip
    for s in ranking.ranked[:top]:
        f = s.facts
        price = "unknown" if f.price.usd_per_hour is None else f"{f.price.usd_per_hour:.2f}"
        latency = "-" if f.latency_ms is None else f"{f.latency_ms:.0f}"
        print(
            f"{s.rank:>3} {f.region.name:<24} {s.score * 100:>6.1f} {f.intensity:>10.1f} "
            f"{significant(f.emissions_kg):>9} {price:>8} {latency:>6}"  # a clean short run is not '0.00'
        )
    for note in ranking.notes:
        print(f"note: {note}")
    if ranking.excluded:
        print(f"\nNot ranked ({len(ranking.excluded)}):")
        for e in ranking.excluded:
            print(f"    {e.region.name:<24} {e.reason}")
    print(
        "\nIntensity: Google yearly averages (location-based). Prices: Compute Engine list prices "
        "(proxy for Vertex AI). Energy and latency are estimates."
    )


def _cleanest(args: argparse.Namespace) -> int:
    reference = load_reference()
    if args.live:
        return _cleanest_live(reference, args)
    year = reference.catalog.latest_carbon_year if args.year is None else args.year
    reference.catalog.carbon(reference.catalog.regions[0].name, year)  # unknown year: clear InputError
    rows = cleanest_regions(reference.catalog, year, args.vertex_only)
    if not rows:
        print(f"carbon-gui: no region has a carbon intensity for {year}.", file=sys.stderr)
        return 2
    best_region, best = rows[0]
    if args.json:
        out: dict[str, Any] = {
            "region": best_region.name,
            "intensity_gco2_kwh": best.intensity_gco2_kwh,
            "source": best.provenance.label(),
            "compared": [{"region": r.name, "intensity_gco2_kwh": f.intensity_gco2_kwh} for r, f in rows],
        }
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{best_region.name} ({best_region.location}): {best.intensity_gco2_kwh} gCO₂e/kWh")
        print(f"source: {best.provenance.label()}")
        runners = ", ".join(f"{r.name} {f.intensity_gco2_kwh}" for r, f in rows[1:4])
        print(f"next: {runners}")
    return 0


def _cleanest_live(reference: ReferenceData, args: argparse.Namespace) -> int:
    from carbon_gui.core.cleanest import cleanest_now
    from carbon_gui.live_service import LiveService
    from carbon_gui.providers import ELECTRICITYMAPS, WATTTIME
    from carbon_gui.secrets import credentials_from_env
    from carbon_gui.sources.live import LiveFetcher

    credentials = credentials_from_env(os.environ)
    has_key = {ELECTRICITYMAPS: credentials.has_electricitymaps, WATTTIME: credentials.has_watttime}
    provider = args.provider or next((name for name, ok in has_key.items() if ok), None)
    if provider is None or not has_key[provider]:
        raise InputError(_missing_key_message(provider))
    regions = [r for r in reference.catalog.regions if r.vertex_supported or not args.vertex_only]
    signals: dict[str, GridSignal] = {}

    def collect(signal: GridSignal, names: list[str]) -> None:
        for name in names:
            signals[name] = signal

    LiveService(lambda: credentials).fetch(provider, regions, collect, LiveFetcher())
    rows = cleanest_now(signals, [r.name for r in regions])
    problems = {
        r.name: "; ".join(p.message for p in signals[r.name].problems) if r.name in signals else "no signal"
        for r in regions
        if r.name not in {row[0] for row in rows}
    }
    if not rows:
        reasons = sorted(set(problems.values()))
        print(f"carbon-gui: no region has a current value ({'; '.join(reasons)[:300]}).", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    provenance = {region: _latest_provenance(signal, now) for region, _, signal in rows}
    best, value, signal = rows[0]
    if args.json:
        out = {
            "region": best,
            "intensity_gco2_kwh": value,
            "source": signal.source,
            "kind": signal.kind.value,
            "estimated": provenance[best].estimated,
            "as_of": provenance[best].as_of,
            "value_time": signal.latest.time.isoformat() if signal.latest else None,
            "compared": [
                {"region": r, "zone": s.zone, "intensity_gco2_kwh": v, "estimated": provenance[r].estimated}
                for r, v, s in rows
            ],
            "without_value": [{"region": r, "reason": why} for r, why in sorted(problems.items())],
        }
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{best} (zone {signal.zone}): {value:.0f} gCO₂e/kWh")
        print(f"source: {provenance[best].label()}")
        print("compared: " + ", ".join(f"{r} {v:.0f}" for r, v, _ in rows[1:8]))
        if problems:
            print(f"no current value for {len(problems)} regions (e.g. {next(iter(problems.values()))})")
    return 0


def _latest_provenance(signal: GridSignal, now: datetime) -> Provenance:
    figure = latest_figure(signal, now)
    assert not isinstance(figure, str)  # cleanest_now keeps only signals with a latest value
    return figure[1]


def _missing_key_message(provider: str | None) -> str:
    """Which environment variables to set: the CLI reads keys from the environment, not the window's keyring."""
    from carbon_gui.secrets import ENV_ELECTRICITYMAPS_TOKEN, ENV_WATTTIME_PASSWORD, ENV_WATTTIME_USERNAME

    watttime = f"{ENV_WATTTIME_USERNAME} and {ENV_WATTTIME_PASSWORD}"
    if provider == "watttime":
        what = f"No WattTime login in the environment: set {watttime}"
    elif provider == "electricitymaps":
        what = f"No Electricity Maps token in the environment: set {ENV_ELECTRICITYMAPS_TOKEN}"
    else:
        what = f"No key in the environment: set {ENV_ELECTRICITYMAPS_TOKEN}, or {watttime}"
    return (
        f"{what} (the command line does not read the keys saved in the window's keyring). "
        "Without --live, 'cleanest' uses Google's yearly figures."
    )


def _machines(args: argparse.Namespace) -> int:
    reference = load_reference()
    machines = sorted(reference.catalog.machines.values(), key=lambda m: m.name)
    if args.json:
        json.dump([vars(m) for m in machines], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for m in machines:
            gpu = f"  {m.gpu_count:g}× {m.gpu_type}" if m.gpu_type else ""
            print(f"{m.name:<22} {m.vcpus:>4} vCPU {m.memory_gb:>7g} GB{gpu}")
    return 0


# Characters a terminal without them reads best as ASCII: "CO₂e" -> "CO2e".
_ASCII_LOOKALIKES = {"₂": "2"}
_FALLBACK_ERRORS = "carbon_gui.terminal_fallback"


def _terminal_fallback(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler for output the terminal's encoding lacks: an ASCII look-alike, else a \\uXXXX escape
    (UTF-16 units, so a JSON string stays valid and decodes to the same character)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(_ASCII_LOOKALIKES.get(c) or _escaped(c) for c in text), error.end


def _escaped(character: str) -> str:
    units = character.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))


codecs.register_error(_FALLBACK_ERRORS, _terminal_fallback)


def _fit_terminal_encoding(stream: object) -> None:
    """PYTHONIOENCODING=ascii, or LANG=C under an old Python, gives a stream that cannot encode "CO₂e": without
    this, a command would end in a UnicodeEncodeError halfway through its output."""
    if isinstance(stream, io.TextIOWrapper):
        try:
            "CO₂e ×—…".encode(stream.encoding)
        except UnicodeEncodeError:
            stream.reconfigure(errors=_FALLBACK_ERRORS)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command. All it prints goes through EscapingStream: server, ledger and typed text cannot steer the
    terminal, whichever command prints it."""
    stdout, stderr = sys.stdout, sys.stderr
    _fit_terminal_encoding(stdout)
    _fit_terminal_encoding(stderr)
    sys.stdout, sys.stderr = EscapingStream(stdout), EscapingStream(stderr)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:  # `carbon-gui --self-test` alone never reaches here (__main__ runs it)
        parser.error("--self-test takes no other arguments: run 'carbon-gui --self-test'")
    if args.command is None:
        parser.print_help()
        return 0
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except UserFacingError as err:
        print(f"carbon-gui: {printable(str(err))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

"""carbon-gui dimension: which hardware, configuration (and region) meet the limits with the least CO₂e (HADA).

    carbon-gui dimension --data DIR --minimize TARGET [--maximize TARGET] [--constraint "T<=V"]... [--margin Q]
        [--region R]... [--year Y] [--budget PRICE] [--model tree|boosting] [--depth N] [--trees N]
        [--solver highs|cp-sat|enumeration] [--json]

DIR holds `<algorithm>_<hardware>.csv` + `.json` pairs (the HADA format). Exit 0 with an answer, feasible or not;
exit 2 with one line for bad input. The JSON keys: docs/DIMENSIONING.md.
"""

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import Any

from carbon_gui.cli import Commands, _checked
from carbon_gui.core.dimensioning.request import (
    MAXIMIZE,
    MINIMIZE,
    DimensionRequest,
    Objective,
    check_margin_quantile,
    parse_constraint,
)
from carbon_gui.core.errors import InputError


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"'{text}' is not a number") from None


def _quantile(text: str) -> float:
    return check_margin_quantile(_number(text))


def _budget(text: str) -> float:
    value = _number(text)
    if not value >= 0 or value == float("inf"):
        raise InputError(f"the hardware budget must be a finite number of 0 or more, not {text}")
    return value


def _depth(text: str) -> int:
    from carbon_gui.dimensioning.fitting import check_depth

    try:
        return check_depth(int(text))
    except ValueError:
        raise InputError(f"'{text}' is not a whole number") from None


def _trees(text: str) -> int:
    from carbon_gui.dimensioning.fitting import check_trees

    try:
        return check_trees(int(text))
    except ValueError:
        raise InputError(f"'{text}' is not a whole number") from None


def add_dimension_command(commands: Commands) -> None:
    d = commands.add_parser(
        "dimension",
        help="choose hardware and configuration from benchmark runs (HADA)",
        description="Fit a decision tree (or gradient boosting) per hardware x target on the benchmark runs, then find "
        "the hardware and hyperparameters (and, with --region, the region) that optimise the objective within the "
        "constraints, with the trees embedded in an exact solver. The answer is checked against the raw runs at that "
        "configuration.",
    )
    d.add_argument("--data", type=Path, required=True, help="folder of <algorithm>_<hardware>.csv + .json pairs")
    goal = d.add_mutually_exclusive_group(required=True)
    goal.add_argument("--minimize", metavar="TARGET", help="the target to minimise, e.g. CO2e(kg)")
    goal.add_argument("--maximize", metavar="TARGET", help="the target to maximise (a quality metric)")
    d.add_argument("--constraint", action="append", default=[], type=_checked(parse_constraint),
                   help='a limit on a target, "TARGET<=VALUE" or "TARGET>=VALUE" (repeat)')  # fmt: skip
    d.add_argument("--margin", type=_checked(_quantile), metavar="Q",
                   help="robustness margin: tighten each limit by this quantile (0..1) of the surrogate's "
                        "cross-validated absolute errors, e.g. 0.9")  # fmt: skip
    d.add_argument("--region", action="append", default=[], metavar="R",
                   help="choose the region too: CO₂e from the benchmark's energy x the region's PUE and grid "
                        "intensity (repeat; Google's yearly figures, as 'rank')")  # fmt: skip
    d.add_argument("--year", type=int, help="with --region: year of Google's carbon figures (default: newest)")
    d.add_argument("--budget", type=_checked(_budget), help="hardware budget: the most a platform's HW_price may be")
    d.add_argument("--model", default="tree", choices=("tree", "boosting"),
                   help="surrogate per hardware x target: a decision tree (default), or gradient boosting (up to "
                        "50 trees of depth up to 3)")  # fmt: skip
    d.add_argument("--depth", type=_checked(_depth),
                   help="tree depth (default: by 5-fold cross-validation; boosting: 1-3, default 3)")  # fmt: skip
    d.add_argument("--trees", type=_checked(_trees),
                   help="with --model boosting: how many trees, 1-50 (default: by cross-validation)")  # fmt: skip
    d.add_argument("--solver", default="highs", choices=("highs", "cp-sat", "enumeration"),
                   help="highs (default), cp-sat (needs ortools), or enumeration (the cross-check)")  # fmt: skip
    d.add_argument("--json", action="store_true", help="print one JSON object")
    d.set_defaults(handler=_dimension)


def _dimension(args: argparse.Namespace) -> int:
    from carbon_gui.dimensioning import service
    from carbon_gui.sources.benchmarks import load_benchmarks

    objective = Objective(args.minimize, MINIMIZE) if args.minimize is not None else Objective(args.maximize, MAXIMIZE)
    if not objective.target.strip():
        raise InputError("The objective names no target: give e.g. --minimize 'CO2e(kg)'.")
    if args.year is not None and not args.region:
        raise InputError("--year chooses the carbon figures of --region: give --region too, or leave --year out.")
    if args.model != "boosting" and args.trees is not None:
        raise InputError("--trees sets the number of boosted trees: give --model boosting too, or leave --trees out.")
    if args.model == "boosting" and args.depth is not None:
        from carbon_gui.dimensioning.fitting import check_depth

        check_depth(args.depth, args.model)
    request = DimensionRequest(objective, tuple(args.constraint), args.margin, args.budget, tuple(args.region))
    data = load_benchmarks(args.data)
    regions, prices = [], {}
    if request.regions:
        from carbon_gui.sources.reference import load_reference

        reference = load_reference()
        regions = service.region_carbon(reference, request.regions, args.year)
        prices = service.machine_prices(reference, data.hardware, request.regions)
    surrogates = service.fit_for(data, request, args.depth, kind=args.model, trees=args.trees)
    service.LOADERS[args.solver]()
    # scikit-learn and scipy just added ~100,000 objects that live as long as the process: without this, the first
    # full garbage collection walks them all in the middle of the solve (~90 ms measured, 8x the solve). Collect
    # first, so that no garbage is frozen when main() runs inside a longer-lived process (tests).
    gc.collect()
    gc.freeze()
    answer = service.solve(data, surrogates, request, regions, prices, args.solver)
    if args.json:
        json.dump(answer.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_answer(answer.to_dict())
    return 0


def _print_answer(out: dict[str, Any]) -> None:
    if out["feasible"]:
        where = f" in {out['region']}" if out["region"] else ""
        config = ", ".join(f"{k}={v}" for k, v in out["configuration"].items())
        print(f"{out['hardware']}{where} with {config}   ({out['solver']}, {out['solve_ms']:.1f} ms)")
        for target, value in out["predicted"].items():
            margin = out["margins"].get(target)
            check = out["raw_check"].get(target)
            extra = "" if margin is None else f"  margin {margin:.4g}"
            extra += "" if check is None else f"  raw runs meeting the limit {check:.0%}"
            print(f"  {target:<20} {value:>12.6g}{extra}{'  (binding)' if target in out['binding'] else ''}")
    else:
        print(f"No hardware and configuration meets every constraint ({out['solver']}).")
        if out["conflicts"]:
            print(f"  Conflicting: {', '.join(out['conflicts'])}")
            for constraint, distance in out["conflict_distance"].items():
                print(f"  {constraint}: best reachable is {distance:.6g} beyond the limit")
    for note in out["notes"]:
        print(f"note: {note}")

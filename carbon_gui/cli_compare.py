"""carbon-gui compare-hardware: a rough estimate of run length, energy, cost and CO₂e on other hardware.

    carbon-gui compare-hardware --machine M [--accelerator G:N] --hours H [--metric fp16|fp32] [--speedup G=X]...
        [--region R]... [--year Y] [--top N] [--json]

For users without benchmark data: the job's run length on the reference machine is scaled by peak GPU throughput
(core.hardware_compare). Exit 2 with one line for bad input.
"""

import argparse
import json
import sys
from typing import Any

from carbon_gui.cli import Commands, _checked, _hours, _positive_int
from carbon_gui.core.hardware_compare import (
    DEFAULT_METRIC,
    METRICS,
    CompareRequest,
    Comparison,
    Estimate,
    compare,
    parse_speedup,
    speedup_map,
)
from carbon_gui.core.quantities import energy_text, mass_text
from carbon_gui.planning import parse_accelerator
from carbon_gui.sources.reference import load_gpu_throughput, load_reference


def add_compare_command(commands: Commands) -> None:
    c = commands.add_parser(
        "compare-hardware",
        help="rough estimate of run length, energy, cost and CO₂e on other GPUs (no benchmark data needed)",
        description="Estimate, from the job's run length on one machine, its run length on the other GPU types from "
        "their peak throughput (or your speed-ups), and the energy, cost and CO₂e of every machine option x region. "
        "A rough estimate: benchmark the promising options before choosing.",
    )
    c.add_argument("--machine", required=True, help="the machine the run length was measured on, e.g. n1-standard-8")
    c.add_argument("--accelerator", type=_checked(parse_accelerator), default=(None, 0),
                   help="GPU attached to an N1 reference machine: TYPE[:COUNT], e.g. nvidia-tesla-t4:1")  # fmt: skip
    c.add_argument("--hours", type=_checked(_hours), required=True, help="the job's run length on that machine, hours")
    c.add_argument("--metric", choices=sorted(METRICS), default=DEFAULT_METRIC,
                   help="peak throughput that scales the run length: fp16 = FP16/BF16 tensor cores (mixed-precision "
                        "training, the default), tf32 = FP32 training with TF32 tensor cores, fp32 = FP32 training "
                        "without them")  # fmt: skip
    c.add_argument("--speedup", type=_checked(parse_speedup), action="append", default=[], metavar="GPU=X",
                   help="one GPU of this type runs the job X times faster than one reference GPU (or than the "
                        "reference CPU machine); replaces the throughput ratio; repeatable")  # fmt: skip
    c.add_argument("--region", action="append", default=[], help="only this region; repeatable (default: all)")
    c.add_argument("--year", type=int, help="year of Google's carbon figures (default: newest)")
    c.add_argument("--top", type=_checked(_positive_int), help="show only the N lowest-CO₂e options")
    c.add_argument("--json", action="store_true", help="print JSON instead of a table")
    c.set_defaults(handler=_compare_hardware)


def _compare_hardware(args: argparse.Namespace) -> int:
    reference = load_reference()
    gpu, count = args.accelerator
    request = CompareRequest(
        reference=reference.catalog.machine_option(args.machine, gpu, count),
        hours=args.hours,
        metric=args.metric,
        speedups=speedup_map(args.speedup),
        regions=tuple(args.region),
        carbon_year=args.year,
    )
    comparison = compare(reference.catalog, reference.power, load_gpu_throughput(), request)
    if args.json:
        json.dump(comparison_dict(comparison, args.top), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(comparison, args.top)
    return 0


def comparison_dict(comparison: Comparison, top: int | None = None) -> dict[str, Any]:
    request = comparison.request
    return {
        "estimate": comparison.label,
        "advice": comparison.advice,
        "reference": {
            "machine": request.reference.machine.name,
            "accelerator": request.reference.gpu_type,
            "gpu_count": request.reference.gpu_count,
            "hours": request.hours,
        },
        "metric": {"name": comparison.metric.name, "description": comparison.metric.description},
        "speedups": dict(request.speedups),
        "carbon_year": comparison.carbon_year,
        "assumptions": list(comparison.assumptions),
        "total_options": len(comparison.estimates),
        "options": [_estimate_dict(e) for e in comparison.estimates[:top]],
        "skipped": [{"option": s.option, "reason": s.reason} for s in comparison.skipped],
        "not_offered": comparison.not_offered,
    }


def _estimate_dict(estimate: Estimate) -> dict[str, Any]:
    option = estimate.option
    return {
        "machine": option.machine.name,
        "accelerator": option.gpu_type,
        "gpu_count": option.gpu_count,
        "region": estimate.region,
        "hours": estimate.hours,
        "speedup": estimate.speedup,
        "watts": estimate.watts,
        "pue": estimate.pue,
        "energy_kwh": estimate.energy_kwh,
        "cost_usd": estimate.cost_usd,
        "intensity_gco2_kwh": estimate.intensity_gco2_kwh,
        "emissions_kgco2e": estimate.emissions_kgco2e,
        "pareto": estimate.pareto,
        "assumptions": list(estimate.assumptions),
    }


def _print_table(comparison: Comparison, top: int | None) -> None:
    print(comparison.label)
    print(f"{'':1} {'machine':<40} {'region':<24} {'hours':>8} {'energy':>10} {'USD':>9} {'CO₂e':>9}")
    for e in comparison.estimates[:top]:
        mark = {True: "*", False: " ", None: "?"}[e.pareto]
        cost = "unknown" if e.cost_usd is None else f"{e.cost_usd:.2f}"
        print(
            f"{mark:1} {e.option.label:<40} {e.region:<24} {e.hours:>8.2f} {energy_text(e.energy_kwh):>10} "
            f"{cost:>9} {mass_text(e.emissions_kgco2e):>9}"
        )
    if not comparison.estimates:
        print("(no option can be estimated in the chosen regions: see below)")
    shown = len(comparison.estimates[:top])
    print(f"\n{shown} of {len(comparison.estimates)} options shown, lowest CO₂e first. * Pareto-optimal on CO₂e, cost "
          "and time; ? cost unknown, not compared.")  # fmt: skip
    if comparison.not_offered:
        print(f"Not offered: {comparison.not_offered} option × region pairs (Compute Engine price and GPU lists).")
    if comparison.skipped:
        print("Not estimated:")
        for s in comparison.skipped:
            print(f"    {s.option}: {s.reason}")
    print("Assumptions:")
    for line in comparison.assumptions:
        print(f"    {line}")
    print(comparison.advice)

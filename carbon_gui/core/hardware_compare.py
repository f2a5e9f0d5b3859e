"""Compare hardware without benchmark data: a rough estimate from peak GPU throughput.

The user describes a job by its run length on one machine (optionally with GPUs). For every other machine option
the run length is scaled by the ratio of peak TFLOPS (or by the user's own speed-up for a GPU model), and from it
come energy (core.energy, PUE included), cost (list price × hours) and CO2e (Google's yearly intensity, as the
planner uses by default) for every option × region. Peak TFLOPS ratios ignore memory bandwidth, input pipelines
and multi-GPU communication, so every figure is a rough estimate: benchmarking the job is the real answer.

Options compared (decided here, said in the assumptions):
- A GPU reference is compared with every machine carrying the same number of GPUs: machine types with built-in GPUs,
  and N1 hosts with each attachable GPU (the reference's own host when it is an N1, else the smallest n1-standard
  with at least the reference's vCPUs). CPU-only machines are left out: GPU figures cannot say how a GPU job runs
  on CPUs.
- A CPU-only reference is compared with itself in every region, and with one-GPU options of the GPU models the
  user gave a speed-up for (how many times faster one such GPU runs the job than the reference machine). Other
  CPU-only machine types are left out: the data has no throughput figure for CPUs.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from carbon_gui.core.catalog import Catalog, MachineOption, MachineType
from carbon_gui.core.energy import PowerCoefficients, UnknownPower, emissions_kg, machine_power, run_energy_kwh
from carbon_gui.core.errors import InputError

ESTIMATE_LABEL = (
    "ROUGH ESTIMATE from peak GPU throughput, not from measurements of your job: real speed-ups are often "
    "smaller (memory bandwidth, data loading, multi-GPU communication)"
)
BENCHMARK_ADVICE = (
    "Benchmark your job on the two or three most promising options (a short run of a few hundred steps) "
    "before choosing: measured run lengths replace these estimates."
)


@dataclass(frozen=True)
class Metric:
    name: str
    description: str


METRICS = {
    "fp16": Metric(
        "fp16",
        "FP16/BF16 tensor-core peak, dense (mixed-precision training, what most GPU training uses today)",
    ),
    "tf32": Metric(
        "tf32",
        "TF32 tensor-core peak, dense (FP32 training with TF32 on, e.g. TensorFlow's default; the FP32 rate on "
        "GPUs without TF32)",
    ),
    "fp32": Metric(
        "fp32", "FP32 peak without tensor cores (FP32 training with TF32 off, e.g. PyTorch's matmul default)"
    ),
}
# Mixed precision (AMP, bf16) is the default of modern training recipes and runs on the tensor cores, so their
# peak is what limits matrix-heavy training. A job kept in FP32 runs at the tf32 or the fp32 rate depending on
# whether its framework lets matrix products use TF32: on A100/H100 the two differ by about 8 times.
DEFAULT_METRIC = "fp16"


@dataclass(frozen=True)
class GpuThroughput:
    """Peak throughput of one GPU model, per metric; None where no source gives one."""

    gpu_type: str  # Compute Engine accelerator type, e.g. nvidia-tesla-t4
    model: str
    tflops: Mapping[str, float | None]  # metric name -> TFLOPS per GPU
    source: str
    note: str = ""


@dataclass(frozen=True)
class CompareRequest:
    reference: MachineOption
    hours: float  # the job's run length on the reference
    metric: str = DEFAULT_METRIC
    # GPU type -> how many times faster one such GPU runs the job than one reference GPU (or, for a CPU-only
    # reference, than the whole reference machine); replaces the TFLOPS ratio for that model
    speedups: Mapping[str, float] = field(default_factory=dict)
    regions: Sequence[str] = ()  # empty: every region
    carbon_year: int | None = None  # None: the newest year of Google's figures


@dataclass(frozen=True)
class Estimate:
    """One machine option in one region. Every figure is an estimate."""

    option: MachineOption
    region: str
    hours: float
    speedup: float  # how many times faster than the reference machine
    watts: float
    energy_kwh: float
    cost_usd: float | None  # None: the data has no price for this option here
    emissions_kgco2e: float
    intensity_gco2_kwh: float
    pue: float
    assumptions: tuple[str, ...]
    pareto: bool | None = None  # None: not compared (cost unknown)


@dataclass(frozen=True)
class Skipped:
    option: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    request: CompareRequest
    metric: Metric
    carbon_year: int
    estimates: tuple[Estimate, ...]  # lowest CO2e first
    skipped: tuple[Skipped, ...]
    not_offered: int  # option × region pairs the price data does not offer
    assumptions: tuple[str, ...]
    label: str = ESTIMATE_LABEL
    advice: str = BENCHMARK_ADVICE


def check_speedup(gpu: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"The speed-up for {gpu} must be a finite number above 0, not {value:g}: give e.g. {gpu}=2.5.")
    return value


def parse_speedup(text: str) -> tuple[str, float]:
    """'nvidia-l4=2.5' -> ('nvidia-l4', 2.5); the value must be a finite number above 0."""
    gpu, equals, value = (part.strip() for part in text.partition("="))
    if not gpu or not equals:
        raise InputError(f"Speed-up '{text}' is not GPU=X: give e.g. nvidia-l4=2.5.")
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"The speed-up for {gpu}, '{value}', is not a number: give e.g. {gpu}=2.5.") from None
    return gpu, check_speedup(gpu, number)


def speedup_map(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Parsed GPU=X speed-ups as a mapping; a GPU type given twice must have one value."""
    speedups: dict[str, float] = {}
    for gpu, value in pairs:
        if speedups.get(gpu, value) != value:
            raise InputError(f"Two different speed-ups for {gpu}: give each GPU type once.")
        speedups[gpu] = value
    return speedups


def compare(
    catalog: Catalog,
    power: PowerCoefficients,
    throughput: Mapping[str, GpuThroughput],
    request: CompareRequest,
) -> Comparison:
    metric = _check_request(catalog, request)
    year = catalog.latest_carbon_year if request.carbon_year is None else request.carbon_year
    catalog.carbon(catalog.regions[0].name, year)  # an unknown year is a clear InputError
    regions = [catalog.region(name) for name in dict.fromkeys(request.regions)] or list(catalog.regions)
    options, skipped = _candidates(catalog, request)
    estimates: list[Estimate] = []
    not_offered = 0
    no_carbon: set[str] = set()  # regions offering an option but with no carbon figure for the year
    for option in options:
        scaled = _speedup(option, request, throughput, metric)
        if isinstance(scaled, Skipped):
            skipped.append(scaled)
            continue
        speedup, how = scaled
        try:
            watts = machine_power(option, power).total_watts
        except UnknownPower as err:
            skipped.append(Skipped(option.label, f"energy cannot be estimated: {err}"))
            continue
        hours = request.hours / speedup
        for region in regions:
            quote = catalog.price(region.name, option)
            if not quote.offered:
                not_offered += 1
                continue
            carbon = catalog.carbon(region.name, year)
            if carbon is None or carbon.intensity_gco2_kwh is None:
                no_carbon.add(region.name)
                continue
            energy = run_energy_kwh(watts, hours, region.pue)
            cost = None if quote.usd_per_hour is None else quote.usd_per_hour * hours
            notes = (how, f"price: {quote.note}") if cost is None else (how,)
            estimates.append(
                Estimate(
                    option=option,
                    region=region.name,
                    hours=hours,
                    speedup=speedup,
                    watts=watts,
                    energy_kwh=energy,
                    cost_usd=cost,
                    emissions_kgco2e=emissions_kg(energy, carbon.intensity_gco2_kwh),
                    intensity_gco2_kwh=carbon.intensity_gco2_kwh,
                    pue=region.pue,
                    assumptions=notes,
                )
            )
    skipped += [Skipped(f"every option in {name}", f"no grid intensity for {year}") for name in sorted(no_carbon)]
    marked = mark_pareto(estimates)
    marked.sort(key=lambda e: (e.emissions_kgco2e, math.inf if e.cost_usd is None else e.cost_usd, e.hours))
    return Comparison(
        request=request,
        metric=metric,
        carbon_year=year,
        estimates=tuple(marked),
        skipped=tuple(skipped),
        not_offered=not_offered,
        assumptions=_assumptions(request, metric, year),
    )


def mark_pareto(estimates: Sequence[Estimate]) -> list[Estimate]:
    """Each estimate with `pareto` set: True when no other is at least as good on CO2e, cost and time and better on
    one; None when its cost is unknown (it cannot be compared on cost)."""
    known = [e for e in estimates if e.cost_usd is not None]
    result = []
    for estimate in estimates:
        if estimate.cost_usd is None:
            result.append(_with_pareto(estimate, None))
        else:
            result.append(_with_pareto(estimate, not any(dominates(other, estimate) for other in known)))
    return result


def dominates(a: Estimate, b: Estimate) -> bool:
    """a is at least as good as b on CO2e, cost and time, and better on one of them (lower is better)."""
    assert a.cost_usd is not None and b.cost_usd is not None
    pairs = ((a.emissions_kgco2e, b.emissions_kgco2e), (a.cost_usd, b.cost_usd), (a.hours, b.hours))
    return all(x <= y for x, y in pairs) and any(x < y for x, y in pairs)


def _with_pareto(estimate: Estimate, pareto: bool | None) -> Estimate:
    return replace(estimate, pareto=pareto)


def _check_request(catalog: Catalog, request: CompareRequest) -> Metric:
    if request.metric not in METRICS:
        raise InputError(f"Unknown throughput metric '{request.metric}'. Choose one of: {', '.join(METRICS)}.")
    if not (math.isfinite(request.hours) and request.hours > 0):
        raise InputError(f"The run length must be a finite number of hours above 0, not {request.hours:g}.")
    known_gpus = _gpu_types(catalog)
    for gpu, value in request.speedups.items():
        if gpu not in known_gpus:
            raise InputError(f"Unknown GPU type '{gpu}' in a speed-up. Known GPU types: {', '.join(known_gpus)}.")
        check_speedup(gpu, value)
        if gpu == request.reference.gpu_type and value != 1:
            raise InputError(
                f"{gpu} is the reference GPU: its speed-up is 1 by definition, not {value:g}. Give speed-ups "
                "of the other GPU types relative to it."
            )
    return METRICS[request.metric]


def _gpu_types(catalog: Catalog) -> list[str]:
    built_in = {m.gpu_type for m in catalog.machines.values() if m.gpu_type}
    attachable = {gpu for gpus in catalog.attachable_gpus.values() for gpu in gpus}
    return sorted(built_in | attachable)


def _candidates(catalog: Catalog, request: CompareRequest) -> tuple[list[MachineOption], list[Skipped]]:
    """The machine options to compare with the reference (see the module docstring for the choice)."""
    reference = request.reference
    if reference.gpu_type is None:
        options = [reference]
        for gpu in sorted(request.speedups):
            options += _options_with(catalog, reference.machine, gpu, 1)
        why = "run length on another CPU machine type cannot be estimated (no CPU throughput figures): benchmark it"
        return options, [Skipped("other CPU-only machine types", why)]
    count = reference.gpu_count
    options = [MachineOption(m) for m in sorted(catalog.machines.values(), key=lambda m: m.name) if _carries(m, count)]
    for gpu in sorted({g for gpus in catalog.attachable_gpus.values() for g in gpus}):
        options += _attached(catalog, reference.machine, gpu, count)
    why = "a GPU job's run length on CPUs cannot be estimated from GPU figures: benchmark it"
    return options, [Skipped("CPU-only machine types", why)]


def _options_with(catalog: Catalog, host: MachineType, gpu: str, count: float) -> list[MachineOption]:
    built_in = [
        MachineOption(m)
        for m in sorted(catalog.machines.values(), key=lambda m: m.name)
        if m.gpu_type == gpu and _carries(m, count)
    ]
    return built_in + _attached(catalog, host, gpu, count)


def _carries(machine: MachineType, count: float) -> bool:
    return machine.gpu_type is not None and math.isclose(machine.gpu_count, count)


def _attached(catalog: Catalog, reference_host: MachineType, gpu: str, count: float) -> list[MachineOption]:
    """An N1 host with `count` × `gpu` attached, if that GPU attaches to N1 in that number."""
    series = [s for s, gpus in catalog.attachable_gpus.items() if gpu in gpus]
    if not series or count not in (1, 2, 4, 8):
        return []
    if reference_host.series in series:
        host = reference_host
    else:
        prefix = f"{series[0]}-standard-"
        standard = sorted((m for m in catalog.machines.values() if m.name.startswith(prefix)), key=lambda m: m.vcpus)
        if not standard:
            return []
        host = next((m for m in standard if m.vcpus >= reference_host.vcpus), standard[-1])
    return [MachineOption(host, gpu, int(count))]


def _speedup(
    option: MachineOption, request: CompareRequest, throughput: Mapping[str, GpuThroughput], metric: Metric
) -> tuple[float, str] | Skipped:
    """How many times faster `option` runs the job than the reference, and how that was decided."""
    reference = request.reference
    gpu = option.gpu_type
    if option == reference:
        return 1.0, "the reference itself: your run length"
    if gpu is None:  # a CPU-only option is only ever the reference machine (see _candidates)
        return 1.0, "same machine type as the reference: your run length"
    count_ratio = option.gpu_count / reference.gpu_count if reference.gpu_type else option.gpu_count
    if gpu in request.speedups:
        per_gpu = request.speedups[gpu]
        how = f"your speed-up for {gpu}: ×{per_gpu:g}"
    elif gpu == reference.gpu_type:
        per_gpu = 1.0
        how = "same GPU as the reference: run length scaled by GPU count only"
    else:
        ours = _tflops(throughput, gpu, metric)
        theirs = _tflops(throughput, reference.gpu_type, metric) if reference.gpu_type else None
        if ours is None or theirs is None:
            whose = f"{gpu}" if ours is None else f"the reference GPU {reference.gpu_type}"
            hint = f"give a speed-up {gpu}=X (vs the reference)"
            return Skipped(option.label, f"no {metric.name} figure for {whose}: {hint}")
        per_gpu = ours / theirs
        how = f"×{per_gpu:.3g}: {metric.name} peak {ours:g} vs {theirs:g} TFLOPS per GPU"
    speedup = per_gpu * count_ratio
    if not math.isclose(count_ratio, 1):
        how += f"; {option.gpu_count:g} GPUs vs {reference.gpu_count:g}, assumed to scale linearly"
    return speedup, how


def _tflops(throughput: Mapping[str, GpuThroughput], gpu: str | None, metric: Metric) -> float | None:
    entry = throughput.get(gpu or "")
    return None if entry is None else entry.tflops.get(metric.name)


def _assumptions(request: CompareRequest, metric: Metric, year: int) -> tuple[str, ...]:
    return (
        f"Run length scales with peak throughput ({metric.description}), or with your speed-ups where given.",
        "Compared: options with the reference's GPU count (N1 hosts for attachable GPUs); CPU-only machines "
        "are left out unless they are the reference's own type.",
        "Energy: Cloud Carbon Footprint power model (vCPUs at 50 % load, memory per GB, GPUs at TDP) × hours × "
        "the region's PUE.",
        f"CO₂e: energy × Google's {year} yearly average grid intensity of the region (location-based).",
        "Cost: Compute Engine on-demand list price × hours, a proxy for Vertex AI training prices; unknown for "
        "GPUs attached to N1 (no list price in the data).",
        "Pareto-optimal: no other option is at least as good on CO₂e, cost and time and better on one; options "
        "with unknown cost are not compared.",
    )

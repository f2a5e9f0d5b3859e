"""Time-shifting benchmark: the (region, start) search for 45 regions x 72 h, for several run lengths.

core: `plan_shift` (expected, low and high at once, vectorised sliding-window sums); baseline in the same run: a
plain Python loop over every region, start and hour of the expected series only. Also the whole offline plan
(`time_planning.plan_when`: ranking, own forecasts on the bundled history for the regions it covers, the search):
cold (every zone's forecaster fitted) and warm (a re-plan the same day: the fitted models are kept, only predictions
are made). Target: core <= 20 ms.
"""

import math
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from carbon_gui.core.shifting import plan_shift

REGIONS, HOURS = 45, 72
RUN_HOURS = (1.0, 4.5, 12.0, 36.0, 71.0)


def per_call_ms(func: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def loop_plan(series: list[list[float]], run_hours: float, deadline: float, kwh: list[float]) -> tuple[int, int]:
    """The obvious way: every region, every start, every hour of the run."""
    best = (math.inf, -1, -1)
    for r, values in enumerate(series):
        for s in range(math.floor(deadline - run_hours + 1e-9) + 1):
            total, t = 0.0, 0.0
            while t < run_hours - 1e-12:
                share = min(1.0, run_hours - t)
                total += values[s + int(t)] * share
                t += share
            best = min(best, (total * kwh[r] / 1000, r, s))
    return best[1], best[2]


def main() -> None:
    rng = np.random.default_rng(7)
    day = np.sin(np.arange(HOURS) * 2 * np.pi / 24)
    expected = 300 + 150 * rng.random((REGIONS, 1)) * day + 20 * rng.standard_normal((REGIONS, HOURS))
    low, high = expected * 0.85, expected * 1.15
    kwh = 0.4 + rng.random(REGIONS)
    as_lists = expected.tolist()
    print(f"time shifting, {REGIONS} regions x {HOURS} h (median ms per plan)")
    for run in RUN_HOURS:
        core = per_call_ms(lambda run=run: plan_shift(expected, low, high, run, HOURS, kwh).best(), 200)
        loop = per_call_ms(lambda run=run: loop_plan(as_lists, run, HOURS, kwh.tolist()), 3)
        plan = plan_shift(expected, low, high, run, HOURS, kwh).best()
        assert plan is not None and (plan.region, plan.start_h) == loop_plan(as_lists, run, HOURS, kwh.tolist())
        print(f"  run {run:>5g} h: core {core:7.2f} ms   python loop {loop:9.1f} ms   x{loop / core:,.0f}")

    from carbon_gui import time_planning
    from carbon_gui.core.forecast import ModelCache
    from carbon_gui.core.geo import Location
    from carbon_gui.core.scoring import Constraints
    from carbon_gui.core.weights import parse_weights
    from carbon_gui.planning import PlanRequest
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.sources.replay import load_hourly_history
    from carbon_gui.time_planning import plan_when

    reference, history = load_reference(), load_hourly_history()
    now = datetime.now(UTC)
    request = PlanRequest("n1-standard-8", 4.5, Location("Paris", 48.85, 2.35))
    deadline, weights = now + timedelta(hours=HOURS), parse_weights("carbon=1")
    time_planning.MODELS = ModelCache()  # cold: nothing fitted yet in this process

    def whole() -> None:
        plan_when(reference, request, deadline, weights, Constraints(), now, history=history)

    cold = per_call_ms(whole, 1)
    fits = time_planning.MODELS.fits
    warm = per_call_ms(whole, 5)
    print(f"  whole offline plan, {HOURS} h deadline (ranking, own forecasts for the replayed zones, search):")
    print(f"    first plan (cold, {fits} forecasters fitted): {cold:.0f} ms")
    print(f"    re-plan (warm, {time_planning.MODELS.fits - fits} fitted): {warm:.0f} ms")


if __name__ == "__main__":
    main()

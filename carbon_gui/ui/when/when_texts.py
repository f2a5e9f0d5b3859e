"""What the When view says about a plan: the best (region, start), the savings and where each series comes from.
Plain strings (HTML where shown in a rich-text label); every number has its unit and is called an estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the planner and numpy load with the When tab's first plan, not before the window's first paint
    import numpy as np

    from carbon_gui.core.shifting import Window
    from carbon_gui.time_planning import RegionWhen, TimePlan


def kg(value: float) -> str:
    """Kilograms with three significant digits: a small CPU run emits grams, a GPU week tonnes."""
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def start_text(plan: TimePlan, window: Window) -> str:
    """'now' for a start at once, else the UTC start time."""
    return "now" if window.start_h == 0 else utc(plan.start_time(window))


def short_start_text(plan: TimePlan, window: Window) -> str:
    """'now', or weekday, day of the month and time in UTC ('Mon 07 03:00'): a plan looks at most a week ahead."""
    return "now" if window.start_h == 0 else f"{plan.start_time(window).astimezone(UTC):%a %d %H:%M}"


def best_starts(plan: TimePlan) -> dict[str, str]:
    """Region -> its best start ('now' or a UTC time), for the ranking's Best start column."""
    return {w.facts.region.name: start_text(plan, w.best) for w in plan.regions if w.best is not None}


def best_start_tooltip(plan: TimePlan, region: str) -> str:
    where = next((w for w in plan.regions if w.facts.region.name == region), None)
    if where is None or where.best is None:
        return "Not in the latest When plan (excluded, or no hourly data covers a run before the deadline)."
    return (
        f"Start with the least expected emissions for a {plan.run_hours:g} h run finishing by {utc(plan.deadline)}: "
        f"{kg(where.best.emissions_kg)} kg CO₂e (range {kg(where.best.low_kg)}–{kg(where.best.high_kg)}), an "
        f"estimate from {where.series.source}. Planned at {utc(plan.decision_time)} (the When tab)."
    )


def _savings_line(best: Window, counterfactual: Window | None, what: str) -> str:
    if counterfactual is None:
        return f"Against {what}: unknown (no hourly data for a start now)."
    saved = counterfactual.emissions_kg - best.emissions_kg
    pct = "" if counterfactual.emissions_kg <= 0 else f", {100 * saved / counterfactual.emissions_kg:.1f} %"
    # the low ends together and the high ends together: both estimates err the same way on the same grid data
    ends = sorted((counterfactual.low_kg - best.low_kg, counterfactual.high_kg - best.high_kg))
    return (
        f"Against {what} ({kg(counterfactual.emissions_kg)} kg CO₂e): saves <b>{kg(saved)} kg CO₂e</b>{pct} "
        f"(range {kg(ends[0])} to {kg(ends[1])} kg)."
    )


def answer_html(plan: TimePlan) -> str:
    """The best pair and its savings against starting now (same region, and the yearly top region)."""
    best = plan.best
    if best is None or best.best is None:
        return "<b>No region can run before the deadline with the data at hand.</b>"
    window = best.best
    name = escape(best.facts.region.name)
    start = plan.start_time(window)
    when = "now" if window.start_h == 0 else f"at {utc(start)}"
    lines = [
        f"<b>Best: {name}, starting {when}</b>, ending {utc(start + timedelta(hours=plan.run_hours))}: "
        f"<b>{kg(window.emissions_kg)} kg CO₂e</b> (range {kg(window.low_kg)}–{kg(window.high_kg)} kg), estimate.",
    ]
    top = plan.top_yearly
    first_on_yearly = top is not None and top.facts.region.name == best.facts.region.name
    also = ", also first on the yearly data" if first_on_yearly else ""
    lines.append(_savings_line(window, best.now, f"starting now in {name}{also}"))
    if top is not None and not first_on_yearly:  # one line, not the same figures twice
        lines.append(_savings_line(window, top.now, f"starting now in {escape(top.facts.region.name)}, first on "
                                                    "the yearly data"))  # fmt: skip
    return "<br>".join(lines)


def forecast_bands(plan: TimePlan) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Region -> (x in UTC seconds at mid-hour, low, high) of the hours ahead whose series has an interval (a flat
    yearly figure's assumed band is left out: it is no forecast)."""
    import numpy as np

    bands = {}
    for where in plan.regions:
        series = where.series
        if source_text(where).startswith("yearly figure") or np.array_equal(series.low, series.high):
            continue
        x = plan.grid_start.timestamp() + 3600.0 * (np.arange(1, series.expected.size) + 0.5)
        bands[where.facts.region.name] = (x, series.low[1:], series.high[1:])
    return bands


def source_text(where: RegionWhen) -> str:
    """The series' source, led by its kind: provider forecast / own forecast from N days / yearly figure."""
    source = where.series.source
    if source.startswith("Google yearly"):
        return f"yearly figure, no hourly data — {source}"
    return source


def window_caption(plan: TimePlan, where: RegionWhen) -> str:
    """What the one-region plot shows; its source is in the table's selected row."""
    chosen = "no run fits before the deadline"
    if where.best is not None:
        chosen = f"green: its best run, {start_text(plan, where.best)}"
    flat = " Flat: a yearly figure, no hourly data." if source_text(where).startswith("yearly figure") else ""
    return f"Intensity, estimate. Line: expected; band: interval; {chosen}.{flat}"


def notes_text(plan: TimePlan) -> str:
    parts = [
        f"Estimates: {plan.run_hours:g} h run at {plan.power.watts:,.0f} W IT power "
        f"({plan.power.low:,.0f}–{plan.power.high:,.0f} W) × PUE × hourly grid intensity.",
        *plan.notes,
    ]
    if plan.excluded:
        parts.append(f"Not planned: {len(plan.excluded)} region(s) (your rules and limits, or no data).")
    return " ".join(parts)

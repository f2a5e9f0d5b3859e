"""Turn grid signals into the carbon figures a ranking uses (latest value or forecast mean).

One ranking uses one kind of signal: a ranking never mixes average and marginal figures. Regions
without a usable value are listed with the reason, not silently given the yearly figure. A figure is
STALE when the part of the signal it comes from was kept from an earlier fetch, or is older than the
refresh allows; staleness is judged per part, since one endpoint can fail while the others answer.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.errors import InputError
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import (
    PART_FORECAST,
    PART_LATEST,
    CarbonMode,
    GridSignal,
    SignalKind,
    forecast_mean,
    latest_is_forecast,
)


@dataclass(frozen=True)
class LiveCarbon:
    """Carbon figures per region from live (or replayed) signals, and why others have none."""

    mode: CarbonMode
    kind: SignalKind
    source: str
    figures: Mapping[str, CarbonFigure]
    missing: Mapping[str, str]  # region -> reason

    @property
    def description(self) -> str:
        what = "latest value" if self.mode is CarbonMode.LATEST else "forecast mean over the run"
        return f"{self.source}: {what} ({self.kind.value})"


CLOCK_SKEW_S = 60.0  # a value up to a minute "in the future" is the provider's clock, not a forecast


def describe_age(seconds: float | None) -> str:
    """'age unknown', 'in the future', '0 min old' .. '89 min old', '1.5 h old' .. '47 h old', '2 days old' .."""
    if seconds is None:
        return "age unknown"
    if seconds < -CLOCK_SKEW_S:
        return "in the future"
    minutes = max(seconds, 0.0) / 60
    if minutes < 90:
        return f"{int(minutes)} min old"
    hours = minutes / 60
    if hours < 10:
        return f"{int(hours * 10) / 10:g} h old"
    if hours < 48:
        return f"{int(hours)} h old"
    return f"{int(hours / 24)} days old"


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _stale_reason(signal: GridSignal, parts: tuple[str, ...], now: datetime, stale_after_s: float | None) -> str:
    """Why the figure made from `parts` is stale ('' when it is not)."""
    times = [t for part in parts if (t := signal.part_time(part)) is not None]
    received = min(times) if times else signal.fetched_at
    failed = [p.message for part in parts for p in signal.part_problems(part)]
    if any(part in signal.kept_parts for part in parts) or failed:
        why = f" ({'; '.join(dict.fromkeys(failed))})" if failed else ""
        return f"STALE: kept from the fetch of {_utc(received)}, the newest fetch brought no value{why}"
    age_s = (now - received).total_seconds()
    if stale_after_s is not None and age_s > stale_after_s:
        return f"STALE: received {_utc(received)}, {describe_age(age_s)}"
    return ""


def _problems(signal: GridSignal, part: str) -> str:
    """This fetch's problems with `part`, else all its problems (WattTime's latest comes from its forecast)."""
    problems = signal.part_problems(part) or signal.problems
    return "; ".join(dict.fromkeys(p.message for p in problems))


def _with(text: str, stale: str) -> str:
    return f"{text}; {stale}" if stale else text


def latest_figure(
    signal: GridSignal, now: datetime, stale_after_s: float | None = None
) -> tuple[float, Provenance] | str:
    """The latest value and its provenance (also for `cleanest --live`), or why there is none."""
    point = signal.latest
    if point is None or point.value is None:
        return f"no latest value ({_problems(signal, PART_LATEST) or 'the provider sent none'})"
    from_forecast = latest_is_forecast(signal)
    stale = _stale_reason(signal, (PART_LATEST, PART_FORECAST) if from_forecast else (PART_LATEST,), now, stale_after_s)
    age = describe_age((now - point.time).total_seconds())
    if signal.is_replay:
        as_of = f"2024 replay of this date and hour (not live), shown for {point.time:%H:%M} UTC"
        provenance = Provenance(signal.source, signal.kind.value, point.estimated, _with(as_of, stale))
    elif from_forecast:  # WattTime: the current period's value is its forecast's first point
        as_of = f"forecast for the current period, from {_utc(point.time)}, {age}"
        provenance = Provenance(signal.source, signal.kind.value, True, _with(as_of, stale))
    else:
        as_of = f"{'estimate' if point.estimated else 'value'} for {_utc(point.time)}, {age}"
        provenance = Provenance(signal.source, signal.kind.value, point.estimated, _with(as_of, stale))
    return point.value, provenance


def _forecast_figure(
    signal: GridSignal, now: datetime, hours: float, stale_after_s: float | None
) -> tuple[float, Provenance] | str:
    """The forecast mean over the run and its provenance, or why there is none."""
    mean = forecast_mean(signal, now, hours)
    if mean is None:
        return f"no forecast covering the run ({_problems(signal, PART_FORECAST) or 'forecast too short'})"
    stale = _stale_reason(signal, (PART_FORECAST,), now, stale_after_s)
    if signal.is_replay:
        as_of = f"mean of the 2024 replay {mean.window('the replay')} from {now:%H:%M} UTC (not a forecast)"
        kind = f"{signal.kind.value}, replayed hours"
    else:
        received = signal.part_time(PART_FORECAST) or signal.fetched_at
        as_of = (
            f"forecast mean {mean.window()} from {_utc(now)}; forecast received {_utc(received)}, "
            f"{describe_age((now - received).total_seconds())}"
        )
        kind = f"{signal.kind.value}, forecast"
    return mean.value, Provenance(signal.source, kind, mean.estimated, _with(as_of, stale))


def live_carbon(
    signals: Mapping[str, GridSignal],  # region -> signal of its zone
    regions: list[str],
    mode: CarbonMode,
    yearly: Mapping[str, CarbonFigure | None],  # for the CFE share shown beside it
    now: datetime,
    hours: float,
    stale_after_s: float | None = None,  # parts received longer ago than this are marked STALE
) -> LiveCarbon:
    if mode is CarbonMode.YEARLY:
        raise InputError("The yearly mode uses the reference figures, not live signals.")
    kinds = {s.kind for s in signals.values()}
    if len(kinds) > 1:
        names = ", ".join(sorted(k.value for k in kinds))
        raise InputError(f"Signals of different kinds ({names}) cannot be ranked together: choose one provider.")
    kind = kinds.pop() if kinds else SignalKind.AVERAGE_LIFECYCLE
    sources = {s.source for s in signals.values()}
    figures: dict[str, CarbonFigure] = {}
    missing: dict[str, str] = {}
    for region in regions:
        signal = signals.get(region)
        if signal is None:
            missing[region] = "no live signal for this region's grid zone"
            continue
        yearly_figure = yearly.get(region)
        cfe = yearly_figure.cfe_share if yearly_figure else None
        if mode is CarbonMode.LATEST:
            result = latest_figure(signal, now, stale_after_s)
        else:
            result = _forecast_figure(signal, now, hours, stale_after_s)
        if isinstance(result, str):
            missing[region] = result
        else:
            figures[region] = CarbonFigure(result[0], cfe, result[1])
    return LiveCarbon(mode, kind, " / ".join(sorted(sources)) or "no provider", figures, missing)

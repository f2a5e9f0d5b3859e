"""Turn grid signals into the carbon figures a ranking uses (latest value or forecast mean).

One ranking uses one kind of signal: a ranking never mixes average and marginal figures. Regions
without a usable value are listed with the reason, not silently given the yearly figure.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.errors import InputError
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import CarbonMode, GridSignal, SignalKind, forecast_mean


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


def describe_age(seconds: float | None) -> str:
    if seconds is None:
        return "age unknown"
    if seconds < 0:
        return "in the future"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min old"
    hours = minutes / 60
    return f"{hours:.0f} h old" if hours < 48 else f"{hours / 24:.0f} days old"


def live_carbon(
    signals: Mapping[str, GridSignal],  # region -> signal of its zone
    regions: list[str],
    mode: CarbonMode,
    yearly: Mapping[str, CarbonFigure | None],  # for the CFE share shown beside it
    now: datetime,
    hours: float,
    stale_after_s: float | None = None,  # values fetched longer ago than this are marked STALE
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
        problem = "; ".join(p.message for p in signal.problems)
        fetch_age = (now - signal.fetched_at).total_seconds()
        latest_failed = any("latest" in p.endpoint for p in signal.problems)  # an older value kept on screen
        too_old = stale_after_s is not None and fetch_age > stale_after_s
        stale = ", STALE" if too_old or latest_failed else ""
        yearly_figure = yearly.get(region)
        cfe = yearly_figure.cfe_share if yearly_figure else None
        if mode is CarbonMode.LATEST:
            point = signal.latest
            if point is None or point.value is None:
                missing[region] = f"no latest value ({problem or 'the provider sent none'})"
                continue
            age = describe_age(signal.age_s(now))
            as_of = f"value of {point.time:%Y-%m-%d %H:%M} UTC, {age}{stale}"
            if signal.is_replay:
                as_of = f"2024 replay at today's hour, {point.time:%H:%M} UTC"
            provenance = Provenance(signal.source, signal.kind.value, point.estimated, as_of)
            figures[region] = CarbonFigure(point.value, cfe, provenance)
        else:
            mean = forecast_mean(signal, now, hours)
            if mean is None:
                missing[region] = f"no forecast covering the run ({problem or 'forecast too short'})"
                continue
            as_of = f"forecast mean over the next {hours:g} h, fetched {signal.fetched_at:%Y-%m-%d %H:%M} UTC{stale}"
            if signal.is_replay:
                as_of = f"mean of the 2024 replay over the next {hours:g} h (not a forecast)"
            label = f"{signal.kind.value}, replayed hours" if signal.is_replay else f"{signal.kind.value}, forecast"
            provenance = Provenance(signal.source, label, not signal.is_replay, as_of)
            figures[region] = CarbonFigure(mean, cfe, provenance)
    return LiveCarbon(mode, kind, " / ".join(sorted(sources)) or "no provider", figures, missing)

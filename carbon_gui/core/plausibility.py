"""What a provider can plausibly report, in one place, and the check every live answer goes through.

A value outside its range is an error in the answer, not a very clean or very dirty grid, and is refused: a
negative intensity would otherwise be the "cleanest" region. Bounds:

- Carbon intensity of a grid average (lifecycle or direct), 0–2000 gCO2eq/kWh. An average cannot exceed its
  dirtiest plant. The dirtiest generation is lignite and old oil plants: lignite plants emit about 850–1200 g/kWh
  (German plants average about 1140 g/kWh lifecycle, energy-charts.info), coal 740–910 g/kWh lifecycle in IPCC
  AR5 WGIII Annex III (median 820). 2000 leaves wide room above that.
- Marginal emission rate (WattTime MOER), 0–1500 gCO2/kWh: the rate of the plant that answers the next kWh, so
  at most the dirtiest plant's (about 1300), with room for a very inefficient peaker.
- Power production per source, 0–10,000,000 MW (10 TW is more than the world's whole installed capacity, about
  9 TW in 2024); storage ("hydro discharge", "battery discharge") may be negative while it charges.

Refused values: a series keeps its time grid, each refused point becoming a gap (value None) with a note; a power
mix with a refused figure is left out whole (a mix missing one source would show wrong shares). When nothing
usable is left of a part (only nulls, an empty list, only refused values), the part is refused and the reason
says what was wrong or missing, so a region without a value never goes without a reason.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from carbon_gui.core.signals import PowerMix, SignalKind, SignalPoint

T = TypeVar("T")
G_PER_KWH = "gCO₂e/kWh"


@dataclass(frozen=True)
class PlausibleRange:
    low: float
    high: float
    unit: str

    def allows(self, value: float) -> bool:
        return self.low <= value <= self.high  # False for NaN

    def __str__(self) -> str:
        return f"{self.low:.0f}–{self.high:.0f}"


AVERAGE_INTENSITY = PlausibleRange(0.0, 2000.0, G_PER_KWH)
MARGINAL_INTENSITY = PlausibleRange(0.0, 1500.0, G_PER_KWH)
INTENSITY_RANGES: dict[SignalKind, PlausibleRange] = {
    SignalKind.AVERAGE_LIFECYCLE: AVERAGE_INTENSITY,
    SignalKind.AVERAGE_DIRECT: AVERAGE_INTENSITY,
    SignalKind.AVERAGE_YEARLY: AVERAGE_INTENSITY,
    SignalKind.MARGINAL: MARGINAL_INTENSITY,
}
GENERATION_MW = PlausibleRange(0.0, 1e7, "MW")
STORAGE_MW = PlausibleRange(-1e7, 1e7, "MW")


def provider_number(value: object) -> float | None:
    """A value from a provider's answer, as a float for the check: null is None; a JSON number (NaN and the
    infinities included, so that the check refuses them by name instead of taking them for null) or a number written
    as a string ("NaN", "-5") is a float; anything else is a wrong shape (TypeError). -0.0 is read as 0.0 (it would be
    shown as "-0")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("not a number")
    try:
        return float(value) + 0.0  # -0.0 + 0.0 is 0.0; every other value is unchanged
    except ValueError:
        raise TypeError("not a number") from None


def power_range(source: str) -> PlausibleRange:
    """The range of one production source of a power mix (storage may be negative: it is charging)."""
    return STORAGE_MW if "discharge" in source.lower() else GENERATION_MW


@dataclass(frozen=True)
class Screened(Generic[T]):
    """A part after the check: what can be used (empty when nothing can), why nothing can, or what was refused."""

    items: tuple[T, ...]
    problem: str | None = None  # the part is refused: why (shown where the region is not ranked)
    note: str | None = None  # some values were refused; the rest is used


def _number(value: float) -> str:
    return f"{value:.4g}"


def _quantity(kind: SignalKind) -> str:
    return "MOER" if kind is SignalKind.MARGINAL else "carbon-intensity"


def screen_points(
    points: Sequence[SignalPoint], kind: SignalKind, *, source: str, zone: str, part: str
) -> Screened[SignalPoint]:
    """Check an intensity part ("value" for the latest one, "history", "forecast") against its kind's range."""
    missing = f"{source} returned no {_quantity(kind)} {part} for {zone}"
    if not points:
        return Screened((), problem=f"{missing} (an empty list)")
    plausible = INTENSITY_RANGES[kind]
    refused = [p.value for p in points if p.value is not None and not plausible.allows(p.value)]
    kept = tuple(
        p if p.value is None or plausible.allows(p.value) else dataclasses.replace(p, value=None) for p in points
    )
    if any(p.value is not None for p in kept):
        if not refused:
            return Screened(kept)
        examples = ", ".join(_number(v) for v in refused[:3])
        what = f"{examples} {plausible.unit}; plausible {plausible}"
        return Screened(kept, note=f"{part}: {len(refused)} of {len(points)} values refused ({what})")
    if not refused:
        return Screened((), problem=f"{missing} (all values null)")
    first = f"{_number(refused[0])} {plausible.unit}"
    if len(points) == 1:
        why = f"{source} reported {first} for {zone}, outside the plausible {plausible}"
    else:
        which = f"{len(refused)} of {len(points)}, e.g. {first}; plausible {plausible}"
        why = f"{source} reported only implausible {part} values for {zone} ({which})"
    return Screened((), problem=f"{why}: {part} refused")


def _refused_figure(mix: PowerMix) -> tuple[str, float] | None:
    """The first (source, MW) of `mix` outside its range, or None."""
    for name, mw in mix.production_mw.items():
        if mw is not None and not power_range(name).allows(mw):
            return name, mw
    return None


def screen_mixes(mixes: Sequence[PowerMix], *, source: str, zone: str) -> Screened[PowerMix]:
    """Check a power mix part: a mix with a figure out of range is left out whole."""
    if not mixes:
        return Screened((), problem=f"{source} returned no power mix for {zone} (an empty list)")
    refused = [figure for mix in mixes if (figure := _refused_figure(mix)) is not None]
    kept = tuple(mix for mix in mixes if _refused_figure(mix) is None)
    if any(mw is not None for mix in kept for mw in mix.production_mw.values()):
        if not refused:
            return Screened(kept)
        name, mw = refused[0]
        what = f"{_number(mw)} MW of {name}; plausible {power_range(name)}"
        return Screened(kept, note=f"power mix: {len(refused)} of {len(mixes)} refused ({what})")
    if not refused:
        return Screened((), problem=f"{source} returned no power mix for {zone} (all values null)")
    name, mw = refused[0]
    why = f"{source} reported {_number(mw)} MW of {name} for {zone}, outside the plausible {power_range(name)}"
    return Screened((), problem=f"{why}: power mix refused")


__all__ = [
    "AVERAGE_INTENSITY",
    "GENERATION_MW",
    "INTENSITY_RANGES",
    "MARGINAL_INTENSITY",
    "STORAGE_MW",
    "PlausibleRange",
    "Screened",
    "power_range",
    "provider_number",
    "screen_mixes",
    "screen_points",
]

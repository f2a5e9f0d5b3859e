"""The cleanest region: lowest grid intensity among the candidates (the seed's Method 2)."""

from collections.abc import Iterable, Mapping

from carbon_gui.core.catalog import CarbonFigure, Catalog, Region
from carbon_gui.core.signals import GridSignal


def cleanest_regions(catalog: Catalog, year: int, vertex_only: bool = False) -> list[tuple[Region, CarbonFigure]]:
    """Regions with a grid intensity for `year`, cleanest first."""
    rows: list[tuple[Region, CarbonFigure]] = []
    for region in catalog.regions:
        figure = catalog.carbon(region.name, year)
        if figure is None or figure.intensity_gco2_kwh is None:
            continue
        if vertex_only and not region.vertex_supported:
            continue
        rows.append((region, figure))
    rows.sort(key=lambda rf: (rf[1].intensity_gco2_kwh or 0.0, rf[0].name))
    return rows


def cleanest_now(signals: Mapping[str, GridSignal], candidates: Iterable[str]) -> list[tuple[str, float, GridSignal]]:
    """Candidates with a latest value, lowest intensity first (live or replayed signals of one kind)."""
    rows = []
    for region in candidates:
        signal = signals.get(region)
        if signal is not None and signal.latest is not None and signal.latest.value is not None:
            rows.append((region, signal.latest.value, signal))
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def missing_now(signals: Mapping[str, GridSignal], candidates: Iterable[str], source: str) -> dict[str, str]:
    """Candidates `cleanest_now` leaves out, each with why: no signal for its zone from `source` (e.g. 'the bundled
    2024 replay'), or a signal without a current value (with the fetch's problems)."""
    reasons: dict[str, str] = {}
    for region in candidates:
        signal = signals.get(region)
        if signal is None:
            reasons[region] = f"no value for their grid zone in {source}"
        elif signal.latest is None or signal.latest.value is None:
            problems = "; ".join(dict.fromkeys(p.message for p in signal.problems)) or "the provider sent none"
            reasons[region] = f"no current value ({problems})"
    return reasons

"""Words for the window's carbon figures: which figure is in use, the CFE share's year, WattTime's signal-index.

Each figure's own provenance comes from core (Provenance.label); these only name what core does not describe.
"""

from datetime import datetime

from carbon_gui.core.live_carbon import LiveCarbon, describe_age
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import RelativeIndex

OTHER_SOURCES = "Prices: Compute Engine list prices (proxy for Vertex AI) · Energy, emissions, latency: estimates"


def intensity_label(live: LiveCarbon | None, year: int) -> str:
    """What the intensity figures in use are, e.g. 'Google 2024 yearly averages, location-based'."""
    if live is None:
        return f"Google {year} yearly averages, location-based"
    return live.description


def sources_note(live: LiveCarbon | None, year: int) -> str:
    """The status bar's line about where the numbers come from."""
    return f"Intensity: {intensity_label(live, year)} · {OTHER_SOURCES}"


def cfe_provenance(year: int | None) -> Provenance:
    """Google's CFE share is always its yearly figure, also when the intensity beside it is live."""
    return Provenance(
        "Google region-carbon-info",
        "carbon-free energy share, contract-based, hourly matched",
        False,
        f"{year or 'newest'} yearly figure, also when the intensity is live (Google publishes no live share)",
    )


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def index_text(index: RelativeIndex, now: datetime) -> str:
    """WattTime's signal-index as a position, never as an emission rate."""
    age = describe_age((now - index.time).total_seconds())
    return (
        f"WattTime signal-index: now at the {ordinal(round(index.percent))} percentile of the next 24 h "
        f"(lower is cleaner); for {index.time:%Y-%m-%d %H:%M} UTC, {age}"
    )

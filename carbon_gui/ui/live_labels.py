"""Words for the window's carbon figures: which figure is in use, the CFE share's year, WattTime's signal-index.

Each figure's own provenance comes from core (Provenance.label); these only name what core does not describe.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from carbon_gui.core.live_carbon import LiveCarbon, describe_age
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import PART_FORECAST, PART_LATEST, GridSignal, RelativeIndex, endpoint_part
from carbon_gui.ui.formatting import plural

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


CACHE_NOTE = "from the 5-minute cache"
# sources.provider_errors' MSG_OFFLINE and kin -> what happened, so the status says "offline" once, and how
OFFLINE_CAUSES = {
    "offline": "could not connect to {provider}",
    "timed out": "{provider} did not answer in time",
    "connection lost": "{provider} closed the connection without answering",
}


def _current_value(signal: GridSignal) -> bool:
    return signal.latest is not None and signal.latest.value is not None


def _received(signal: GridSignal) -> datetime | None:
    """When the current value was received (WattTime's comes with its forecast)."""
    return signal.part_time(PART_LATEST) or signal.part_time(PART_FORECAST)


def _why_no_value(signal: GridSignal) -> list[str]:
    """The latest value's problems, else all (WattTime's current value comes from its forecast)."""
    problems = signal.part_problems(PART_LATEST) or signal.problems
    return list(dict.fromkeys(p.message for p in problems)) or ["no value sent"]


def _counted(counts: Counter[str], limit: int = 3) -> str:
    return "; ".join(f"{text} ({plural(count, 'zone')})" for text, count in counts.most_common(limit))


def refresh_status(provider: str, arrived: Sequence[GridSignal], started: datetime, finished: datetime) -> str:
    """What one refresh brought, from the signals it fetched (before they are merged with the last good ones):
    offline, refused (key rejected), rate-limited, partial (some zones or parts failed) or served from the cache."""
    kept = "the last good values stay on screen, marked STALE"
    fresh = [s for s in arrived if _current_value(s)]
    problems = [p for s in arrived for p in s.problems]
    if arrived and not fresh:
        messages = {p.message for p in problems}
        waits = [p.retry_after_s for p in problems if p.retry_after_s]
        at = f"at {finished:%H:%M} UTC"
        if messages and messages <= OFFLINE_CAUSES.keys():
            causes = " or ".join(OFFLINE_CAUSES[m].format(provider=provider) for m in sorted(messages))
            return f"Offline: {causes} {at}; {kept}."
        if "key rejected" in messages:
            return f"Refused: {provider} rejected the key {at} (check it under Settings → Keys); {kept}."
        if waits:
            return f"Rate-limited by {provider}: retrying in {max(waits):.0f} s; {kept}."
    notes = []
    # a zone without a current value is named once, for why it has none; other parts' problems only where it has one
    failed = Counter(m for s in arrived if not _current_value(s) for m in _why_no_value(s))
    if failed:
        missing = len(arrived) - len(fresh)
        notes.append(f"no current value for {missing} of {plural(len(arrived), 'zone')}: {_counted(failed)}")
    other_parts = Counter(f"{part}: {p.message}" for s in fresh for p in s.problems
                          if (part := endpoint_part(p.endpoint)) not in (PART_LATEST, None))  # fmt: skip
    if other_parts:
        notes.append(_counted(other_parts))
    cached = [s for s in fresh if (t := _received(s)) is not None and t < started]
    if cached:
        oldest = min(t for s in cached if (t := _received(s)) is not None)
        share = "all" if len(cached) == len(fresh) else f"{len(cached)} of {len(fresh)}"
        notes.append(f"{share} {CACHE_NOTE} (received from {oldest:%H:%M} UTC)")
    details = f"; {'; '.join(notes)}" if notes else ""
    return f"{provider} data refreshed at {finished:%H:%M} UTC{details}."

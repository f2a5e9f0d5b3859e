"""Where a figure comes from: every number the app shows carries one of these."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    source: str  # who published it, e.g. "Google region-carbon-info"
    kind: str  # what it is, e.g. "average, location-based grid intensity"
    estimated: bool  # True when the app or the source estimated or forecast it (a forecast is never "published")
    as_of: str  # the period it describes or when it was fetched, e.g. "2024 yearly average"

    def label(self) -> str:
        status = "estimate" if self.estimated else "published figure"
        return f"{self.source}; {self.kind}; {status}; {self.as_of}"

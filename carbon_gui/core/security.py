"""Data-residency rules and trust tiers: which regions are allowed, and how each scores."""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from carbon_gui.core.catalog import Jurisdiction
from carbon_gui.core.errors import InputError

# Tier -> security score (0..1). Defaults per country live in resources/data/jurisdictions.csv:
# EU/EEA members "trusted", countries with an EU adequacy decision "adequate", others "standard".
TRUST_TIERS: dict[str, float] = {
    "trusted": 1.0,
    "adequate": 0.75,
    "standard": 0.5,
    "restricted": 0.25,
}


class ResidencyRule(enum.Enum):
    ANYWHERE = "anywhere"
    EU_EEA = "eu"
    COUNTRIES = "countries"


@dataclass(frozen=True)
class SecurityPolicy:
    rule: ResidencyRule = ResidencyRule.ANYWHERE
    allowed_countries: frozenset[str] = frozenset()  # ISO3 codes, for ResidencyRule.COUNTRIES
    trust_overrides: Mapping[str, str] = field(default_factory=dict)  # ISO3 -> tier

    def __post_init__(self) -> None:
        for iso3, tier in self.trust_overrides.items():
            if tier not in TRUST_TIERS:
                raise InputError(f"Unknown trust tier '{tier}' for {iso3}. Use one of: {', '.join(TRUST_TIERS)}.")
        if self.rule is ResidencyRule.COUNTRIES and not self.allowed_countries:
            raise InputError("The 'named countries' rule needs at least one country.")

    def refusal(self, jurisdiction: Jurisdiction) -> str | None:
        """Why this rule keeps data out of the jurisdiction, or None when it is allowed."""
        if self.rule is ResidencyRule.EU_EEA and not jurisdiction.in_eu_eea:
            return f"{jurisdiction.country} is outside the EU/EEA (rule: data stays in the EU/EEA)"
        if self.rule is ResidencyRule.COUNTRIES and jurisdiction.iso3 not in self.allowed_countries:
            allowed = ", ".join(sorted(self.allowed_countries))
            return f"{jurisdiction.country} is not an allowed country (rule: {allowed})"
        return None

    def tier(self, jurisdiction: Jurisdiction) -> str:
        return self.trust_overrides.get(jurisdiction.iso3, jurisdiction.default_trust)

    def score(self, jurisdiction: Jurisdiction) -> float:
        return TRUST_TIERS[self.tier(jurisdiction)]


def parse_rule(text: str) -> SecurityPolicy:
    """'anywhere', 'eu' or 'countries:FRA,DEU' (ISO3 codes) -> SecurityPolicy."""
    name, colon, rest = text.partition(":")
    name = name.strip().lower()
    if colon and name != "countries":
        raise InputError(
            f"Residency rule '{text}' has a country list, but only 'countries' takes one: "
            "use 'anywhere', 'eu' or 'countries:FRA,DEU' (ISO3 codes)."
        )
    if name in ("anywhere", "any"):
        return SecurityPolicy()
    if name in ("eu", "eea", "eu-eea"):
        return SecurityPolicy(ResidencyRule.EU_EEA)
    if name == "countries":
        codes = frozenset(c.strip().upper() for c in rest.split(",") if c.strip())
        return SecurityPolicy(ResidencyRule.COUNTRIES, codes)
    raise InputError(f"Unknown residency rule '{text}'. Use 'anywhere', 'eu' or 'countries:FRA,DEU' (ISO3 codes).")

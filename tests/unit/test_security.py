"""core.security: residency rules and trust tiers."""

import pytest

from carbon_gui.core.catalog import Jurisdiction
from carbon_gui.core.errors import InputError
from carbon_gui.core.security import TRUST_TIERS, ResidencyRule, SecurityPolicy, parse_rule

FRANCE = Jurisdiction("France", "FRA", True, True, "n/a", "trusted")
NORWAY = Jurisdiction("Norway", "NOR", False, True, "n/a", "trusted")
SWITZERLAND = Jurisdiction("Switzerland", "CHE", False, False, "yes", "adequate")
USA = Jurisdiction("USA", "USA", False, False, "partial", "adequate")
INDIA = Jurisdiction("India", "IND", False, False, "no", "standard")


def test_tiers_are_ordered_and_within_zero_one() -> None:
    values = list(TRUST_TIERS.values())
    assert values == sorted(values, reverse=True)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert TRUST_TIERS["trusted"] == 1.0


@pytest.mark.parametrize("text", ["anywhere", "any", "ANYWHERE", "  anywhere "])
def test_parse_rule_anywhere(text: str) -> None:
    policy = parse_rule(text)
    assert policy.rule is ResidencyRule.ANYWHERE
    for j in (FRANCE, USA, INDIA):
        assert policy.refusal(j) is None


@pytest.mark.parametrize("text", ["eu", "EU", "eea", "eu-eea"])
def test_parse_rule_eu(text: str) -> None:
    assert parse_rule(text).rule is ResidencyRule.EU_EEA


def test_parse_rule_countries_upper_cases_and_trims() -> None:
    policy = parse_rule("countries:fra, DEU ,")
    assert policy.rule is ResidencyRule.COUNTRIES
    assert policy.allowed_countries == frozenset({"FRA", "DEU"})


@pytest.mark.parametrize("text", ["countries:", "countries", "countries: , "])
def test_parse_rule_countries_needs_a_country(text: str) -> None:
    with pytest.raises(InputError, match="at least one country"):
        parse_rule(text)


@pytest.mark.parametrize("text", ["bogus", "", "europe", "usa:USA"])
def test_parse_rule_unknown_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_rule(text)
    message = str(info.value)
    assert f"'{text}'" in message
    assert "anywhere" in message
    assert "countries:" in message


def test_eu_rule_refuses_outside_eu_eea_only() -> None:
    policy = parse_rule("eu")
    assert policy.refusal(FRANCE) is None
    assert policy.refusal(NORWAY) is None  # EEA, not EU
    for j in (SWITZERLAND, USA, INDIA):
        reason = policy.refusal(j)
        assert reason is not None
        assert j.country in reason
        assert "EU/EEA" in reason


def test_countries_rule_refuses_unlisted_countries() -> None:
    policy = parse_rule("countries:FRA,IND")
    assert policy.refusal(FRANCE) is None
    assert policy.refusal(INDIA) is None
    reason = policy.refusal(USA)
    assert reason is not None
    assert "USA" in reason
    assert "FRA, IND" in reason


def test_default_tier_and_score_come_from_the_jurisdiction() -> None:
    policy = SecurityPolicy()
    assert policy.tier(FRANCE) == "trusted"
    assert policy.score(FRANCE) == 1.0
    assert policy.score(USA) == 0.75
    assert policy.score(INDIA) == 0.5


def test_trust_overrides_change_the_score() -> None:
    policy = SecurityPolicy(trust_overrides={"USA": "restricted", "IND": "trusted"})
    assert policy.tier(USA) == "restricted"
    assert policy.score(USA) == 0.25
    assert policy.score(INDIA) == 1.0
    assert policy.score(FRANCE) == 1.0  # not overridden
    # The override changes the score only, not the residency rule.
    assert policy.refusal(USA) is None


def test_unknown_tier_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError) as info:
        SecurityPolicy(trust_overrides={"USA": "ultra"})
    assert "ultra" in str(info.value)
    assert "USA" in str(info.value)
    assert "trusted" in str(info.value)


def test_countries_rule_without_countries_is_an_input_error() -> None:
    with pytest.raises(InputError):
        SecurityPolicy(ResidencyRule.COUNTRIES)

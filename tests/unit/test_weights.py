"""core.weights: parsing the user's weights and scaling them to sum to 1."""

import math

import pytest

from carbon_gui.core.errors import InputError
from carbon_gui.core.weights import CRITERIA, Weights, parse_weights


def test_parse_weights_happy_path() -> None:
    w = parse_weights("carbon=0.5,cost=0.3,security=0.1,latency=0.1")
    assert w == Weights(carbon=0.5, cost=0.3, security=0.1, latency=0.1)


def test_parse_weights_unnamed_criteria_get_zero_and_spacing_and_case_are_tolerated() -> None:
    w = parse_weights(" Carbon = 2 , LATENCY=1 ,")
    assert (w.carbon, w.cost, w.security, w.latency) == (2.0, 0.0, 0.0, 1.0)


def test_parse_weights_accepts_integers_and_exponents() -> None:
    w = parse_weights("carbon=1,cost=2e-1")
    assert w.carbon == 1.0
    assert w.cost == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("text", "expected_words"),
    [
        ("carbon=x", ["'x'", "not a number"]),
        ("carbon=", ["not a number"]),
        ("foo=1", ["Malformed", "carbon", "cost", "security", "latency"]),
        ("carbon", ["Malformed", "name=number"]),
        ("carbon=1,carbon=2", ["'carbon'", "twice"]),
        ("carbon=1,Carbon=2", ["'carbon'", "twice"]),
        ("", ["No weights"]),
        (" , ,", ["No weights"]),
        ("carbon=0,cost=0,security=0,latency=0", ["above zero"]),
        ("carbon=0", ["above zero"]),
        ("carbon=-0.1,cost=1", ["'carbon'", "zero or more", "-0.1"]),
        ("carbon=nan", ["'carbon'", "zero or more"]),
        ("cost=NaN,carbon=1", ["'cost'", "zero or more"]),
    ],
)
def test_parse_weights_rejects_malformed_input_with_a_helpful_message(text: str, expected_words: list[str]) -> None:
    with pytest.raises(InputError) as info:
        parse_weights(text)
    message = str(info.value)
    for word in expected_words:
        assert word in message, f"{word!r} missing from {message!r}"


@pytest.mark.parametrize("text", ["carbon=inf", "carbon=1e400,cost=1"])
def test_parse_weights_rejects_infinite_weights(text: str) -> None:
    """An infinite weight makes normalised() return NaN, so every score becomes NaN.

    BUG: Weights.__post_init__ only checks `value >= 0`, which lets +inf through.
    """
    with pytest.raises(InputError):
        parse_weights(text)


def test_weights_constructor_rejects_negative_and_nan() -> None:
    with pytest.raises(InputError, match="latency"):
        Weights(latency=-1.0)
    with pytest.raises(InputError, match="security"):
        Weights(security=math.nan)


def test_weights_defaults_and_total() -> None:
    w = Weights()
    assert w.total == pytest.approx(1.0)
    assert [w.get(c) for c in CRITERIA] == [0.5, 0.3, 0.1, 0.1]


def test_normalised_sums_to_one_and_keeps_proportions() -> None:
    w = Weights(carbon=2.0, cost=1.0, security=1.0, latency=0.0)
    n = w.normalised()
    assert set(n) == set(CRITERIA)
    assert math.fsum(n.values()) == pytest.approx(1.0)
    assert n == pytest.approx({"carbon": 0.5, "cost": 0.25, "security": 0.25, "latency": 0.0})


def test_normalised_respects_dropped_criteria() -> None:
    w = Weights(carbon=0.5, cost=0.3, security=0.1, latency=0.1)
    n = w.normalised(frozenset({"cost"}))
    assert n["cost"] == 0.0
    assert math.fsum(n.values()) == pytest.approx(1.0)
    # The remaining 0.7 is spread in the original proportions.
    assert n["carbon"] == pytest.approx(0.5 / 0.7)
    assert n["security"] == pytest.approx(0.1 / 0.7)
    assert n["latency"] == pytest.approx(0.1 / 0.7)


def test_normalised_with_several_dropped() -> None:
    n = Weights(carbon=1, cost=1, security=1, latency=1).normalised(frozenset({"cost", "latency"}))
    assert n == pytest.approx({"carbon": 0.5, "cost": 0.0, "security": 0.5, "latency": 0.0})


def test_normalised_when_everything_left_is_zero_gives_zeros() -> None:
    n = Weights(carbon=0.0, cost=1.0, security=0.0, latency=0.0).normalised(frozenset({"cost"}))
    assert n == {c: 0.0 for c in CRITERIA}

import pytest

from carbon_gui.core.quantities import energy_text, mass_text


@pytest.mark.parametrize(
    ("kg", "text"),
    [(1234.5, "1,234 kg"), (212.4, "212 kg"), (1.254, "1.25 kg"), (0.0164, "16.4 g"), (1.64e-6, "1.64 mg")],
)
def test_mass_keeps_three_significant_digits_with_a_fitting_unit(kg: float, text: str) -> None:
    assert mass_text(kg) == text


@pytest.mark.parametrize(("kwh", "text"), [(0.119, "119 Wh"), (2.5, "2.5 kWh"), (4.2e-6, "4.2 mWh")])
def test_energy_unit_follows_the_size(kwh: float, text: str) -> None:
    assert energy_text(kwh) == text

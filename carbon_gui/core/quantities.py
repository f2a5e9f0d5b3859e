"""Energy and emissions as text with a unit that keeps small runs readable (a minute on a laptop is
milligrams, a week on eight GPUs is hundreds of kilograms)."""

import math


def mass_text(kg: float) -> str:
    """CO2e mass with 3 significant digits: '212 kg', '1.25 kg', '16.4 g', '1.64 mg'."""
    if kg >= 1:
        return f"{kg:,.3g} kg" if kg < 1000 else f"{kg:,.0f} kg"
    if kg >= 1e-3:
        return f"{kg * 1e3:.3g} g"
    return f"{kg * 1e6:.3g} mg"


def energy_text(kwh: float) -> str:
    """Energy with 3 significant digits: '1,234 kWh', '0.119 kWh' → '119 Wh', '4.2 mWh'."""
    if kwh >= 1:
        return f"{kwh:,.3g} kWh" if kwh < 1000 else f"{kwh:,.0f} kWh"
    if kwh >= 1e-3:
        return f"{kwh * 1e3:.3g} Wh"
    return f"{kwh * 1e6:.3g} mWh"


def significant(value: float, digits: int = 3) -> str:
    """A number with `digits` significant digits and no exponent: '0.0123', '2.85', '212', '1,234'.
    Fixed decimals showed clean regions' emissions as '0.00'."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{value:,.{max(decimals, 0)}f}"

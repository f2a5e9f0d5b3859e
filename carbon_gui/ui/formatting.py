"""Numbers as the window shows them: always with a unit, '—' when unknown."""

from carbon_gui.core.quantities import mass_text, significant

DASH = "—"


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return DASH
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def fmt_sig(value: float | None, unit: str = "") -> str:
    """Three significant digits (a clean region's 0.004 kg is not '0.00')."""
    if value is None:
        return DASH
    return f"{significant(value)} {unit}" if unit else significant(value)


def fmt_mass(kg: float | None) -> str:
    """Emissions in kg, g or mg with three significant digits, and the unit: '2.85 kg CO₂e', '41.2 g CO₂e'."""
    return DASH if kg is None else f"{mass_text(kg)} CO₂e"


def fmt_money(value: float | None, per: str = "") -> str:
    if value is None:
        return "price unknown"
    return f"${value:,.2f}{per}"


def plural(count: int, noun: str) -> str:
    """'1 region', '3 regions'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def place(location: str, country: str) -> str:
    """'Frankfurt, Germany', but 'Belgium' where the region's location is its country."""
    return location if location == country or location.endswith(f", {country}") else f"{location}, {country}"

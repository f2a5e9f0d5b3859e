"""Numbers as the window shows them: always with a unit, '—' when unknown."""

DASH = "—"


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return DASH
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def fmt_money(value: float | None, per: str = "") -> str:
    if value is None:
        return "price unknown"
    return f"${value:,.2f}{per}"

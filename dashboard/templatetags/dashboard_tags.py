"""Numbers as the dashboard shows them: plain Python formatting, cheap enough for 116 rows and 100 weeks."""

from django import template

register = template.Library()


@register.filter
def number(value, places: int = 0) -> str:
    """1234.5 → "1,235" (or with `places` decimals); None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{value:,.{int(places)}f}"


@register.filter
def percent(value) -> str:
    """0.256 → "26%"; None → "—"."""
    return "—" if value is None else f"{value:.0%}"

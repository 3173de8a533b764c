from django import template

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    """Say a distance the way a volunteer would: metres close by, kilometres further out."""
    if metres is None:
        return "—"
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    return f"{metres / 1000:.1f} km"

from django import template
from django.conf import settings

from contacts.models import name_case as _name_case

register = template.Library()

METRES_PER_FOOT = 0.3048
METRES_PER_MILE = 1609.344


@register.filter
def distance(metres: float | None) -> str:
    """Say a distance the way a volunteer would, in the units of DISTANCE_UNITS."""
    if metres is None:
        return "—"
    if settings.DISTANCE_UNITS == "metric":
        if metres < 1000:
            return f"{round(metres / 10) * 10:.0f} m"
        return f"{metres / 1000:.1f} km"
    # Feet next door (to the nearest 10), tenths of a mile down the road, whole miles out of town.
    if metres < 1000 * METRES_PER_FOOT:
        return f"{round(metres / METRES_PER_FOOT / 10) * 10:.0f} ft"
    miles = metres / METRES_PER_MILE
    if miles < 10:
        return f"{miles:.1f} mi"
    return f"{miles:.0f} mi"


@register.filter
def name_case(name: str) -> str:
    """Show a name the voter file wrote in capitals in name case."""
    return _name_case(name or "")

"""When a gathering ends and whether it is off: the two facts speakers and check-in read from a gathering.

Gathering keeps its length in minutes today and has no cancellation yet; these two helpers are the
only places that know how those facts are stored.
"""

from datetime import datetime, timedelta

from events.models import Gathering


def gathering_ends(gathering: Gathering) -> datetime:
    """Return when the gathering ends."""
    return gathering.starts_at + timedelta(minutes=gathering.duration_minutes)


def gathering_is_cancelled(gathering: Gathering) -> bool:
    """Return whether the host called the gathering off."""
    return getattr(gathering, "cancelled_at", None) is not None

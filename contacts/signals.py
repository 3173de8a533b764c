"""What contacts tells the apps above it, and asks them, without importing them (DESIGN.md: the app ladder)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.dispatch import Signal

# Sent once a voter file, geocodes, phones or scores are imported and committed, never for a dry
# run; `kind` is the ImportRun.Kind. Who is eligible for which list may have changed.
data_imported = Signal()

# Sent once a leader's new attempts are committed (never for a replay), with `leader` and `count`:
# leaders moves the leader's pipeline stage on the first.
attempts_recorded = Signal()


@dataclass(frozen=True)
class ListTouch:
    """Entries on one leader's lists, of voters of one county, that taking those voters off would hide."""

    county: str
    leader: str
    entries: int


# An app that keeps lists (turf) registers a callable here in its AppConfig.ready(). It gets SQL
# selecting (id, county) of voters, with its parameters, and answers with the entries they hold.
ListImpact = Callable[[str, Sequence], Iterable[ListTouch]]
_list_impacts: dict[str, ListImpact] = {}


def register_list_impact(name: str, impact: ListImpact) -> None:
    """Let an app that keeps lists say what taking voters off them would touch (once per name)."""
    _list_impacts[name] = impact


def list_impact(voters_sql: str, params: Sequence) -> list[ListTouch]:
    """Ask every registered app which list entries the voters `voters_sql` selects hold."""
    return [touch for impact in _list_impacts.values() for touch in impact(voters_sql, params)]

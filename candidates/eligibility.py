"""Whether a candidacy may export the party's IDs right now, and the plain reason why (DESIGN.md section 7).

A candidacy is eligible when its account is approved by staff, the general election is not over,
it is still in the running, it is a Democrat's, and one of these holds: the candidate is the
incumbent; no other Democrat contests the primary; or the primary is over and they won it.
It is decided at the moment of each export (every export view calls `eligibility`), never at login.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from candidates.models import Approval, Candidacy, Race


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str

    def __bool__(self) -> bool:
        return self.eligible


def long_date(value: date) -> str:
    """Write a date as the pages say it: "Aug 4, 2026"."""
    return f"{value:%b} {value.day}, {value.year}"


def decide(
    *,
    approved: bool,
    status: str,
    is_democrat: bool,
    is_incumbent: bool,
    other_democrats: int,
    primary_date: date,
    general_date: date,
    today: date,
) -> Eligibility:
    """Decide from the facts alone; `other_democrats` counts the race's other Democrats not withdrawn."""
    primary, general = long_date(primary_date), long_date(general_date)
    until = f"exports are open until the general election on {general}."
    if not approved:
        return Eligibility(
            False, "State staff have not approved your account yet; exports open once they do."
        )
    if today > general_date:
        return Eligibility(False, f"The general election on {general} is over: access ended with it.")
    if status == Candidacy.Status.WITHDRAWN:
        return Eligibility(False, "This candidacy was withdrawn.")
    if status == Candidacy.Status.LOST:
        return Eligibility(False, f"This candidacy lost the primary on {primary}.")
    if not is_democrat:
        return Eligibility(False, "Only Democratic candidates may use the party's IDs.")
    if is_incumbent:
        return Eligibility(True, f"You are the incumbent: {until}")
    if other_democrats == 0:
        return Eligibility(True, f"No other Democrat contests the primary on {primary}: {until}")
    if today > primary_date and status == Candidacy.Status.WON_PRIMARY:
        return Eligibility(True, f"You won the primary on {primary}: {until}")
    if today > primary_date:
        return Eligibility(
            False,
            f"The primary on {primary} was contested by another Democrat; exports open once state "
            "staff record that you won it.",
        )
    return Eligibility(
        False, f"The primary on {primary} is contested by another Democrat; exports open if you win it."
    )


def eligibility(candidacy: Candidacy, *, today: date | None = None) -> Eligibility:
    """Decide, from the database as it is now, whether the candidacy may export; say why."""
    race: Race = candidacy.race
    approved = (
        candidacy.candidate_id is not None
        and Approval.objects.filter(candidate_id=candidacy.candidate_id, revoked_at=None).exists()
    )
    other_democrats = (
        Candidacy.objects.filter(race=race, is_democrat=True)
        .exclude(pk=candidacy.pk)
        .exclude(status=Candidacy.Status.WITHDRAWN)
        .count()
    )
    return decide(
        approved=approved,
        status=candidacy.status,
        is_democrat=candidacy.is_democrat,
        is_incumbent=candidacy.is_incumbent,
        other_democrats=other_democrats,
        primary_date=race.primary_date,
        general_date=race.general_date,
        today=today or timezone.localdate(),
    )

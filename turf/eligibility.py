"""Who may go on a list this cycle, as QuerySets: free voters, the call and door pools."""

from django.db.models import Exists, OuterRef, QuerySet

from contacts.models import Phone, Suppression, Voter
from turf.models import Cycle, Entry


def free_voters(cycle: Cycle) -> QuerySet:
    """Registered, unsuppressed voters on nobody's list this cycle."""
    suppressed = Suppression.objects.in_force().filter(voter=OuterRef("pk"), phone__isnull=True)
    listed = Entry.objects.filter(cycle=cycle, voter=OuterRef("pk"))
    return (
        Voter.objects.registered()
        .filter(household__isnull=False)
        .exclude(Exists(suppressed))
        .exclude(Exists(listed))
    )


def call_pool(cycle: Cycle) -> QuerySet:
    """Free likely Democrats with a number to call."""
    with_phone = free_voters(cycle).filter(Exists(Phone.objects.callable().filter(voter=OuterRef("pk"))))
    return with_phone.likely_democrats()


def door_pool(cycle: Cycle) -> QuerySet:
    """Free voters whose preference nobody knows yet."""
    return free_voters(cycle).needing_id()

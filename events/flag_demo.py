"""Demo data for the review of plausibility flags: two of a leader's batches that look made up, so
`make run` shows the coordinator's review list with something to judge."""

import uuid
from datetime import timedelta

from django.utils import timezone

from contacts.attempts import Attempt
from contacts.models import PlausibilityFlag
from contacts.plausibility import flag_implausible
from contacts.services import contact_record_many
from turf.models import Entry

# A day of knocks where every door answered and talked, and a batch the phone dated days back.
DAY_OF_TALKS = 20
BACKDATED = 3
BACKDATED_DAYS = 5


def make_flag_demo(*, leader) -> None:
    """Record the leader's two implausible batches through the sync service and flag them."""
    if PlausibilityFlag.objects.filter(leader=leader).exists():
        return
    listed = Entry.objects.filter(turf__leader=leader, household__isnull=False).doors().order_by("distance_m")
    doors = list(dict.fromkeys(listed.values_list("household_id", flat=True)))[:DAY_OF_TALKS]
    if len(doors) < DAY_OF_TALKS:
        return
    yesterday = (timezone.localtime() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    talks = [
        Attempt(client_uuid=uuid.uuid4(), channel="door", result="talked", household_id=door,
                device_time=yesterday + timedelta(minutes=2 * n))
        for n, door in enumerate(doors)
    ]  # fmt: skip
    contact_record_many(leader=leader, attempts=talks)
    backdated = timezone.now() - timedelta(days=BACKDATED_DAYS)
    contact_record_many(
        leader=leader,
        attempts=[
            Attempt(client_uuid=uuid.uuid4(), channel="door", result="not_home", household_id=door,
                    device_time=backdated + timedelta(minutes=n))
            for n, door in enumerate(doors[:BACKDATED])
        ],
    )  # fmt: skip
    flag_implausible()

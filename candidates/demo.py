"""Demo races for `make run`: one with an incumbent, one with a contested primary, one uncontested (the demo candidate's)."""

from datetime import date

from django.db import transaction

from candidates import services
from candidates.models import Candidacy, Race

PRIMARY, GENERAL = date(2028, 8, 1), date(2028, 11, 7)
# Congressional districts the demo voter file carries (contacts/demo.py): Nodaway, St. Louis City, Boone.
UNCONTESTED, CONTESTED, INCUMBENT = "20 CN 6", "20 CN 1", "20 CN 3"


@transaction.atomic
def create_demo_races(*, staff, candidate) -> list[Race]:
    """Create the demo races once, through the audited services; approve the demo candidate's account."""
    if Race.objects.exists():
        return []
    races = {
        code: services.race_create(
            actor=staff,
            office=Race.Office.CONGRESS,
            title="",
            district_type=Race.DistrictType.CONGRESSIONAL,
            district_code=code,
            election_year=GENERAL.year,
            primary_date=PRIMARY,
            general_date=GENERAL,
        )  # fmt: skip
        for code in (UNCONTESTED, CONTESTED, INCUMBENT)
    }
    name = f"{candidate.first_name} {candidate.last_name}".strip() or candidate.email
    people = [
        # (race, name, account, incumbent, Democrat)
        (UNCONTESTED, name, candidate, False, True),
        (UNCONTESTED, "Rex Rivera", None, False, False),
        (CONTESTED, "Dana Delgado", None, False, True),
        (CONTESTED, "Morgan Mills", None, False, True),
        (INCUMBENT, "Irene Incumbent", None, True, True),
        (INCUMBENT, "Pat Primary", None, False, True),
    ]
    for code, person, account, incumbent, democrat in people:
        services.candidacy_create(
            actor=staff, race=races[code], name=person, candidate=account, is_democrat=democrat,
            is_incumbent=incumbent, status=Candidacy.Status.FILED,
        )  # fmt: skip
    services.account_approve(actor=staff, candidate=candidate)
    return list(races.values())

"""Races and candidacies for the candidates tests, made through the services staff use (so they are audited)."""

from datetime import date

from candidates import services
from candidates.models import Candidacy, Race

PRIMARY, GENERAL = date(2028, 8, 1), date(2028, 11, 7)


def make_race(actor, *, code: str = "20 LE 001", primary: date = PRIMARY, general: date = GENERAL) -> Race:
    return services.race_create(
        actor=actor, office=Race.Office.STATE_HOUSE, title="", district_type=Race.DistrictType.LEGISLATIVE,
        district_code=code, election_year=general.year, primary_date=primary, general_date=general,
    )  # fmt: skip


def make_candidacy(
    actor, race: Race, *, name: str = "Cathy Candidate", candidate=None, **fields
) -> Candidacy:
    values = {"is_democrat": True, "is_incumbent": False, "status": Candidacy.Status.FILED} | fields
    return services.candidacy_create(actor=actor, race=race, name=name, candidate=candidate, **values)

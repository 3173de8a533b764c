"""Rows of the shared ID database for candidates' tests, as the rollup would write them."""

from itertools import count

from contacts.shared import SharedVoter

_ids = count(10_000_001)

BLANK = {
    "middle_name": "", "suffix": "", "residence_city": "Maryville", "residence_state": "MO",
    "residence_zip": "64468", "mailing_address": "", "mailing_city": "", "mailing_state": "",
    "mailing_zip": "", "county": "Nodaway", "precinct": "01", "precinct_name": "Polk", "split": "",
    "township": "", "ward": "", "congressional_district": "20 CN 6", "legislative_district": "20 LE 001",
    "senate_district": "20 SE 12", "registration_status": "Active", "elections_voted": 0,
    "generals_voted": 0, "primaries_voted": 0, "voted_on": [], "contacted": False, "mail_suppressions": [],
    "tier_source": "", "tier_channel": "",
}  # fmt: skip


def shared_voter(
    first: str = "John", last: str = "Smith", *, house: str = "1 Main St", **fields
) -> SharedVoter:
    """A shared row; `house` is both the household key and the residence line."""
    values = BLANK | {"household_key": house, "residence_line": house} | fields
    if "districts" not in values:
        values["districts"] = [values["congressional_district"], values["legislative_district"]]
    return SharedVoter.objects.create(voter_id=next(_ids), first_name=first, last_name=last, **values)

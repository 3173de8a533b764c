"""The PSR file's layout: the election authorities, and which header names mean which field.

Editions differ, so columns are found by header name, never by position: district columns carry
their map ("CONGRESSIONAL DISTRICT 20", "... 25" after the 2025 redistricting, "Congressional - New"
for the 2011 map), the Voter History columns may number fewer than 20 or be absent, and "Political
Party" exists only since declarations began in 2022. Any other unknown column is refused, loudly.
"""

import re
from dataclasses import dataclass, field

# The 116 election authorities: 114 counties, St. Louis City, and Kansas City (its own authority).
ELECTION_AUTHORITIES = (
    "Adair", "Andrew", "Atchison", "Audrain", "Barry", "Barton", "Bates", "Benton", "Bollinger",
    "Boone", "Buchanan", "Butler", "Caldwell", "Callaway", "Camden", "Cape Girardeau", "Carroll",
    "Carter", "Cass", "Cedar", "Chariton", "Christian", "Clark", "Clay", "Clinton", "Cole", "Cooper",
    "Crawford", "Dade", "Dallas", "Daviess", "DeKalb", "Dent", "Douglas", "Dunklin", "Franklin",
    "Gasconade", "Gentry", "Greene", "Grundy", "Harrison", "Henry", "Hickory", "Holt", "Howard",
    "Howell", "Iron", "Jackson", "Jasper", "Jefferson", "Johnson", "Knox", "Laclede", "Lafayette",
    "Lawrence", "Lewis", "Lincoln", "Linn", "Livingston", "McDonald", "Macon", "Madison", "Maries",
    "Marion", "Mercer", "Miller", "Mississippi", "Moniteau", "Monroe", "Montgomery", "Morgan",
    "New Madrid", "Newton", "Nodaway", "Oregon", "Osage", "Ozark", "Pemiscot", "Perry", "Pettis",
    "Phelps", "Pike", "Platte", "Polk", "Pulaski", "Putnam", "Ralls", "Randolph", "Ray", "Reynolds",
    "Ripley", "St. Charles", "St. Clair", "Ste. Genevieve", "St. Francois", "St. Louis County",
    "Saline", "Schuyler", "Scotland", "Scott", "Shannon", "Shelby", "Stoddard", "Stone", "Sullivan",
    "Taney", "Texas", "Vernon", "Warren", "Washington", "Wayne", "Webster", "Worth", "Wright",
    "St. Louis City", "Kansas City",
)  # fmt: skip
# Both spellings of St. Louis County occur in the wild; either is the same authority.
KNOWN_AUTHORITIES = frozenset(ELECTION_AUTHORITIES) | {"St. Louis"}

# Canonical field -> header names that mean it (compared upper-cased, spaces collapsed).
BASE_COLUMNS = {
    "county": ("COUNTY",),
    "voter_id": ("VOTER ID",),
    "first_name": ("FIRST NAME",),
    "middle_name": ("MIDDLE NAME",),
    "last_name": ("LAST NAME",),
    "suffix": ("SUFFIX",),
    "house_number": ("HOUSE NUMBER",),
    "house_suffix": ("HOUSE SUFFIX",),
    "pre_direction": ("PRE DIRECTION",),
    "street_name": ("STREET NAME",),
    "street_type": ("STREET TYPE",),
    "post_direction": ("POST DIRECTION",),
    "unit_type": ("UNIT TYPE",),
    "unit_number": ("UNIT NUMBER",),
    "non_standard_address": ("NON STANDARD ADDRESS",),
    "city": ("RESIDENTIAL CITY",),
    "state": ("RESIDENTIAL STATE",),
    "zip_code": ("RESIDENTIAL ZIPCODE", "RESIDENTIAL ZIP CODE"),
    "mailing_address": ("MAILING ADDRESS",),
    "mailing_city": ("MAILING CITY",),
    "mailing_state": ("MAILING STATE",),
    "mailing_zip": ("MAILING ZIPCODE", "MAILING ZIP CODE"),
    "birthdate": ("BIRTHDATE",),
    "declared_party": ("POLITICAL PARTY",),
    "registration_date": ("REGISTRATION DATE",),
    "precinct": ("PRECINCT",),
    "precinct_name": ("PRECINCT NAME",),
    "split": ("SPLIT",),
    "township": ("TOWNSHIP",),
    "ward": ("WARD",),
    "status": ("VOTER STATUS", "STATUS"),
}
OPTIONAL_COLUMNS = frozenset({"declared_party"})
DISTRICT_KINDS = {"CONGRESSIONAL": "congressional", "LEGISLATIVE": "legislative", "SENATE": "senate"}
_DISTRICT_BY_YEAR = re.compile(r"^(CONGRESSIONAL|LEGISLATIVE|SENATE|STATE SENATE) DISTRICT (\d{2})$")
_DISTRICT_2011 = re.compile(r"^(CONGRESSIONAL|LEGISLATIVE|SENATE|STATE SENATE) - NEW$")
_HISTORY = re.compile(r"^VOTER HISTORY (\d{1,2})$")

# The header of the current edition, as the Secretary of State writes it.
CURRENT_HEADER = (
    "County", "Voter ID", "First Name", "Middle Name", "Last Name", "Suffix", "House Number",
    "House Suffix", "Pre Direction", "Street Name", "Street Type", "Post Direction", "Unit Type",
    "Unit Number", "Non Standard Address", "Residential City", "Residential State",
    "Residential ZipCode", "Mailing Address", "Mailing City", "Mailing State", "Mailing ZipCode",
    "Birthdate", "Political Party", "Registration Date", "Precinct", "Precinct Name", "Split",
    "Township", "Ward", "CONGRESSIONAL DISTRICT 20", "LEGISLATIVE DISTRICT 20", "SENATE DISTRICT 20",
    "Voter Status", *(f"Voter History {n}" for n in range(1, 21)),
)  # fmt: skip


class LayoutError(ValueError):
    """The header is not one of a PSR file's: nothing may be imported from it."""


@dataclass(frozen=True)
class DistrictColumn:
    index: int
    kind: str  # congressional, legislative, senate
    map: str  # "20", "25", or "11" for the 2011 map's "- New" columns


@dataclass
class Layout:
    """Where each field of one edition's header lives."""

    width: int
    headers: list[str] = field(default_factory=list)  # as the file names them, for messages
    columns: dict[str, int] = field(default_factory=dict)
    districts: list[DistrictColumn] = field(default_factory=list)
    history: list[int] = field(default_factory=list)

    @classmethod
    def from_header(cls, names: list[str]) -> "Layout":
        """Map a header row to fields, or raise LayoutError naming what is wrong."""
        layout = cls(width=len(names), headers=[" ".join(name.split()) for name in names])
        by_header = {header: name for name, headers in BASE_COLUMNS.items() for header in headers}
        unknown, seen, history = [], set(), []
        for index, raw in enumerate(names):
            header = " ".join(raw.split()).upper()
            if header in seen:
                raise LayoutError(f"Column {raw!r} appears twice in the header.")
            seen.add(header)
            if header in by_header:
                layout.columns[by_header[header]] = index
            elif match := _DISTRICT_BY_YEAR.match(header):
                kind = DISTRICT_KINDS[match[1].removeprefix("STATE ")]
                layout.districts.append(DistrictColumn(index, kind, match[2]))
            elif match := _DISTRICT_2011.match(header):
                kind = DISTRICT_KINDS[match[1].removeprefix("STATE ")]
                layout.districts.append(DistrictColumn(index, kind, "11"))
            elif match := _HISTORY.match(header):
                history.append((int(match[1]), index))
            else:
                unknown.append(raw)
        if "voter_id" not in layout.columns or "county" not in layout.columns:
            raise LayoutError(
                "This is not a PSR voter file: its first line has no 'County' and 'Voter ID' columns."
            )
        missing = [
            BASE_COLUMNS[name][0].title()
            for name in BASE_COLUMNS
            if name not in layout.columns and name not in OPTIONAL_COLUMNS
        ]
        missing += [
            f"a {kind.title()} district column"
            for kind in DISTRICT_KINDS.values()
            if not any(d.kind == kind for d in layout.districts)
        ]
        if missing:
            raise LayoutError("The header lacks required columns: " + ", ".join(missing) + ".")
        if unknown:
            raise LayoutError(
                "Unknown columns for a PSR file: " + ", ".join(repr(u) for u in unknown) + ". "
                "A new edition needs its layout added to contacts/voterfile/layout.py before it can be imported."
            )
        layout.history = [index for _, index in sorted(history)]
        return layout

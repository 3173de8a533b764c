"""Synthetic voter files in the real Missouri PSR format, for demos and benchmarks.

Everything here is invented: names, addresses, IDs and coordinates are drawn from a seeded random
generator, so no real voter's record ever lands in a demo or a test. The output goes through the
same import commands staff run on the Secretary of State's file.

A newer edition of the same file (``edition=1``) keeps every voter's base record from the same
random stream and then, per voter, drops about 2 %, changes about 3 % (a move, a new vote, a status
or name change) and adds about 2 % new registrants, as a real re-issue a few months later would.
Generation streams row by row, so a statewide file needs no more memory than a small one.
"""

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from contacts.voterfile.layout import CURRENT_HEADER, ELECTION_AUTHORITIES

# The default demo: one urban, one mid-size and one rural election authority.
DEMO_COUNTIES = ("St. Louis City", "Boone", "Nodaway")
DEMO_SHARES = {"St. Louis City": 0.5, "Boone": 0.35, "Nodaway": 0.15}
STATEWIDE_VOTERS = 4_300_000

# Approximate registered voters of the larger authorities; the rest share what remains.
APPROXIMATE_VOTERS = {
    "St. Louis County": 700_000, "St. Charles": 300_000, "Jackson": 260_000, "Kansas City": 230_000,
    "St. Louis City": 210_000, "Greene": 200_000, "Clay": 170_000, "Jefferson": 165_000,
    "Boone": 125_000, "Cass": 80_000, "Franklin": 75_000, "Jasper": 75_000, "Platte": 75_000,
    "Christian": 65_000, "Cape Girardeau": 58_000, "Buchanan": 55_000, "Cole": 52_000,
    "St. Francois": 42_000, "Lincoln": 40_000, "Newton": 38_000, "Taney": 37_000, "Johnson": 35_000,
    "Camden": 35_000, "Callaway": 30_000, "Phelps": 28_000, "Butler": 28_000, "Howell": 28_000,
    "Pettis": 27_000, "Webster": 27_000, "Scott": 26_000, "Lawrence": 26_000, "Warren": 25_000,
    "Stone": 25_000, "Laclede": 24_000, "Lafayette": 24_000, "Barry": 23_000, "Pulaski": 22_000,
    "Polk": 21_000, "Marion": 20_000, "Stoddard": 20_000, "Dunklin": 19_000, "Nodaway": 14_000,
}  # fmt: skip
SMALL_COUNTY_VOTERS = 10_000

# County seats, so a statewide file reads like Missouri; the three demo counties have more towns.
SEATS = {
    "Adair": "KIRKSVILLE", "Andrew": "SAVANNAH", "Atchison": "ROCK PORT", "Audrain": "MEXICO",
    "Barry": "CASSVILLE", "Barton": "LAMAR", "Bates": "BUTLER", "Benton": "WARSAW",
    "Bollinger": "MARBLE HILL", "Buchanan": "SAINT JOSEPH", "Butler": "POPLAR BLUFF",
    "Caldwell": "KINGSTON", "Callaway": "FULTON", "Camden": "CAMDENTON", "Cape Girardeau": "JACKSON",
    "Carroll": "CARROLLTON", "Carter": "VAN BUREN", "Cass": "HARRISONVILLE", "Cedar": "STOCKTON",
    "Chariton": "KEYTESVILLE", "Christian": "OZARK", "Clark": "KAHOKA", "Clay": "LIBERTY",
    "Clinton": "PLATTSBURG", "Cole": "JEFFERSON CITY", "Cooper": "BOONVILLE", "Crawford": "STEELVILLE",
    "Dade": "GREENFIELD", "Dallas": "BUFFALO", "Daviess": "GALLATIN", "DeKalb": "MAYSVILLE",
    "Dent": "SALEM", "Douglas": "AVA", "Dunklin": "KENNETT", "Franklin": "UNION", "Gasconade": "HERMANN",
    "Gentry": "ALBANY", "Greene": "SPRINGFIELD", "Grundy": "TRENTON", "Harrison": "BETHANY",
    "Henry": "CLINTON", "Hickory": "HERMITAGE", "Holt": "OREGON", "Howard": "FAYETTE",
    "Howell": "WEST PLAINS", "Iron": "IRONTON", "Jackson": "INDEPENDENCE", "Jasper": "CARTHAGE",
    "Jefferson": "HILLSBORO", "Johnson": "WARRENSBURG", "Knox": "EDINA", "Laclede": "LEBANON",
    "Lafayette": "LEXINGTON", "Lawrence": "MOUNT VERNON", "Lewis": "MONTICELLO", "Lincoln": "TROY",
    "Linn": "LINNEUS", "Livingston": "CHILLICOTHE", "McDonald": "PINEVILLE", "Macon": "MACON",
    "Madison": "FREDERICKTOWN", "Maries": "VIENNA", "Marion": "PALMYRA", "Mercer": "PRINCETON",
    "Miller": "TUSCUMBIA", "Mississippi": "CHARLESTON", "Moniteau": "CALIFORNIA", "Monroe": "PARIS",
    "Montgomery": "MONTGOMERY CITY", "Morgan": "VERSAILLES", "New Madrid": "NEW MADRID",
    "Newton": "NEOSHO", "Oregon": "ALTON", "Osage": "LINN", "Ozark": "GAINESVILLE",
    "Pemiscot": "CARUTHERSVILLE", "Perry": "PERRYVILLE", "Pettis": "SEDALIA", "Phelps": "ROLLA",
    "Pike": "BOWLING GREEN", "Platte": "PLATTE CITY", "Polk": "BOLIVAR", "Pulaski": "WAYNESVILLE",
    "Putnam": "UNIONVILLE", "Ralls": "NEW LONDON", "Randolph": "HUNTSVILLE", "Ray": "RICHMOND",
    "Reynolds": "CENTERVILLE", "Ripley": "DONIPHAN", "St. Charles": "SAINT CHARLES",
    "St. Clair": "OSCEOLA", "Ste. Genevieve": "SAINTE GENEVIEVE", "St. Francois": "FARMINGTON",
    "St. Louis County": "CLAYTON", "Saline": "MARSHALL", "Schuyler": "LANCASTER", "Scotland": "MEMPHIS",
    "Scott": "BENTON", "Shannon": "EMINENCE", "Shelby": "SHELBYVILLE", "Stoddard": "BLOOMFIELD",
    "Stone": "GALENA", "Sullivan": "MILAN", "Taney": "FORSYTH", "Texas": "HOUSTON", "Vernon": "NEVADA",
    "Warren": "WARRENTON", "Washington": "POTOSI", "Wayne": "GREENVILLE", "Webster": "MARSHFIELD",
    "Worth": "GRANT CITY", "Wright": "HARTVILLE", "Kansas City": "KANSAS CITY",
}  # fmt: skip
# Rough centres of the larger places; other counties get a seeded spot inside the state.
CENTRES = {
    "St. Louis City": (38.627, -90.245), "Boone": (38.951, -92.334), "Nodaway": (40.346, -94.872),
    "Kansas City": (39.100, -94.578), "St. Louis County": (38.650, -90.338),
    "St. Charles": (38.784, -90.481), "Greene": (37.209, -93.292), "Jackson": (39.091, -94.415),
    "Clay": (39.246, -94.419), "Jefferson": (38.232, -90.563), "Cole": (38.577, -92.173),
    "Jasper": (37.176, -94.310), "Buchanan": (39.768, -94.847), "Cape Girardeau": (37.382, -89.667),
    "Adair": (40.195, -92.583), "Phelps": (37.952, -91.771), "Pettis": (38.705, -93.228),
    "Butler": (36.757, -90.393), "Howell": (36.729, -91.852), "Laclede": (37.681, -92.664),
    "Taney": (36.685, -93.120), "Johnson": (38.763, -93.736), "Cass": (38.656, -94.349),
    "Franklin": (38.450, -91.008), "Newton": (36.869, -94.368), "Christian": (37.019, -93.206),
}  # fmt: skip
CONGRESSIONAL = {"St. Louis City": 1, "St. Louis County": 1, "Kansas City": 5, "Jackson": 5,
                 "Boone": 3, "Nodaway": 6, "Greene": 7, "St. Charles": 2, "Clay": 6, "Jefferson": 3}  # fmt: skip

# Towns of the demo counties: (name, ZIP codes, weight, offset of the town from the county centre).
TOWNS = {
    "St. Louis City": [("SAINT LOUIS", [f"631{n:02}" for n in (4, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16,
                                                             18, 20, 39, 47)], 1.0, (0.0, 0.0))],
    "Boone": [
        ("COLUMBIA", ["65201", "65202", "65203"], 0.82, (0.0, 0.0)),
        ("ASHLAND", ["65010"], 0.04, (-0.170, 0.086)), ("CENTRALIA", ["65240"], 0.04, (0.227, 0.168)),
        ("HALLSVILLE", ["65255"], 0.03, (0.154, 0.110)), ("HARRISBURG", ["65256"], 0.02, (0.180, -0.040)),
        ("STURGEON", ["65284"], 0.02, (0.258, 0.020)), ("ROCHEPORT", ["65279"], 0.015, (0.021, -0.200)),
        ("HARTSBURG", ["65039"], 0.015, (-0.260, 0.030)),
    ],
    "Nodaway": [
        ("MARYVILLE", ["64468"], 0.55, (0.0, 0.0)), ("BURLINGTON JUNCTION", ["64428"], 0.05, (0.178, -0.215)),
        ("HOPKINS", ["64461"], 0.06, (0.206, 0.124)), ("SKIDMORE", ["64487"], 0.05, (-0.200, -0.228)),
        ("RAVENWOOD", ["64479"], 0.05, (-0.040, 0.140)), ("GRAHAM", ["64455"], 0.04, (-0.160, -0.148)),
        ("CONCEPTION", ["64433"], 0.04, (-0.230, 0.050)), ("PICKERING", ["64476"], 0.04, (0.120, 0.040)),
        ("BARNARD", ["64423"], 0.04, (-0.157, 0.010)), ("CLEARMONT", ["64431"], 0.03, (0.250, -0.080)),
        ("GUILFORD", ["64457"], 0.03, (-0.100, 0.200)), ("PARNELL", ["64475"], 0.03, (0.160, 0.230)),
    ],
}  # fmt: skip
TOWNSHIPS = {
    "Boone": ["MISSOURI", "COLUMBIA", "BOURBON", "CEDAR", "CENTRALIA", "PERCHE", "ROCKY FORK", "ROCKY FORK"],
    "Nodaway": ["POLK", "WHITE CLOUD", "GRANT", "HOPKINS", "JEFFERSON", "NODAWAY", "LINCOLN", "HUGHES",
                "HOLT", "INDEPENDENCE", "GREEN", "ATCHISON"],
}  # fmt: skip
RURAL = frozenset(name for name, voters in APPROXIMATE_VOTERS.items() if voters < 20_000) | (
    frozenset(ELECTION_AUTHORITIES) - APPROXIMATE_VOTERS.keys()
)


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = {
    "F": _words(
        "MARY PATRICIA JENNIFER LINDA ELIZABETH BARBARA SUSAN JESSICA SARAH KAREN LISA NANCY BETTY "
        "MARGARET SANDRA ASHLEY KIMBERLY EMILY DONNA MICHELLE CAROL AMANDA MELISSA DEBORAH STEPHANIE "
        "REBECCA SHARON LAURA CYNTHIA KATHLEEN AMY ANGELA SHIRLEY ANNA BRENDA PAMELA EMMA NICOLE "
        "HELEN SAMANTHA KATHERINE CHRISTINE DEBRA RACHEL CAROLYN JANET MARIA OLIVIA HEATHER DIANE "
        "JULIE JOYCE VICTORIA KELLY CHRISTINA LAUREN JOAN EVELYN JUDITH MEGAN ANDREA CHERYL HANNAH "
        "JACQUELINE MARTHA GLORIA TERESA ANN SARA MADISON FRANCES KATHRYN JANICE JEAN ABIGAIL ALICE "
        "JUDY SOPHIA GRACE DENISE AMBER DORIS MARILYN DANIELLE BEVERLY ISABELLA THERESA DIANA NATALIE "
        "BRITTANY CHARLOTTE MARIE KAYLA ALEXIS LORI AALIYAH JASMINE KEISHA LUCÍA ROSA "
    ),
    "M": _words(
        "JAMES ROBERT JOHN MICHAEL DAVID WILLIAM RICHARD JOSEPH THOMAS CHRISTOPHER CHARLES DANIEL "
        "MATTHEW ANTHONY MARK DONALD STEVEN ANDREW PAUL JOSHUA KENNETH KEVIN BRIAN GEORGE TIMOTHY "
        "RONALD JASON EDWARD JEFFREY RYAN JACOB GARY NICHOLAS ERIC JONATHAN STEPHEN LARRY JUSTIN "
        "SCOTT BRANDON BENJAMIN SAMUEL GREGORY ALEXANDER PATRICK FRANK RAYMOND JACK DENNIS JERRY "
        "TYLER AARON JOSE ADAM NATHAN HENRY ZACHARY DOUGLAS PETER KYLE NOAH ETHAN JEREMY WALTER "
        "CHRISTIAN KEITH ROGER TERRY AUSTIN SEAN GERALD CARL HAROLD DYLAN ARTHUR LAWRENCE JORDAN "
        "JESSE BRYAN BILLY BRUCE GABRIEL JOE LOGAN ALAN JUAN ALBERT WILLIE ELIJAH WAYNE RANDY VINCENT "
        "MASON ROY RALPH BOBBY RUSSELL DEANDRE TERRENCE MARCUS JOSÉ "
    ),
}
LAST_NAMES = _words(
    "SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON ANDERSON TAYLOR THOMAS MOORE MARTIN "
    "JACKSON THOMPSON WHITE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT HILL "
    "GREEN ADAMS NELSON BAKER HALL CAMPBELL MITCHELL CARTER ROBERTS PHILLIPS EVANS TURNER PARKER "
    "COLLINS EDWARDS STEWART MORRIS MURPHY COOK ROGERS MORGAN COOPER PETERSON REED BAILEY BELL "
    "KELLY HOWARD WARD COX RICHARDSON WOOD WATSON BROOKS BENNETT GRAY JAMES HUGHES PRICE MYERS "
    "LONG FOSTER SANDERS ROSS POWELL SULLIVAN RUSSELL JENKINS PERRY BUTLER BARNES FISHER "
    "HENDERSON COLEMAN PATTERSON JORDAN GRAHAM REYNOLDS HAMILTON FORD WALLACE WEST COLE HAYES "
    "GIBSON BRYANT ELLIS STEVENS MURRAY MARSHALL OWENS MCDONALD HARRISON KENNEDY WELLS ALVAREZ "
    "WOODS MENDOZA CASTILLO OLSON WEBB WASHINGTON TUCKER FREEMAN BURNS HENRY VASQUEZ SNYDER "
    "SIMPSON CRAWFORD JIMENEZ PORTER MASON SHAW GORDON WAGNER HUNTER ROMERO HICKS DIXON HUNT "
    "PALMER ROBERTSON BLACK HOLMES STONE MEYER BOYD MILLS WARREN FOX ROSE RICE MORENO SCHMIDT "
    "PATEL FERGUSON NICHOLS HERRERA MEDINA RYAN FERNANDEZ WEAVER DANIELS STEPHENS GARDNER PAYNE "
    "KELLEY DUNN PIERCE ARNOLD TRAN SPENCER PETERS HAWKINS GRANT HANSEN CASTRO HOFFMAN HART "
    "ELLIOTT CUNNINGHAM KNIGHT BRADLEY O'BRIEN SCHNEIDER BECKER HUBER KOCH WEBER MUELLER NGUYEN "
    "PEÑA SMITH-JONES "
)
STREETS = _words(
    "MAIN OAK PINE MAPLE CEDAR ELM WALNUT CHESTNUT HICKORY WASHINGTON LINCOLN JEFFERSON JACKSON "
    "FRANKLIN MADISON MONROE LAFAYETTE BROADWAY MARKET CHURCH MILL PARK LAKE HILL RIDGE VIEW "
    "SPRING MEADOW FOREST WILLOW BIRCH DOGWOOD REDBUD SYCAMORE POPLAR LOCUST CHERRY ASH LAUREL "
    "MAGNOLIA PROSPECT GRAND OLIVE DELMAR KINGSHIGHWAY GRAVOIS CHIPPEWA ARSENAL CHEROKEE TEXAS "
    "MINNESOTA LEMP ILLINOIS VIRGINIA LOUISIANA NEBRASKA IOWA PROVIDENCE STADIUM WORLEY ASH "
    "ROLLINS ASHLAND GARTH ROCK QUARRY FOREST HILLS COUNTRY CLUB WESTWOOD ROSEWOOD ARROWHEAD "
    "FRONTIER MERAMEC CAMBRIDGE COBBLESTONE EASTWOOD FOX RUN LIBERTY LAKEVIEW TWIN OAKS CREEKSIDE "
    "PIONEER GREENBRIAR BUCHANAN COLLEGE DEPOT SECOND THIRD FOURTH FIFTH SIXTH 11TH 23RD "
)
STREET_TYPES = ["ST", "AVE", "DR", "RD", "LN", "CT", "TER", "PL", "BLVD", "WAY", "CIR", ""]
STREET_TYPE_WEIGHTS = [22, 16, 14, 10, 7, 7, 8, 4, 3, 3, 2, 4]
SUFFIXES = ["JR", "SR", "II", "III"]
UNIT_TYPES = ["APT", "APT", "APT", "#", "UNIT"]
MAIL_STATES = ["MO", "MO", "MO", "MO", "IL", "KS", "TX", "CO", "OK", "AE"]

# Missouri elections a voter could have taken part in, most recent first.
ELECTIONS = [
    ("11/04/2025", "Special", 0.12), ("08/05/2025", "Special", 0.10),
    ("04/08/2025", "General Municipal", 0.25), ("11/05/2024", "General", 1.0),
    ("08/06/2024", "Primary", 0.5), ("04/02/2024", "General Municipal", 0.28),
    ("11/07/2023", "Special", 0.12), ("08/08/2023", "Special", 0.08),
    ("04/04/2023", "General Municipal", 0.25), ("02/07/2023", "Special", 0.07),
    ("11/08/2022", "General", 0.85), ("08/02/2022", "Primary", 0.45),
    ("04/05/2022", "General Municipal", 0.25), ("11/02/2021", "Special", 0.1),
    ("08/03/2021", "Special", 0.08), ("04/06/2021", "General Municipal", 0.25),
    ("11/03/2020", "General", 0.95), ("08/04/2020", "Primary", 0.5),
    ("06/02/2020", "General Municipal", 0.2), ("03/10/2020", "Presidential Preference Primary", 0.4),
    ("04/02/2019", "General Municipal", 0.22), ("11/06/2018", "General", 0.85),
    ("08/07/2018", "Primary", 0.5), ("04/03/2018", "General Municipal", 0.22),
    ("08/08/2017", "Special", 0.08), ("04/04/2017", "General Municipal", 0.2),
    ("11/08/2016", "General", 0.9), ("08/02/2016", "Primary", 0.45),
    ("03/15/2016", "Presidential Preference Primary", 0.45), ("04/05/2016", "General Municipal", 0.2),
    ("11/04/2014", "General", 0.6), ("08/05/2014", "Primary", 0.4),
    ("11/06/2012", "General", 0.9), ("08/07/2012", "Primary", 0.4),
    ("02/07/2012", "Presidential Preference Primary", 0.25), ("11/02/2010", "General", 0.7),
    ("11/04/2008", "General", 0.9), ("02/05/2008", "Presidential Preference Primary", 0.5),
    ("11/07/2006", "General", 0.7), ("11/02/2004", "General", 0.85),
]  # fmt: skip
ELECTION_YEARS = [int(date[-4:]) for date, _, _ in ELECTIONS]
NEXT_ELECTION = "02/03/2026 Special"  # what the newer edition's voters took part in
HISTORY_COLUMNS = 20


def _voter_id(index: int) -> int:
    # An affine map modulo a prime is a bijection: every index gets its own 8-9 digit ID.
    return 10_000_000 + (index * 48_271 + 12_345) % 989_999_993


def _hash01(index: int, salt: int) -> float:
    """Return a fixed pseudo-random number in [0, 1) for a voter, independent of the main stream."""
    value = (index * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    value ^= value >> 15
    value = (value * 0x2C1B3C6D) & 0xFFFFFFFF
    value ^= value >> 12
    return value / 0x100000000


@dataclass
class Town:
    name: str
    zips: list[str]
    centre: tuple[float, float]
    streets: list[tuple[str, str, str, bool, float]]  # name, type, pre-direction, runs east-west, offset


@dataclass
class County:
    name: str
    voters: int
    rural: bool
    towns: list[Town]
    weights: list[float]
    congressional: int
    legislative: int
    senate: int
    townships: list[str] = field(default_factory=list)


@dataclass
class DemoFiles:
    """The files one synthetic edition was written to, and what they hold."""

    psr: Path
    geocodes: Path | None = None
    phones: Path | None = None
    scores: Path | None = None
    voters: int = 0
    households: int = 0


def _centre(name: str, number: int) -> tuple[float, float]:
    if name in CENTRES:
        return CENTRES[name]
    # A fixed spot inside Missouri's rough bounding box, away from its edges.
    return 36.8 + 3.3 * _hash01(number, 7), -94.3 + 4.6 * _hash01(number, 11)


def _build_counties(names: list[str], total: int, rng: random.Random) -> list[County]:
    if set(names) <= set(DEMO_SHARES) and len(names) > 1:
        shares = {name: DEMO_SHARES[name] for name in names}
    else:
        shares = {name: APPROXIMATE_VOTERS.get(name, SMALL_COUNTY_VOTERS) for name in names}
    scale = total / sum(shares.values())
    counties = []
    for number, name in enumerate(names):
        voters = round(shares[name] * scale)
        lat, lon = _centre(name, number)
        specs = TOWNS.get(name) or [(SEATS.get(name, name.upper()), [f"{63001 + number * 23}"], 1.0, (0, 0))]
        towns, weights = [], []
        for town_name, zips, weight, (dlat, dlon) in specs:
            street_count = max(8, min(400, int(voters * weight / 60)))
            streets = [
                (
                    rng.choice(STREETS),
                    rng.choices(STREET_TYPES, STREET_TYPE_WEIGHTS)[0],
                    rng.choice(["", "", "", "", "N", "S", "E", "W"]),
                    rng.random() < 0.5,
                    rng.uniform(-0.05, 0.05) * (1 + street_count / 200),
                )
                for _ in range(street_count)
            ]
            towns.append(Town(town_name, zips, (lat + dlat, lon + dlon), streets))
            weights.append(weight)
        counties.append(
            County(
                name=name,
                voters=voters,
                rural=name in RURAL,
                towns=towns,
                weights=weights,
                congressional=CONGRESSIONAL.get(name, 1 + number % 8),
                legislative=1 + (number * 7) % 155,
                senate=1 + (number * 3) % 34,
                townships=TOWNSHIPS.get(name, []),
            )
        )
    return counties


class _Household:
    """One generated door: its address, precinct, districts and map position."""

    __slots__ = ("address", "precinct", "districts", "lat", "lon", "side", "town", "zip", "input_address")


def _precinct(county: County, town_index: int, street_index: int, households: int) -> list[str]:
    """Return precinct, precinct name, split, township and ward for a street."""
    if county.name == "St. Louis City":
        ward = 1 + street_index % 14
        number = 1 + (street_index // 14) % 5
        return [f"W{ward}P{number}", f"WARD {ward} PRECINCT {number}", "01", "", f"{ward:02}"]
    per_precinct = 6 if county.rural else 12
    number = 1 + town_index * 20 + street_index // per_precinct
    township = county.townships[number % len(county.townships)] if county.townships else ""
    if county.name == "Nodaway":
        return [f"NOD{1 + number % 9}", township + " TWP" if number % 2 else "MARYVILLE", "01", township, ""]
    town = county.towns[town_index].name
    return [f"{number:04}", f"{town} {number}", f"{1 + street_index % 3:02}", township, str(number % 30)]


class SyntheticVoterFile:
    """Stream a synthetic PSR edition and, optionally, what the geocoder and vendors would return."""

    def __init__(
        self,
        *,
        voters: int,
        counties: list[str] | tuple[str, ...] = DEMO_COUNTIES,
        seed: int = 2026,
        edition: int = 0,
        birthdates: str = "year",
        district_map: str = "20",
    ) -> None:
        if birthdates not in ("year", "date"):
            raise ValueError("birthdates is 'year' (current editions) or 'date' (MM/DD/YYYY, older ones).")
        unknown = set(counties) - set(ELECTION_AUTHORITIES)
        if unknown:
            raise ValueError(f"Not Missouri election authorities: {', '.join(sorted(unknown))}")
        self.total = voters
        self.seed = seed
        self.edition = edition
        self.birthdates = birthdates
        self.district_map = district_map
        self.counties = _build_counties(list(counties), voters, random.Random(seed))
        self.households = 0
        self.voters_written = 0

    def header(self) -> list[str]:
        header = list(CURRENT_HEADER)
        for position, kind in ((30, "CONGRESSIONAL"), (31, "LEGISLATIVE"), (32, "SENATE")):
            header[position] = f"{kind} DISTRICT {self.district_map}"
        return header

    def rows(self, geocodes=None, phones=None, scores=None) -> Iterator[list[str]]:
        """Yield the edition's rows; write companion rows to the given csv writers as it goes."""
        rng = random.Random(self.seed + 1)  # the base record of every voter, same in every edition
        change = random.Random(self.seed + 1000 + self.edition)  # what this edition changes
        index = 0
        new_index = self.total + 1
        for county in self.counties:
            written = 0
            while written < county.voters:
                household = self._household(county, rng)
                size = min(county.voters - written, rng.choices((1, 2, 3, 4, 5), (45, 33, 13, 7, 2))[0])
                family = rng.choice(LAST_NAMES)
                base_age = rng.randint(18, 90)
                first_voter = None
                for member in range(size):
                    row = self._voter(index, county, household, family, base_age, member, rng)
                    index += 1
                    written += 1
                    if self.edition:
                        fate = _hash01(index, self.seed)
                        if fate < 0.02:
                            continue  # no longer on the rolls
                        if fate < 0.05:
                            self._change(row, county, change)
                    first_voter = first_voter or row
                    self.voters_written += 1
                    yield row
                    if phones is not None and rng.random() < 0.6:
                        kind = "cell" if rng.random() < 0.7 else "landline"
                        number = (
                            f"{rng.choice((314, 573, 660, 816, 417, 636))}{rng.randint(2000000, 9999999)}"
                        )
                        phones.writerow([row[1], number, kind, "Demo vendor"])
                    if scores is not None and rng.random() < 0.85:
                        scores.writerow([row[1], min(100, max(0, round(rng.gauss(48, 28))))])
                if self.edition and _hash01(index, self.seed + 1) < 0.02 * size:
                    row = self._voter(new_index, county, household, family, 19, 0, change)
                    row[24] = f"{change.randint(1, 12):02}/{change.randint(1, 28):02}/2025"
                    row[34:] = [""] * HISTORY_COLUMNS
                    new_index += 1
                    self.voters_written += 1
                    yield row
                if first_voter is not None:
                    self.households += 1
                    if geocodes is not None:
                        self._geocode(geocodes, first_voter[1], household, rng)

    def _household(self, county: County, rng: random.Random) -> _Household:
        town_index = rng.choices(range(len(county.towns)), county.weights)[0]
        town = county.towns[town_index]
        street_index = rng.randrange(len(town.streets))
        name, street_type, pre, east_west, offset = town.streets[street_index]
        household = _Household()
        household.town = town.name
        household.zip = rng.choice(town.zips)
        number = rng.randint(1, 99) * (100 if county.name == "St. Louis City" else 200) + rng.randint(0, 99)
        unit = ["", ""]
        if county.rural and rng.random() < 0.06:
            route = rng.choice(
                (f"RR {rng.randint(1, 4)} BOX {rng.randint(10, 400)}", f"HCR {rng.randint(30, 70)} BOX {rng.randint(10, 300)}",
                 f"HIGHWAY {rng.choice((71, 136, 148, 169, 46))} MILE {rng.randint(1, 30)}")
            )  # fmt: skip
            address = ["", "", "", "", "", "", "", "", route]
            household.input_address = route
        else:
            if not county.rural and rng.random() < 0.18:
                unit = [rng.choice(UNIT_TYPES), rng.choice(("1", "2", "3", "A", "B", "2A", "1D", "H", "M"))]
            suffix = "1/2" if rng.random() < 0.002 else ""
            address = [str(number), suffix, pre, name, street_type, "", *unit, ""]
            household.input_address = " ".join(
                part for part in (str(number) + suffix, pre, name, street_type, *unit) if part
            )
        household.address = address
        household.precinct = _precinct(county, town_index, street_index, len(town.streets))
        household.districts = [
            f"{self.district_map} CN {county.congressional}",
            f"{self.district_map} LE {county.legislative + street_index % 3:03}",
            f"{self.district_map} SE {county.senate}",
        ]
        along = (number % 10_000) / 10_000 * 0.06 - 0.03
        lat, lon = town.centre
        household.lat, household.lon = (
            (lat + offset, lon + along) if east_west else (lat + along, lon + offset)
        )
        household.side = "L" if number % 2 else "R"
        return household

    def _voter(self, index, county, household, family, base_age, member, rng) -> list[str]:
        sex = "F" if rng.random() < 0.53 else "M"
        first = rng.choice(FIRST_NAMES[sex])
        middle = rng.choice(FIRST_NAMES[sex]) if rng.random() < 0.85 else ""
        if middle and rng.random() < 0.15:
            middle = middle[0]
        last = family if member == 0 or rng.random() < 0.75 else rng.choice(LAST_NAMES)
        age = max(18, min(99, base_age + (rng.randint(-4, 4) if member < 2 else rng.randint(-45, -18))))
        birth_year = 2025 - age
        if self.birthdates == "date":
            birth = f"{rng.randint(1, 12):02}/{rng.randint(1, 28):02}/{birth_year}"
        else:
            birth = str(birth_year)
        first_year = max(birth_year + 18, 1965)
        registered_year = rng.randint(first_year, 2025) if first_year < 2025 else 2025
        registered = f"{rng.randint(1, 12):02}/{rng.randint(1, 28):02}/{registered_year}"
        party = rng.choices(("", "Democratic", "Republican", "Libertarian"), (955, 32, 11, 2))[0]
        status = "Active" if rng.random() < 0.9 else "Inactive"
        # Turnout habits as in the real sample (tests/contacts/fixtures): about one voter in eight has
        # no history, and one in four has voted in twenty elections or more.
        habit = rng.random()
        propensity = 0.0 if habit < 0.06 else 2.5 if habit < 0.46 else ((habit - 0.46) / 0.54) ** 0.7
        history = [
            f"{date} {name}"
            for (date, name, turnout), year in zip(ELECTIONS, ELECTION_YEARS, strict=True)
            if year >= registered_year and rng.random() < turnout * propensity
        ][:HISTORY_COLUMNS]
        mailing = ["", "", "", ""]
        if rng.random() < 0.06:
            state = rng.choice(MAIL_STATES)
            mailing = [
                f"PO BOX {rng.randint(10, 9999)}",
                household.town,
                state,
                household.zip if state == "MO" else "",
            ]
        suffix = rng.choice(SUFFIXES) if rng.random() < 0.03 else ""
        return [
            county.name, str(_voter_id(index)), first, middle, last, suffix, *household.address,
            household.town, "MO", household.zip, *mailing, birth, party, registered,
            *household.precinct, *household.districts, status,
            *history, *[""] * (HISTORY_COLUMNS - len(history)),
        ]  # fmt: skip

    def _change(self, row: list[str], county: County, rng: random.Random) -> None:
        """Apply what a few months between editions do to a voter."""
        what = rng.random()
        if what < 0.4:
            moved = self._household(county, rng)
            row[6:15] = moved.address
            row[15], row[17] = moved.town, moved.zip
            row[25:30] = moved.precinct
        elif what < 0.7:
            row[34:] = [NEXT_ELECTION, *row[34:-1]]
        elif what < 0.9:
            row[33] = "Inactive" if row[33] == "Active" else "Active"
        else:
            row[4] = rng.choice(LAST_NAMES)

    def _geocode(self, writer, voter_id: str, household: _Household, rng: random.Random) -> None:
        input_address = f"{household.input_address}, {household.town}, MO, {household.zip}"
        roll = rng.random()
        rural_route = household.address[8] != ""
        if rural_route or roll < 0.06:
            writer.writerow([voter_id, input_address, "No_Match"])
        elif roll < 0.09:
            writer.writerow([voter_id, input_address, "Tie"])
        else:
            match_type = "Exact" if roll < 0.8 else "Non_Exact"
            writer.writerow([
                voter_id, input_address, "Match", match_type, input_address,
                f"{household.lon:.6f},{household.lat:.6f}", str(rng.randint(100_000_000, 700_000_000)),
                household.side,
            ])  # fmt: skip


def write_voter_file(path: Path, generator: SyntheticVoterFile, *, companions: bool = False) -> DemoFiles:
    """Write one edition as a PSR file (CRLF, tab-separated, no quoting) and its companion files."""
    files = DemoFiles(psr=Path(path))
    handles = []
    writers = {}
    if companions:
        stem = files.psr.with_suffix("")
        files.geocodes = stem.with_name(stem.name + "_geocodes.csv")
        files.phones = stem.with_name(stem.name + "_phones.csv")
        files.scores = stem.with_name(stem.name + "_scores.csv")
        for name in ("geocodes", "phones", "scores"):
            handle = open(getattr(files, name), "w", newline="", encoding="utf-8")  # noqa: SIM115
            handles.append(handle)
            quoting = csv.QUOTE_ALL if name == "geocodes" else csv.QUOTE_MINIMAL
            writers[name] = csv.writer(handle, quoting=quoting, lineterminator="\n")
        writers["phones"].writerow(["voter_id", "number", "type", "source"])
        writers["scores"].writerow(["voter_id", "score"])
    try:
        with open(files.psr, "w", newline="", encoding="utf-8") as out:
            out.write("\t".join(generator.header()) + "\r\n")
            buffer = []
            for row in generator.rows(**writers):
                buffer.append("\t".join(row))
                if len(buffer) >= 5000:
                    out.write("\r\n".join(buffer) + "\r\n")
                    buffer.clear()
            if buffer:
                out.write("\r\n".join(buffer) + "\r\n")
    finally:
        for handle in handles:
            handle.close()
    files.voters = generator.voters_written
    files.households = generator.households
    return files

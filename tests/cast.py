"""The cast every test uses and the world they live in, built by plain make_* functions.

alice leads turf in Nodaway; bob is a leader elsewhere (Jackson); carol coordinates Nodaway;
dave coordinates another county (Boone); sam is state staff; cathy is a candidate.
Privileged people have TOTP enrolled unless a test says otherwise. The fixtures of the same names
in tests/conftest.py call these functions; tests that need someone else call them directly.

Places are real: Maryville (Nodaway County, rural northwest Missouri), Kansas City (Jackson) and
Columbia (Boone). Coordinates step in metres around a centre so distances are easy to reason about.
"""

import itertools
import math
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Household, LeaderMark, PartyID, Phone, Score, Suppression, Voter
from events.models import Gathering
from leaders.models import User
from turf.models import Cycle, Entry, Turf

PASSWORD = "correct horse battery staple"

MARYVILLE = (40.3461, -94.8725)
KANSAS_CITY = (39.0997, -94.5786)
COLUMBIA = (38.9517, -92.3341)

_ids = itertools.count(70_000_000)
_addresses = itertools.count(1)


# --- people -----------------------------------------------------------------------------------------


def make_user(
    email: str,
    *,
    role: str = User.Role.LEADER,
    counties: list[str] | None = None,
    mfa: bool = True,
    first_name: str = "",
) -> User:
    user = User.objects.create_user(
        email,
        PASSWORD,
        role=role,
        counties=counties or [],
        first_name=first_name or email.split("@")[0].title(),
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if mfa and user.is_privileged:
        TOTP.activate(user, generate_totp_secret())
    return user


def make_alice() -> User:
    return make_user("alice@example.org")


def make_bob() -> User:
    return make_user("bob@example.org")


def make_carol() -> User:
    return make_user("carol@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"])


def make_dave() -> User:
    return make_user("dave@example.org", role=User.Role.COORDINATOR, counties=["Boone"])


def make_sam() -> User:
    return make_user("sam@example.org", role=User.Role.STAFF)


def make_cathy() -> User:
    return make_user("cathy@example.org", role=User.Role.CANDIDATE)


def make_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_reauthenticated_client(user: User) -> Client:
    """A signed-in client that just gave its password again, as exports and role changes ask."""
    client = make_client(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


# --- places and voters ------------------------------------------------------------------------------


def offset(point: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    """Return the point `east_m` metres east and `north_m` metres north of `point`."""
    lat, lon = point
    return (lat + north_m / 111_195.0, lon + east_m / (111_195.0 * math.cos(math.radians(lat))))


def make_cycle(name: str = "2028 General", *, active: bool = True) -> Cycle:
    return Cycle.objects.create(name=name, election_date=date(2028, 11, 7), is_active=active)


def make_household(
    point: tuple[float, float] | None,
    *,
    county: str = "Nodaway",
    precinct: str = "Maryville 1",
    street: str = "Main",
    number: int | None = None,
    side: str = "",
    city: str = "Maryville",
) -> Household:
    n = next(_addresses)
    return Household.objects.create(
        address_key=f"{n} {street} {city}",
        house_number=number if number is not None else 100 + n,
        street_name=street,
        street_type="St",
        city=city,
        zip_code="64468",
        county=county,
        precinct=precinct,
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        street_side=side,
    )


def make_voter(
    household: Household | None,
    *,
    first: str = "Pat",
    last: str = "Neighbor",
    declared: str = "",
    registered: bool = True,
    phone: bool = False,
    score: int | None = None,
) -> Voter:
    voter = Voter.objects.create(
        id=next(_ids),
        household=household,
        first_name=first,
        last_name=last,
        birth_year=1960,
        declared_party=declared,
        county=household.county if household else "Nodaway",
        precinct=household.precinct if household else "",
        is_registered=registered,
    )
    if phone:
        Phone.objects.create(voter=voter, number=f"660555{voter.pk % 10_000:04d}", kind=Phone.Kind.CELL)
    if score is not None:
        Score.objects.create(voter=voter, value=score)
    return voter


def make_party_id(voter: Voter, value: int, *, days_ago: int = 10, leader=None) -> PartyID:
    return PartyID.objects.create(
        voter=voter,
        value=value,
        channel="door",
        leader=leader,
        recorded_at=timezone.now() - timedelta(days=days_ago),
    )


def make_mark(voter: Voter, leader) -> LeaderMark:
    return LeaderMark.objects.create(voter=voter, leader=leader)


def make_suppression(voter: Voter, reason: str = Suppression.Reason.HOSTILE, *, phone=None) -> Suppression:
    return Suppression.objects.create(voter=voter, reason=reason, phone=phone)


def make_neighborhood(
    centre: tuple[float, float],
    *,
    households: int,
    spacing_m: float = 40.0,
    county: str = "Nodaway",
    precinct: str = "Maryville 1",
    city: str = "Maryville",
    dems: int = 1,
    unknowns: int = 1,
) -> list[Household]:
    """Lay out households on a square grid of streets around `centre`.

    Each household holds `dems` likely Democrats with a phone (score 80) and `unknowns` voters with
    nothing known, so both lists can fill from it.
    """
    side = math.ceil(math.sqrt(households))
    made = []
    for i in range(households):
        row, col = divmod(i, side)
        point = offset(centre, (col - side / 2) * spacing_m, (row - side / 2) * spacing_m)
        household = make_household(
            point, county=county, precinct=precinct, street=f"Street {row}", number=100 + 2 * col, city=city
        )
        for _ in range(dems):
            make_voter(household, phone=True, score=80)
        for _ in range(unknowns):
            make_voter(household)
        made.append(household)
    return made


# --- leaders at home, and their turf ----------------------------------------------------------------


def make_home(user: User, home: tuple[float, float] | None, *, county: str = "Nodaway",
              precinct: str = "Maryville 1", street: str = "Home", number: int = 1) -> User:  # fmt: skip
    """Link a leader to their own voter record at `home` (None: an address the geocoder missed)."""
    household = make_household(home, county=county, precinct=precinct, street=street, number=number)
    # The leader's own vote is known: they are no neighbor to call or knock.
    user.voter = make_voter(
        household, first=user.email.split("@")[0].title(), last="Leader", declared="Democratic"
    )
    user.save(update_fields=["voter"])
    return user


def make_leader(email: str, home: tuple[float, float] | None, **address) -> User:
    """A leader linked to their own voter record at `home` (None: an address the geocoder missed)."""
    return make_home(make_user(email), home, **address)


def approve(leader: User) -> User:
    """Staff approved the leader's home (one is made if they have none): they see voters now.

    The coordinator of that home's county looks after them.
    """
    if leader.voter_id is None:
        leader.voter = make_voter(
            make_household(None), first=leader.first_name, last="Leader", declared="Democratic"
        )
    if leader.home_verified_at is None:
        leader.home_verified_at = timezone.now()
    leader.save(update_fields=["voter", "home_verified_at"])
    return leader


def make_turf(leader: User, *, cycle, calls=(), doors=()) -> Turf:
    """Give a leader turf in a cycle with these voters on their call list and door list."""
    approve(leader)  # turf is cut from a leader's home, once staff approved it
    county = leader.voter.county
    turf, _ = Turf.objects.get_or_create(cycle=cycle, leader=leader, defaults={"county": county})
    for list_name, voters in ((Entry.List.CALL, calls), (Entry.List.DOOR, doors)):
        for distance, voter in enumerate(voters):
            Entry.objects.create(
                turf=turf,
                cycle=cycle,
                voter=voter,
                household=voter.household,
                list=list_name,
                distance_m=distance * 50.0,
            )
    return turf


def make_lists(alice: User, bob: User) -> SimpleNamespace:
    """Alice calls two neighbors and knocks two doors of two people each; Bob has his own."""
    cycle = Cycle.current() or make_cycle()
    caller = [make_voter(make_household(offset(MARYVILLE, 40 * i, 0)), first=f"Callee{i}", phone=True, score=80)
              for i in range(2)]  # fmt: skip
    homes = [make_household(offset(MARYVILLE, 0, 40 * i), street="Elm", number=100 + 2 * i) for i in range(2)]
    door_voters = [make_voter(home, first=f"Door{i}{j}") for i, home in enumerate(homes) for j in range(2)]
    bobs_voter = make_voter(make_household(offset(MARYVILLE, 900, 900)), phone=True)
    return SimpleNamespace(
        cycle=cycle,
        calls=caller,
        homes=homes,
        door_voters=door_voters,
        alice_turf=make_turf(alice, cycle=cycle, calls=caller, doors=door_voters),
        bobs_voter=bobs_voter,
        bob_turf=make_turf(bob, cycle=cycle, calls=[bobs_voter]),
    )


# --- gatherings, and what a phone sends ---------------------------------------------------------------


def make_gathering(host, *, days: float = 7, kind: str = Gathering.Kind.HOUSE_MEETING, **fields) -> Gathering:
    starts_at = timezone.now() + timedelta(days=days)
    return Gathering.objects.create(
        host=host, kind=kind, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90),
        place="The Lions Club", **fields,
    )  # fmt: skip


def a_call(voter, **fields) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "channel": "phone",
        "result": "talked",
        "device_time": timezone.now().isoformat(),
        "voter": voter.pk,
        **fields,
    }


def a_knock(household, **fields) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "channel": "door",
        "result": "not_home",
        "device_time": timezone.now().isoformat(),
        "household": household.pk,
        **fields,
    }

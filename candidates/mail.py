"""Candidates' householded mail lists: who a purpose selects, and one row per household for a mail house.

Purposes (DESIGN.md section 7):
- persuasion: IDs 2-3 from a conversation or the voter file, plus unidentified voters in the model's
  middle band. The middle band is the rollup's own: a model score between PARTY_SCORE_REP_MAX and
  PARTY_SCORE_DEM_MIN, which the rollup writes as tier 3 from the model score. Never 1 or 5.
- GOTV: tiers 1-2.
- custom: the tiers chosen.
A strong Republican (5) is never chosen by a purpose's default; a strong Democrat (1) never gets
persuasion mail. Voters with a suppression that applies to mail are always left out.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter

from django.db.models import Case, Count, F, Q, QuerySet, TextField, Value, When, Window
from django.db.models.functions import Concat, FirstValue

from candidates.district import district_voters
from candidates.models import Race
from contacts.shared import TierSource

PERSUASION, GOTV, CUSTOM = "persuasion", "gotv", "custom"
PURPOSES = {PERSUASION: "Persuasion", GOTV: "GOTV (get out the vote)", CUSTOM: "Custom"}

HEADER = ["addressee", "address_line_1", "address_line_2", "city", "state", "zip", "zip4", "household_size"]


def selection(purpose: str, tiers: Sequence[int] = ()) -> Q:
    """Which shared voters a purpose mails (before suppressions)."""
    if purpose == PERSUASION:
        identified = Q(tier__in=[2, 3]) & ~Q(tier_source=TierSource.MODEL_SCORE)
        middle_band = Q(tier=3, tier_source=TierSource.MODEL_SCORE)
        return identified | middle_band
    if purpose == GOTV:
        return Q(tier__in=[1, 2])
    if purpose == CUSTOM:
        return Q(tier__in=list(tiers))
    raise ValueError(f"Unknown purpose {purpose!r}")


def mail_voters(race: Race, purpose: str, tiers: Sequence[int] = ()) -> QuerySet:
    """The race's district voters the purpose selects, without anyone mail must not reach."""
    return district_voters(race).filter(selection(purpose, tiers)).filter(mail_suppressions=[])


def households_count(voters: QuerySet) -> int:
    return voters.aggregate(n=Count(_household_key(), distinct=True))["n"]


def _household_key():
    # A voter without a household key is a household of their own.
    return Case(
        When(household_key="", then=Concat(Value("voter:"), F("voter_id"), output_field=TextField())),
        default=F("household_key"),
        output_field=TextField(),
    )


def combine_names(people: Sequence[tuple[str, str, str]]) -> str:
    """Address a household: (first, last, suffix) of each member, in a stable order.

    "John Smith"; "John & Mary Smith"; "John Smith & Mary Jones"; "The Smith Household" for more
    than two (the most frequent last name, the first one on a tie).
    """
    people = [(first.strip(), last.strip(), suffix.strip()) for first, last, suffix in people]

    def full(first: str, last: str, suffix: str) -> str:
        return " ".join(part for part in (first, last, suffix) if part)

    if len(people) == 1:
        return full(*people[0])
    if len(people) == 2:
        (first_a, last_a, suffix_a), (first_b, last_b, suffix_b) = people
        if (
            last_a
            and last_a.casefold() == last_b.casefold()
            and not suffix_a
            and not suffix_b
            and first_a
            and first_b
        ):
            return f"{first_a} & {first_b} {last_a}"
        return f"{full(*people[0])} & {full(*people[1])}"
    lasts = Counter(last.casefold() for _first, last, _suffix in people if last)
    if not lasts:
        return "Resident"
    top = max(lasts.values())
    name = next(last for _first, last, _suffix in people if last and lasts[last.casefold()] == top)
    return f"The {name} Household"


def split_zip(zip_code: str) -> tuple[str, str]:
    """ "65201-1234" or "652011234" -> ("65201", "1234"); a 5-digit ZIP has no ZIP+4."""
    digits = zip_code.strip().replace("-", "").replace(" ", "")
    if len(digits) == 9 and digits.isdigit():
        return digits[:5], digits[5:]
    return zip_code.strip(), ""


def _address(prefix_line: str, prefix: str):
    # ZIP first, so that ordering by the address orders by ZIP.
    parts = [f"{prefix}_zip", prefix_line, f"{prefix}_city", f"{prefix}_state"]
    pieces = [F(parts[0])]
    for part in parts[1:]:
        pieces += [Value(SEPARATOR), F(part)]
    return Concat(*pieces, output_field=TextField())


SEPARATOR = "\x1f"


def mail_rows(voters: QuerySet, *, chunk_size: int = 5000) -> Iterator[list]:
    """One row per household of `voters`, sorted by ZIP for presort, streamed a chunk at a time.

    A household's address is the first member's (by voter ID) mailing address, if any member has
    one, else its residence: chosen in the database by a window over the household, so the rows
    arrive sorted and grouped and Python holds one household at a time.
    """
    has_mailing = Q(mailing_address__gt="")
    chosen = Case(
        When(has_mailing, then=_address("mailing_address", "mailing")),
        default=_address("residence_line", "residence"),
        output_field=TextField(),
    )
    rank = Case(When(has_mailing, then=Value(0)), default=Value(1))
    rows = (
        voters.annotate(key=_household_key())
        .annotate(
            address=Window(
                FirstValue(chosen), partition_by=[F("key")], order_by=[rank.asc(), F("voter_id").asc()]
            ),
        )
        .order_by("address", "key", "voter_id")
        .values_list("key", "address", "first_name", "last_name", "suffix")
    )
    for _key, members in groupby(rows.iterator(chunk_size=chunk_size), key=itemgetter(0)):
        members = list(members)
        zip_code, line, city, state = members[0][1].split(SEPARATOR)
        five, four = split_zip(zip_code)
        people = [(first, last, suffix) for _k, _a, first, last, suffix in members]
        yield [combine_names(people), line, "", city, state, five, four, len(people)]

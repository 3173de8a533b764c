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

from django.db import connections
from django.db.models import Case, Count, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat

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
    zip_code = zip_code.strip()
    if len(zip_code) == 5:  # most of them: nothing to split
        return zip_code, ""
    digits = zip_code.replace("-", "").replace(" ", "")
    if len(digits) == 9 and digits.isdigit():
        return digits[:5], digits[5:]
    return zip_code.strip(), ""


# USPS Publication 28, appendix C2: the secondary unit designators that take a number ("APT 4B").
UNIT_DESIGNATORS = frozenset({
    "APT", "BLDG", "DEPT", "FL", "HNGR", "KEY", "LOT", "PIER", "RM", "SLIP", "SPC", "STE", "STOP", "TRLR",
    "UNIT", "APARTMENT", "BUILDING", "FLOOR", "ROOM", "SPACE", "SUITE", "TRAILER",
})  # fmt: skip


def split_unit(line: str) -> tuple[str, str]:
    """ "12 ELM ST APT 4B" -> ("12 ELM ST", "APT 4B"); "12 ELM ST # 4" -> ("12 ELM ST", "# 4"); else (line, "")."""
    words = line.split()
    if len(words) > 2 and words[-1].startswith("#") and len(words[-1]) > 1:
        return " ".join(words[:-1]), words[-1]
    if len(words) > 3 and (words[-2].upper().rstrip(".") in UNIT_DESIGNATORS or words[-2] == "#"):
        return " ".join(words[:-2]), " ".join(words[-2:])
    return line, ""


# A household's fields travel joined by these; in the data they become spaces (_plain).
SEPARATOR, PEOPLE = "\x1f", "\x1e"
RESIDENCE, MAILING = "R", "M"


def _plain(field: str) -> Func:
    return Func(
        F(field), Value(SEPARATOR + PEOPLE), Value("  "), function="translate", output_field=TextField()
    )


def _address(prefix: str, line: str, unit: str, kind: str):
    # ZIP first, so that ordering by the address orders by ZIP; the kind last, to read it back.
    parts = [
        _plain(f"{prefix}_zip"),
        _plain(line),
        _plain(unit) if unit else Value(""),
        _plain(f"{prefix}_city"),
    ]
    parts += [_plain(f"{prefix}_state"), Value(kind)]
    pieces = [parts[0]]
    for part in parts[1:]:
        pieces += [Value(SEPARATOR), part]
    return Concat(*pieces, output_field=TextField())


# One row per household, grouped and sorted in the database: its address (the first member's by
# rank, then voter ID), its members' names joined in voter ID order, its size. Sorting by bytes
# (collation "C") orders digits as any collation would, and several times faster.
PERSON = SEPARATOR
HOUSEHOLDS = f"""
    SELECT h.address, h.names, h.size FROM (
        SELECT v.key, (array_agg(v.address ORDER BY v.rank, v.voter_id))[1] AS address,
               string_agg(concat_ws('{PERSON}', v.first_name, v.last_name, v.suffix), '{PEOPLE}'
                          ORDER BY v.voter_id) AS names,
               count(*) AS size
        FROM (%s) v (key, address, rank, voter_id, first_name, last_name, suffix)
        GROUP BY v.key
    ) h
    ORDER BY h.address COLLATE "C", h.key COLLATE "C"
"""  # noqa: S608 (constants around the queryset's own SQL)


def mail_rows(voters: QuerySet, *, chunk_size: int = 5000) -> Iterator[list]:
    """One row per household of `voters`, sorted by ZIP for presort, streamed a chunk at a time.

    A household's address is the first member's (by voter ID) mailing address, if any member has
    one, else its residence. Address line 1 is the street address, line 2 the apartment or unit
    ("APT 4B"), as USPS allows and mail houses' CASS software reads: the voter file's unit for a
    residence; a unit written at the end of a mailing address ("12 ELM ST APT 4B") is moved to line 2.
    Households are formed, addressed and sorted in the database; Python only names and writes them.
    """
    has_mailing = Q(mailing_address__gt="")
    chosen = Case(
        When(has_mailing, then=_address("mailing", "mailing_address", "", MAILING)),
        default=_address("residence", "residence_line", "residence_unit", RESIDENCE),
        output_field=TextField(),
    )
    rank = Case(When(has_mailing, then=Value(0)), default=Value(1))
    members = (
        voters.annotate(key=_household_key(), address=chosen, rank=rank)
        .annotate(first=_plain("first_name"), last=_plain("last_name"), generation=_plain("suffix"))
        .order_by()
        .values_list("key", "address", "rank", "voter_id", "first", "last", "generation")
    )
    inner, params = members.query.sql_with_params()
    connection = connections[voters.db]
    connection.ensure_connection()
    with connection.chunked_cursor() as cursor:
        cursor.execute(HOUSEHOLDS % inner, params)
        while chunk := cursor.fetchmany(chunk_size):
            for address, names, size in chunk:
                zip_code, line, unit, city, state, kind = address.split(SEPARATOR)
                if kind == MAILING:
                    line, unit = split_unit(line)
                five, four = split_zip(zip_code)
                if size == 1:
                    addressee = " ".join(part for part in names.split(PERSON) if part)
                else:
                    addressee = combine_names([person.split(PERSON) for person in names.split(PEOPLE)])
                yield [addressee, line, unit, city, state, five, four, size]

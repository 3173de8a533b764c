"""import_voters on files where every kind of damage comes at once, checked against the rules.

The other tests take one bad input at a time. Here seeded random files mix them, across several
read blocks: wrong column counts, missing, non-numeric, padded, too long and repeated Voter IDs,
cp1252 bytes, NUL bytes, lone carriage returns, backslashes, formula-like names, blank lines,
impossible dates, unknown counties, unreadable history, a BOM, either line ending, and a line
longer than a read block (and than any PSR line: it is rejected). Whatever the mix, the counts, the stored voters, a dry run and a
re-import must all agree with what the rules say about each line.
"""

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from django.db import connection

from contacts.voterfile.layout import CURRENT_HEADER
from contacts.voterfile.load import import_voter_file
from contacts.voterfile.unregister import MissingVoters
from tests.contacts.voter_files import report_rows, row

pytestmark = pytest.mark.django_db

COUNTIES = ["Nodaway", "Nodaway", "Atlantis", "St. Louis City"]
NAMES = ["ANN", "BOB", "JOSÉ", "ZOË", "O\\BRIEN", "=CMD()", "+1", "-X", "@SUM(A1)"]


@dataclass(frozen=True)
class Line:
    """One raw line, and what the rules say of it."""

    raw: bytes
    voter_id: int | None = None  # on a line with the right columns and a usable Voter ID
    named: int | None = None  # on a line rejected for its columns only: that voter is not missing
    first_name: str = ""
    county: str = ""


@dataclass
class MixedFile:
    lines: list[Line] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(1 for line in self.lines if line.raw.strip(b" \t"))  # blank lines are skipped

    @property
    def unique(self) -> set[int]:
        times = Counter(line.voter_id for line in self.lines if line.voter_id)
        return {voter for voter, count in times.items() if count == 1}

    @property
    def mentioned(self) -> set[int]:
        return {line.voter_id or line.named for line in self.lines} - {None}

    @property
    def counties(self) -> set[str]:
        return {line.county for line in self.lines if line.voter_id}

    def first_names(self) -> dict[int, str]:
        unique = self.unique
        return {line.voter_id: line.first_name for line in self.lines if line.voter_id in unique}

    def add(
        self, rng: random.Random, voter_id: int, *, counties=COUNTIES, last_name: str = "EXAMPLE"
    ) -> None:
        first, county = rng.choice(NAMES), rng.choice(counties)
        fields = row(
            county=county,
            voter_id=str(voter_id),
            first_name=first,
            last_name=last_name,
            house_number=rng.choice(["100", "7", "12A", "XXXXX", ""]),
            street_name=rng.choice(["MAIN", "OAK", "ELM"]),
            unit_number=rng.choice(["", "", "2"]),
            birthdate=rng.choice(["1970", "08/18/1967", "1800", "2030", "abc", ""]),
            registration_date=rng.choice(["05/06/2010", "13/45/2010", "01/01/2099", ""]),
            voter_history_2=rng.choice(["", "08/06/2024 Primary", "garbage"]),
            voter_history_5=rng.choice(["", f"0{rng.randint(1, 9)}/0{rng.randint(1, 9)}/2019 Special"]),
        )
        damage = rng.random()
        if damage < 0.04:
            fields.append("extra")
        elif damage < 0.08:
            fields.pop()
        elif damage < 0.11:
            fields[1] = ""
        elif damage < 0.14:
            fields[1] = "12x"
        elif damage < 0.15:
            fields[1] = "9" * 19
        elif damage < 0.17:
            fields[1] = f" {voter_id} "
        usable = damage >= 0.15
        raw = "\t".join(fields).encode()
        if usable and rng.random() < 0.05:  # the whole line in cp1252, with a letter ISO-8859-1 lacks
            first += "’É"
            raw = "\t".join([*fields[:2], first, *fields[3:]]).encode("cp1252", errors="replace")
        if rng.random() < 0.03:
            raw = raw.replace(b"MARYVILLE", b"MARY\rVILLE", 1)
        if first == "ANN" and rng.random() < 0.1:
            raw = raw.replace(b"\tANN\t", b"\tA\x00NN\t", 1)  # stored without the NUL
        if usable:
            self.lines.append(Line(raw, voter_id=voter_id, first_name=first, county=county))
        else:
            self.lines.append(Line(raw, named=voter_id if damage < 0.08 else None))
        if rng.random() < 0.03:
            self.lines.append(Line(rng.choice([b"", b"   ", b"\t\t", b"\t" * 53])))

    def write(self, path: Path, rng: random.Random) -> Path:
        ending = rng.choice([b"\r\n", b"\n"])
        data = ending.join(["\t".join(CURRENT_HEADER).encode(), *(line.raw for line in self.lines)]) + ending
        path.write_bytes((b"\xef\xbb\xbf" if rng.random() < 0.3 else b"") + data)
        return path


def _mixed_file(rng: random.Random, size: int) -> MixedFile:
    ids = [rng.randint(1, 10**9) for _ in range(size)]
    mixed = MixedFile()
    for voter_id in ids:
        mixed.add(rng, voter_id if rng.random() > 0.05 else rng.choice(ids))
    return mixed


def _stored() -> dict[int, tuple[str, bool, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, first_name, is_registered, county FROM contacts_voter")
        return {voter: rest for voter, *rest in cursor.fetchall()}


# As staff who confirmed every county a full edition: the rules below are the loader's, not the threshold's.
CONFIRMED = MissingVoters(unregister=True, full_editions=frozenset(COUNTIES))


def _import_with_a_dry_run_first(path: Path):
    dry = import_voter_file(path, dry_run=True, missing=CONFIRMED)
    result = import_voter_file(path, missing=CONFIRMED)
    assert dry.counts == result.counts
    return result


@pytest.mark.parametrize("seed", range(8))
def test_a_mixed_file_imports_what_the_rules_allow_and_rejects_the_rest(tmp_path, seed):
    rng = random.Random(seed)
    mixed = _mixed_file(rng, rng.randint(50, 400) if seed else 3000)
    if not seed:  # several read blocks, and one line longer than a block: longer than any PSR line
        line = mixed.lines[5]
        long = line.raw.replace(b"\tMARYVILLE\t", b"\t" + b"M" * 1_200_000 + b"\t", 1)
        if long != line.raw:  # rejected, unread into memory; its voter, if any, is damaged, not missing
            mixed.lines[5] = replace(line, raw=long, voter_id=None, named=line.voter_id or line.named)
    path = mixed.write(tmp_path / "mixed.txt", rng)

    counts = _import_with_a_dry_run_first(path).counts

    unique = mixed.unique
    assert counts.read == mixed.read
    assert counts.inserted == len(unique)
    assert counts.rejected == mixed.read - len(unique)
    rejected_lines = [issue["line"] for issue in report_rows(path) if issue["outcome"] == "rejected"]
    assert len(rejected_lines) == len(set(rejected_lines)) == counts.rejected
    assert {voter: name for voter, (name, _, _) in _stored().items()} == mixed.first_names()

    again = import_voter_file(path).counts
    assert (again.inserted, again.updated, again.unregistered) == (0, 0, 0)
    assert (again.unchanged, again.rejected) == (len(unique), counts.rejected)


@pytest.mark.parametrize("seed", range(8))
def test_a_mixed_newer_edition_adds_updates_and_unregisters_what_the_rules_say(tmp_path, seed):
    rng = random.Random(seed)
    first = _mixed_file(rng, rng.randint(50, 300))
    import_voter_file(first.write(tmp_path / "first.txt", rng))
    before = _stored()
    # The newer edition keeps most lines as they were, leaves some out, rewrites some (and may
    # cover fewer election authorities), repeats some, and adds new voters, all damaged as much.
    counties = COUNTIES if seed % 2 else COUNTIES[:2]
    newer = MixedFile()
    for line in first.lines:
        fate = rng.random()
        if line.county and line.county not in counties:
            continue
        if fate < 0.6:
            newer.lines.append(line)
        elif fate < 0.75 and (line.voter_id or line.named):
            newer.add(rng, line.voter_id or line.named, counties=counties, last_name="CHANGED")
        elif fate < 0.8:
            newer.lines += [line, line]
    for _ in range(rng.randint(0, 60)):
        newer.add(rng, rng.randint(1, 10**9), counties=counties)
    rng.shuffle(newer.lines)

    counts = _import_with_a_dry_run_first(newer.write(tmp_path / "newer.txt", rng)).counts

    unique = newer.unique
    # Only the election authorities the newer file covers lose the voters it leaves out.
    gone = {
        voter
        for voter, (*_, county) in before.items()
        if voter not in newer.mentioned and county in newer.counties
    }
    assert counts.unregistered == len(gone)
    assert counts.inserted == len(unique - set(before))
    assert counts.inserted + counts.updated + counts.unchanged == len(unique)
    stored = _stored()
    assert set(stored) == set(before) | unique
    assert {voter for voter, (_, registered, _) in stored.items() if not registered} == gone
    first_names = newer.first_names()
    for voter, (name, _, _) in stored.items():
        # Written from the newer line, or, if it was left out or rejected, as the first edition had it.
        assert name == (first_names[voter] if voter in first_names else before[voter][0])

"""Hostile files: no bad line stops an import, and a file that cannot be read at all says why."""

import random
import string

import pytest
from django.core.management import CommandError

from contacts.models import Household, ImportRun, Phone, Score, Voter
from contacts.voterfile.layout import CURRENT_HEADER
from tests.contacts.voter_files import FIXTURES, fixture_copy, report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db

HEADER = "\t".join(CURRENT_HEADER).encode()
# Random letters: PostgreSQL would compress a repeated word enough to index it.
STREET = "".join(random.Random(1).choices(string.ascii_uppercase, k=10_000))


def _line(**fields: str) -> bytes:
    return "\t".join(row(**fields)).encode()


def _psr(path, lines: list[bytes]):
    path.write_bytes(b"\r\n".join([HEADER, *lines]) + b"\r\n")
    return path


def _rejected(path) -> dict[int, str]:
    return {int(r["line"]): r["problem"] for r in report_rows(path) if r["outcome"] == "rejected"}


def _hostile_psr(path):
    """Good voters 1, 4, 8, 9 and 10 between every kind of bad line."""
    mac = b"\r".join(_line(voter_id=str(n)) for n in (5, 6, 7))  # three lines ending in CR alone
    return _psr(
        path,
        [
            _line(voter_id="1"),  # line 2
            b"x" * 200 * 1024,  # line 3: one 200 KiB field, no tabs
            _line(voter_id="3", street_name=STREET),  # line 4: a 10 KB street name
            _line(voter_id="4", last_name="NUL\x00BYTE"),  # line 5
            mac,  # line 6
            _line(voter_id="8", first_name="JOSÉ").replace("É".encode(), b"\xc9"),  # line 7: cp1252
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xff\xfe",  # lines 8 to 10: binary junk
            _line(voter_id="9", mailing_address="BOX 1\rDEPT 2"),  # line 11: a bare CR inside a field
            _line(voter_id="11", mailing_city="C" * 200 * 1024),  # line 12: a 200 KiB field, right columns
            _line(voter_id="10"),  # line 13
        ],
    )


def test_it_rejects_each_hostile_line_of_a_voter_file_and_imports_the_rest(tmp_path):
    path = _hostile_psr(tmp_path / "hostile.txt")

    output = run("import_voters", path)

    assert sorted(Voter.objects.values_list("pk", flat=True)) == [1, 4, 8, 9, 10]
    assert "inserted: 5" in output
    rejected = _rejected(path)
    assert set(rejected) == {3, 4, 6, 8, 9, 10, 12}
    assert rejected[3] == "Has 1 columns; the header has 54."
    assert rejected[4] == "Street Name is 10,000 bytes long; no field may be longer than 255."
    assert rejected[6].startswith("Has 160 columns; the header has 54.")
    assert "carriage return" in rejected[6]  # says why three lines became one
    assert rejected[12] == "Mailing City is 204,800 bytes long; no field may be longer than 255."
    assert Voter.objects.get(pk=4).last_name == "NULBYTE"
    assert Voter.objects.get(pk=8).first_name == "JOSÉ"
    assert Voter.objects.get(pk=9).mailing_address == "BOX 1\rDEPT 2"
    # The report keeps enough of a huge line to recognise it, not all of it.
    huge = next(r for r in report_rows(path) if r["line"] == "3")
    assert huge["content"].startswith("xxxx") and len(huge["content"]) < 5_000


def test_it_rejects_the_same_hostile_lines_when_voters_are_already_on_file(tmp_path):
    run("import_voters", write_psr(tmp_path / "first.txt", [row(voter_id="1"), row(voter_id="3")]))
    path = _hostile_psr(tmp_path / "hostile.txt")

    output = run("import_voters", path)

    assert "inserted: 4" in output and "unchanged: 1" in output
    assert set(_rejected(path)) == {3, 4, 6, 8, 9, 10, 12}
    # Voter 3's line is damaged, not absent: they stay registered with what was stored.
    assert Voter.objects.get(pk=3).is_registered and Voter.objects.get(pk=3).household.street_name == "MAIN"
    assert Household.objects.filter(street_name=STREET).count() == 0


def test_it_rejects_a_long_street_name_on_a_line_just_under_the_checked_length(tmp_path):
    # Nine 255-byte address fields still make a household key PostgreSQL can index.
    wide = {name: "W" * 255 for name in ("house_suffix", "pre_direction", "street_type", "post_direction",
                                         "unit_type", "unit_number", "non_standard_address", "residential_city")}  # fmt: skip
    path = _psr(
        tmp_path / "wide.txt", [_line(voter_id="21", street_name="S" * 255, **wide), _line(voter_id="22")]
    )

    output = run("import_voters", path)

    assert "inserted: 2" in output and "rejected: 0" in output


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\r".join([HEADER, _line(voter_id="1"), _line(voter_id="2")]) + b"\r", "carriage return"),
        (bytes(range(256)) * 400, "not a PSR voter file"),
        (b"\x00" * 100_000, "not a PSR voter file"),
        (b"County\tVoter ID" + b"\t" * 5 + b"y" * (2 << 20), "not a PSR voter file"),
    ],
    ids=["cr-only line endings", "binary", "nul bytes", "a header of 2 MiB"],
)
def test_it_says_why_it_cannot_read_a_voter_file_at_all(tmp_path, content, said):
    path = tmp_path / "unreadable.txt"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=said) as refused:
        run("import_voters", path)

    assert len(str(refused.value)) < 1_000
    failed = ImportRun.objects.get()
    assert failed.status == ImportRun.Status.FAILED and said in failed.error
    assert "Error." not in failed.error and not Voter.objects.exists()


# --- Phones, scores and geocodes: CSV files ------------------------------------------------------


@pytest.fixture
def voters(tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id=str(n)) for n in (11, 12, 13, 14)]))


def test_it_rejects_hostile_lines_of_a_phone_file_and_imports_the_rest(voters, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_bytes(
        b"Voter ID,Phone Number,Type,Source\r\n"
        b"11,6605550101,cell,Vendor A\r\n"  # line 2
        b"12,6605550102,cell,Vendor\rA\r\n"  # line 3: a bare CR inside a cell
        b"13," + b"9" * 200 * 1024 + b",cell,Vendor A\r\n"  # line 4: 200 KiB
        b"13,6605550103,cell,Ven\x00dor\r\n"  # line 5: a NUL byte
        b"14,6605550104,cell,Se\xf1or\r\n"  # line 6: not UTF-8
        b"\x89PNG\x00\x00\xff\xfe\r\n"  # line 7: binary junk
        b"14,6605550105,landline,Vendor A\r\n"  # line 8
    )

    output = run("import_phones", path)

    assert "inserted: 4" in output and "rejected: 3" in output
    assert sorted(Phone.objects.values_list("number", flat=True)) == [
        "6605550101", "6605550103", "6605550104", "6605550105",
    ]  # fmt: skip
    assert Phone.objects.get(number="6605550103").source == "Vendor"
    assert Phone.objects.get(number="6605550104").source == "Señor"
    rejected = _rejected(path)
    assert set(rejected) == {3, 4, 7}
    assert "carriage return" in rejected[3]
    assert "longer than" in rejected[4]
    warnings = {int(r["line"]): r["problem"] for r in report_rows(path) if r["outcome"] == "warning"}
    assert warnings[5] == "NUL bytes removed." and "cp1252" in warnings[6]


def test_it_rejects_hostile_lines_of_a_score_file_and_imports_the_rest(voters, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"voter_id,score\n11,70\n12,5\r5\n13," + b"1" * 300_000 + b"\n14,\x0040\n")

    output = run("import_scores", path)

    assert dict(Score.objects.values_list("voter_id", "value")) == {11: 70, 14: 40}
    assert "rejected: 2" in output
    assert set(_rejected(path)) == {3, 4}


def test_it_rejects_hostile_lines_of_geocoder_output_and_imports_the_rest(tmp_path):
    run("import_voters", fixture_copy("psr_sample.txt", tmp_path))
    good = (FIXTURES / "psr_sample_geocodes.csv").read_bytes().splitlines(keepends=True)
    path = tmp_path / "geocodes.csv"
    path.write_bytes(
        good[0] + b'103394741,"1 MAIN ST",Match,Exact,x\ry,"-92.2,39.0",1,L\n' + b"7" * 200_000 + b"\n"
        + b"\x00\xff\xfe\x00\n" + b"".join(good[1:])
    )  # fmt: skip

    output = run("import_geocodes", path)

    assert "updated: 1,020" in output
    assert set(_rejected(path)) == {2, 3, 4}


@pytest.mark.parametrize(
    ("command", "content", "said"),
    [
        ("import_phones", b"Voter ID,Phone Number\r11,6605550101\r12,6605550102\r", "carriage return"),
        ("import_scores", bytes(range(256)) * 400, "not a score file"),
        ("import_phones", b"voter_id,number\x00" + b"x" * (2 << 20), "not a phone file"),
        ("import_geocodes", b'"1","A",Match\r"2","B",Match\r', "carriage return"),
        ("import_geocodes", bytes(range(256)) * 400, "not Census geocoder output"),
    ],
    ids=["phones cr-only", "scores binary", "phones 2 MiB header", "geocodes cr-only", "geocodes binary"],
)
def test_it_says_why_it_cannot_read_a_csv_file_at_all(voters, tmp_path, command, content, said):
    path = tmp_path / "unreadable.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=said) as refused:
        run(command, path)

    assert len(str(refused.value)) < 1_000
    assert "Error." not in ImportRun.objects.get(path=str(path.absolute())).error

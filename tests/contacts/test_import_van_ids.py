"""The VAN ID crosswalk: VAN's "export of my list" (VANID and state voter ID) loads VAN IDs onto
voters. All or nothing: a bad line refuses the file with its line number and writes nothing, and a
file that would replace many VAN IDs already stored needs an explicit confirmation."""

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Voter
from contacts.van_ids import CONFIRM_CHANGES_ABOVE, VanIdsRefused, import_van_ids
from tests.cast import make_household, make_voter

pytestmark = pytest.mark.django_db


@pytest.fixture
def voters():
    door = make_household(None)
    return [make_voter(door, first=f"V{n}") for n in range(3)]


def crosswalk(tmp_path, text: str | bytes, name: str = "van.txt"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def van_ids() -> dict[int, int | None]:
    return dict(Voter.objects.values_list("pk", "van_id"))


def test_a_van_tab_delimited_export_sets_each_voters_van_id(tmp_path, voters, capsys):
    a, b, c = voters
    path = crosswalk(tmp_path, f"VANID\tStateFileID\tLastName\r\n101\t{a.pk}\tX\r\n102\t{b.pk}\tY\r\n")
    call_command("import_van_ids", str(path))
    assert van_ids() == {a.pk: 101, b.pk: 102, c.pk: None}
    assert "2 set" in capsys.readouterr().out
    call_command("import_van_ids", str(path))  # the same file again changes nothing
    assert van_ids() == {a.pk: 101, b.pk: 102, c.pk: None}


def test_a_comma_separated_file_with_other_header_names_is_read_too(tmp_path, voters):
    a, *_ = voters
    import_van_ids(crosswalk(tmp_path, f'"Voter ID","VAN ID"\n"{a.pk}","555"\n', "van.csv"))
    assert Voter.objects.get(pk=a.pk).van_id == 555


@pytest.mark.parametrize(
    "lines, problem",
    [
        (["101\t{a}", "abc\t{b}"], "Line 3: VANID 'abc' is not a number."),
        (["101\t{a}", "102\t=cmd|' /C calc'!A0"], "Line 3: State voter ID \"=cmd|' /C calc'!A0\" is not a number."),
        (["101\t{a}", "102\t99"], "Line 3: no voter has the state voter ID 99."),
        (["101\t{a}", "101\t{b}"], "Line 3: VANID 101 is also on line 2, for another voter."),
        (["101\t{a}", "102\t{a}"], "Line 3: the voter of line 2 again, with another VANID."),
        (["101\t{a}", "102"], "Line 3: no state voter ID."),
        (["101\t{a}", "1" * 30 + "\t{b}"], "is not a number"),
        (["101\t{a}", "102\t{b}\x00"], "Line 3: cannot be read exactly (NUL bytes removed.)"),
    ],
)  # fmt: skip
def test_a_bad_line_refuses_the_whole_file_with_its_line_number(tmp_path, voters, lines, problem):
    a, b, _ = voters
    text = "VANID\tStateFileID\n" + "\n".join(line.format(a=a.pk, b=b.pk) for line in lines) + "\n"
    with pytest.raises(VanIdsRefused) as refused:
        import_van_ids(crosswalk(tmp_path, text))
    assert problem in str(refused.value)
    assert set(van_ids().values()) == {None}


def test_a_file_without_the_two_columns_is_refused(tmp_path, voters):
    with pytest.raises(CommandError, match="VANID"):
        call_command("import_van_ids", str(crosswalk(tmp_path, "Voter ID\tName\n1\tx\n")))
    with pytest.raises(CommandError, match="empty"):
        call_command("import_van_ids", str(crosswalk(tmp_path, b"")))


def test_a_van_id_another_voter_holds_is_refused(tmp_path, voters):
    a, b, _ = voters
    Voter.objects.filter(pk=a.pk).update(van_id=101)
    with pytest.raises(VanIdsRefused, match=f"Line 2: VANID 101 belongs to voter {a.pk}"):
        import_van_ids(crosswalk(tmp_path, f"VANID\tStateFileID\n101\t{b.pk}\n"))
    # Moved in the same file, it is fine: VAN merged two records, say.
    import_van_ids(crosswalk(tmp_path, f"VANID\tStateFileID\n101\t{b.pk}\n102\t{a.pk}\n"))
    assert van_ids()[a.pk] == 102 and van_ids()[b.pk] == 101


def test_replacing_many_stored_van_ids_needs_a_confirmation(tmp_path):
    door = make_household(None)
    many = [make_voter(door) for _ in range(CONFIRM_CHANGES_ABOVE + 1)]
    for index, voter in enumerate(many):
        Voter.objects.filter(pk=voter.pk).update(van_id=1000 + index)
    text = "VANID\tStateFileID\n" + "".join(f"{5000 + i}\t{v.pk}\n" for i, v in enumerate(many))
    path = crosswalk(tmp_path, text)
    with pytest.raises(CommandError, match=f"would replace {len(many)} VAN IDs"):
        call_command("import_van_ids", str(path))
    assert Voter.objects.get(pk=many[0].pk).van_id == 1000
    call_command("import_van_ids", str(path), "--dry-run")
    assert Voter.objects.get(pk=many[0].pk).van_id == 1000
    call_command("import_van_ids", str(path), "--confirm-changes")
    assert Voter.objects.get(pk=many[0].pk).van_id == 5000

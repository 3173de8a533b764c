"""import_voters: the Missouri PSR file, both editions, every bad input, re-imports and new editions."""

from datetime import date

import pytest
from django.core.management import CommandError
from django.db import connection

from contacts.import_runs import import_data
from contacts.importing import Progress
from contacts.models import ContactAttempt, Election, Household, Voter
from contacts.voterfile.layout import CURRENT_HEADER
from tests.cast import make_user
from tests.contacts.voter_files import fixture_copy, fixture_rows, report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db


def _row_versions() -> dict[int, int]:
    """Return each voter row's xmin: it changes whenever PostgreSQL writes the row again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text::bigint FROM contacts_voter")
        return dict(cursor.fetchall())


def _keys_and_indexes() -> set[tuple]:
    """Return the keys and indexes of the voter and household tables, and the keys pointing at them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated
            FROM pg_constraint
            WHERE conrelid IN ('contacts_voter'::regclass, 'contacts_household'::regclass)
               OR confrelid IN ('contacts_voter'::regclass, 'contacts_household'::regclass)
            UNION ALL
            SELECT indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid
            FROM pg_index WHERE indrelid IN ('contacts_voter'::regclass, 'contacts_household'::regclass)
            """
        )
        return set(cursor.fetchall())


def _imported_rows() -> tuple[list[tuple], list[tuple]]:
    """Return every voter and household as stored, each voter's household named by its address."""
    voter_fields = [f.attname for f in Voter._meta.fields if f.attname not in ("household_id", "updated_at")]
    household_fields = [f.attname for f in Household._meta.fields if f.attname != "id"]
    voters = Voter.objects.values_list(*voter_fields, "household__address_key")
    return sorted(voters), sorted(Household.objects.values_list(*household_fields))


def test_it_imports_the_current_edition_and_prints_the_counts(tmp_path):
    path = fixture_copy("psr_sample.txt", tmp_path)

    output = run("import_voters", path)

    assert "rows read: 2,000" in output
    assert "inserted: 2,000" in output
    assert "no longer registered: 0" in output
    assert "rejected: 0" in output
    assert Voter.objects.count() == 2000
    # One household per door: the fixture's geocoder file has one line per address.
    assert Household.objects.count() == 1020
    voter = Voter.objects.get(pk=78119665)
    assert (voter.first_name, voter.last_name, voter.birth_year) == ("BILLY", "HERNANDEZ", 1952)
    assert voter.registered_on == date(2021, 3, 30)
    assert (voter.county, voter.precinct, voter.precinct_name, voter.split) == (
        "Boone",
        "0003",
        "COLUMBIA 2",
        "01",
    )
    assert (voter.township, voter.ward, voter.status) == ("FRANKLIN", "2", "Active")
    assert voter.congressional_district == "20 CN 3"
    assert voter.districts == ["20 CN 3", "20 LE 154", "20 SE 33"]
    household = voter.household
    assert (household.house_number, household.street_name, household.street_type) == (
        13728,
        "COBBLESTONE",
        "AVE",
    )
    assert (household.unit_type, household.unit_number, household.zip_code) == ("APT", "M", "65203")


def test_it_keeps_vote_history_as_elections_queryable_one_by_one(tmp_path):
    run("import_voters", fixture_copy("psr_sample.txt", tmp_path))
    _, rows = fixture_rows()
    general = Election.objects.get(date=date(2024, 11, 5), name="General")
    voted = {int(fields[1]) for fields in rows if "11/05/2024 General" in fields[34:]}

    assert set(Voter.objects.voted_in(general).values_list("pk", flat=True)) == voted
    voter = Voter.objects.get(pk=78177876)
    # Most recent first, as the file lists them.
    assert [Election.objects.get(pk=pk).label for pk in voter.elections] == [
        "08/06/2024 Primary", "11/03/2020 General", "11/06/2018 General", "11/08/2016 General",
    ]  # fmt: skip
    assert voter.voted_in(general) is False


def test_it_imports_the_2023_edition_with_full_birthdates(tmp_path):
    output = run("import_voters", fixture_copy("psr_sample_2023.txt", tmp_path))

    assert "inserted: 300" in output
    voter = Voter.objects.get(pk=76246074)
    assert voter.birth_year == 1967  # from 08/18/1967: only the year is kept
    assert voter.registered_on == date(2000, 2, 19)


def test_it_writes_nothing_when_the_same_file_is_imported_again(tmp_path):
    path = fixture_copy("psr_sample.txt", tmp_path)
    run("import_voters", path)
    before = _row_versions()
    households = Household.objects.count()

    output = run("import_voters", path)

    assert "inserted: 0" in output and "updated: 0" in output and "unchanged: 2,000" in output
    assert "no longer registered: 0" in output
    assert _row_versions() == before
    assert Household.objects.count() == households


def test_it_applies_a_newer_edition_changed_new_missing_and_moved(tmp_path):
    changed, moved, missing, unchanged = (
        row(voter_id=str(n), first_name=f"V{n}") for n in (101, 102, 103, 104)
    )
    run("import_voters", write_psr(tmp_path / "first.txt", [changed, moved, missing, unchanged]))
    attempt = ContactAttempt.objects.create(
        leader=make_user("leader@example.org"), voter_id=103, channel="door", result="talked",
        device_time="2026-01-10T10:00:00Z",
    )  # fmt: skip
    old_household = Voter.objects.get(pk=102).household_id

    newer = [
        row(voter_id="101", first_name="V101", voter_status="Inactive"),
        row(voter_id="102", first_name="V102", house_number="250", street_name="ELM"),
        row(voter_id="104", first_name="V104"),
        row(voter_id="105", first_name="NEW"),
    ]
    # One of four is past any threshold: only a full edition named so unregisters them.
    full = ("--unregister-missing", "--full-edition", "Nodaway")
    output = run("import_voters", write_psr(tmp_path / "second.txt", newer), *full)

    assert "inserted: 1" in output and "updated: 2" in output and "unchanged: 1" in output
    assert "no longer registered: 1" in output and "moved to another household: 1" in output
    assert Voter.objects.get(pk=101).status == "Inactive"
    mover = Voter.objects.get(pk=102)
    assert mover.household_id != old_household
    assert mover.household.street_line == "250 ELM ST"
    assert Household.objects.filter(pk=old_household).exists()  # doors are never deleted
    gone = Voter.objects.get(pk=103)
    assert gone.is_registered is False and gone.unregistered_at is not None
    assert ContactAttempt.objects.filter(pk=attempt.pk, voter=gone).exists()
    assert Voter.objects.get(pk=105).is_registered


def test_it_writes_the_same_rows_into_empty_tables_as_into_filled_ones(tmp_path):
    path = fixture_copy("psr_sample.txt", tmp_path)
    schema = _keys_and_indexes()
    run("import_voters", path)
    into_empty = _imported_rows()
    # Empty tables are emptied of keys and indexes, truncated, filled, and rebuilt as they were.
    assert _keys_and_indexes() == schema

    Voter.objects.all().delete()
    Household.objects.all().delete()
    other = row(voter_id="1", county="Worth", street_name="ELSEWHERE")
    run("import_voters", write_psr(tmp_path / "worth.txt", [other]))
    run("import_voters", path)

    voters, households = _imported_rows()
    assert [voter for voter in voters if voter[0] != 1] == into_empty[0]
    assert [household for household in households if "ELSEWHERE" not in household[0]] == into_empty[1]


def test_it_keeps_the_households_it_finds_when_there_are_no_voters(tmp_path):
    path = fixture_copy("psr_sample.txt", tmp_path)
    run("import_voters", path)
    households = dict(Household.objects.values_list("address_key", "pk"))
    Voter.objects.all().delete()

    output = run("import_voters", path)

    assert "inserted: 2,000" in output
    assert dict(Household.objects.values_list("address_key", "pk")) == households
    assert set(Voter.objects.exclude(household=None).values_list("household", flat=True)) == set(
        households.values()
    )


def test_it_registers_again_a_voter_who_comes_back(tmp_path):
    voter = row(voter_id="201")
    run("import_voters", write_psr(tmp_path / "first.txt", [voter, row(voter_id="202")]))
    full = ("--unregister-missing", "--full-edition", "Nodaway")
    run("import_voters", write_psr(tmp_path / "second.txt", [row(voter_id="202")]), *full)
    assert not Voter.objects.get(pk=201).is_registered

    output = run("import_voters", write_psr(tmp_path / "third.txt", [voter, row(voter_id="202")]))

    assert "updated: 1" in output
    back = Voter.objects.get(pk=201)
    assert back.is_registered and back.unregistered_at is None


def test_it_leaves_voters_of_counties_the_file_does_not_cover(tmp_path):
    run(
        "import_voters",
        write_psr(tmp_path / "state.txt", [row(voter_id="301"), row(voter_id="302", county="Boone")]),
    )

    output = run("import_voters", write_psr(tmp_path / "boone.txt", [row(voter_id="302", county="Boone")]))

    assert "no longer registered: 0" in output
    assert Voter.objects.get(pk=301).is_registered


def test_it_counts_a_new_editions_format_change_as_unchanged(tmp_path):
    run("import_voters", write_psr(tmp_path / "old.txt", [row(voter_id="401", birthdate="03/14/1970")]))

    output = run("import_voters", write_psr(tmp_path / "new.txt", [row(voter_id="401", birthdate="1970")]))

    assert "updated: 0" in output and "unchanged: 1" in output
    assert "unchanged: 1" in run("import_voters", tmp_path / "new.txt")


def test_it_refuses_a_file_that_is_not_a_psr_file_and_writes_nothing(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email\nAnn,ann@example.org\n")

    with pytest.raises(CommandError, match="not a PSR voter file"):
        run("import_voters", path)
    assert not Voter.objects.exists()


def test_it_refuses_a_header_without_the_voter_id_and_county(tmp_path):
    path = write_psr(tmp_path / "odd.txt", [["a", "b"]], header=["Name", "Address"])
    with pytest.raises(CommandError, match="no 'County' and 'Voter ID' columns"):
        run("import_voters", path)


def test_it_names_the_required_columns_a_file_lacks(tmp_path):
    header = [h for h in CURRENT_HEADER if h not in ("Birthdate", "SENATE DISTRICT 20")]
    fields = [value for h, value in zip(CURRENT_HEADER, row(), strict=True) if h in header]
    path = write_psr(tmp_path / "short.txt", [fields], header=header)

    with pytest.raises(CommandError) as refused:
        run("import_voters", path)

    assert "Birthdate" in str(refused.value) and "a Senate district column" in str(refused.value)
    assert not Voter.objects.exists()


def test_it_refuses_an_unknown_column(tmp_path):
    path = write_psr(tmp_path / "extra.txt", [[*row(), "x"]], header=[*CURRENT_HEADER, "Favorite Color"])
    with pytest.raises(CommandError, match="Unknown columns.*Favorite Color"):
        run("import_voters", path)


def test_it_rejects_rows_it_cannot_identify_and_imports_the_rest(tmp_path):
    good = row(voter_id="501")
    rows = [
        good,
        row(voter_id="502")[:40],  # wrong column count
        row(voter_id=""),  # no Voter ID
        row(voter_id="5O3"),  # not a number
        row(voter_id="504", first_name="FIRST", house_number="7"),
        row(voter_id="504", first_name="SECOND", house_number="9"),  # the same Voter ID twice
    ]
    path = write_psr(tmp_path / "mixed.txt", rows)
    schema = _keys_and_indexes()

    output = run("import_voters", path)

    assert "rows read: 6" in output and "inserted: 1" in output and "rejected: 5" in output
    # Into empty tables the voter table's primary key finds the Voter ID twice; the writes are
    # redone without it, and every key and index comes back as it was.
    assert _keys_and_indexes() == schema
    assert list(Voter.objects.values_list("pk", flat=True)) == [501]
    # Rejected lines make no household: only voter 501's door is there.
    assert list(Household.objects.values_list("house_number", flat=True)) == [100]
    problems = {(r["line"], r["outcome"]): r["problem"] for r in report_rows(path)}
    assert problems[("3", "rejected")] == "Has 40 columns; the header has 54."
    assert problems[("4", "rejected")] == "No Voter ID."
    assert problems[("5", "rejected")] == "Voter ID '5O3' is not a number."
    assert "Voter ID 504 appears on lines 6, 7." == problems[("6", "rejected")] == problems[("7", "rejected")]
    rejected_line = next(r for r in report_rows(path) if r["line"] == "3")
    assert rejected_line["content"].startswith("Nodaway\t502\t")


def test_it_rejects_every_line_of_a_voter_already_on_file_who_appears_twice(tmp_path):
    run("import_voters", write_psr(tmp_path / "first.txt", [row(voter_id="601"), row(voter_id="602")]))
    path = write_psr(tmp_path / "second.txt", [row(voter_id="601"), row(voter_id="602"), row(voter_id="601")])

    output = run("import_voters", path)

    assert "unchanged: 1" in output and "rejected: 2" in output and "no longer registered: 0" in output
    assert {r["line"] for r in report_rows(path)} == {"2", "4"}
    assert Voter.objects.get(pk=601).is_registered  # present, if twice: never marked gone


def test_it_keeps_a_voter_registered_when_their_line_is_damaged(tmp_path):
    run("import_voters", write_psr(tmp_path / "first.txt", [row(voter_id="701"), row(voter_id="702")]))

    run("import_voters", write_psr(tmp_path / "second.txt", [row(voter_id="701"), row(voter_id="702")[:50]]))

    assert Voter.objects.get(pk=702).is_registered


def test_it_imports_fixable_rows_with_a_warning(tmp_path):
    rows = [
        row(voter_id="801", birthdate="1812"),
        row(voter_id="802", registration_date="01/01/2999"),
        row(voter_id="803", county="Narnia"),
        row(voter_id="804", registration_date="02/30/2020"),
        row(voter_id="805", voter_history_2="SOMETIME General"),
    ]
    path = write_psr(tmp_path / "fixable.txt", rows)

    output = run("import_voters", path)

    assert "inserted: 5" in output and "warnings: 5" in output and "rejected: 0" in output
    voters = {v.pk: v for v in Voter.objects.all()}
    assert voters[801].birth_year is None
    assert voters[802].registered_on is None and voters[804].registered_on is None
    assert voters[803].county == "Narnia"
    assert len(voters[805].elections) == 1
    warnings = {r["voter_id"]: r["problem"] for r in report_rows(path) if r["outcome"] == "warning"}
    assert warnings["801"] == "Birthdate '1812' is not a possible birth year; stored as unknown."
    assert warnings["802"] == "Registration Date '01/01/2999' is not a past date; stored as unknown."
    assert warnings["803"] == "County 'Narnia' is not a Missouri election authority; kept as given."
    assert "'SOMETIME General' is not a date and an election name" in warnings["805"]


def test_it_reads_bytes_that_are_not_utf8_as_cp1252_with_a_warning(tmp_path):
    path = tmp_path / "latin.txt"
    write_psr(
        path,
        [row(voter_id="901", first_name="JOSÉ"), row(voter_id="902", last_name="PEÑA")],
        encoding="cp1252",
    )

    output = run("import_voters", path)

    assert "inserted: 2" in output and "warnings: 2" in output
    assert Voter.objects.get(pk=901).first_name == "JOSÉ"
    assert Voter.objects.get(pk=902).last_name == "PEÑA"
    assert {r["line"] for r in report_rows(path)} == {"2", "3"}
    assert "cp1252" in report_rows(path)[0]["problem"]


def test_it_takes_a_bom_crlf_or_lf_and_skips_blank_lines(tmp_path):
    bom = write_psr(tmp_path / "bom.txt", [row(voter_id="1001"), [""], row(voter_id="1002")], bom=True)
    lf = write_psr(tmp_path / "lf.txt", [row(voter_id="1003")], ending="\n")

    assert "rows read: 2" in run("import_voters", bom)
    run("import_voters", lf)

    assert set(Voter.objects.values_list("pk", flat=True)) >= {1001, 1002, 1003}


def test_it_reads_mixed_line_endings_and_keeps_a_carriage_return_inside_a_line(tmp_path):
    lines = [
        "\t".join(CURRENT_HEADER),
        "\t".join(row(voter_id="1011")),
        "\t".join(row(voter_id="1012", mailing_address="PO BOX 7\rDEPT 2")),
        "\t".join(row(voter_id="1013")),
    ]
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes((lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r\n" + lines[3] + "\r").encode())

    assert "rows read: 3" in run("import_voters", mixed)
    assert Voter.objects.get(pk=1012).mailing_address == "PO BOX 7\rDEPT 2"
    assert Voter.objects.filter(pk__in=[1011, 1013]).count() == 2
    # The line ending is not part of a line: the same rows ending in CRLF are unchanged.
    same = write_psr(tmp_path / "same.txt", [line.split("\t") for line in lines[1:]])
    assert "unchanged: 3" in run("import_voters", same)


def test_it_stores_text_that_looks_like_a_formula_as_plain_text(tmp_path):
    formula = '=HYPERLINK("http://evil.example","click")'
    attack = "=cmd|' /C calc'!A0"
    path = write_psr(
        tmp_path / "formula.txt", [row(voter_id="1101", first_name=formula, last_name="+1\\2"), [attack]]
    )

    run("import_voters", path)

    voter = Voter.objects.get(pk=1101)
    assert voter.first_name == formula and voter.last_name == "+1\\2"
    # The report is something staff open in a spreadsheet: its cells are neutralized.
    assert report_rows(path)[0]["content"] == "'" + attack


def test_it_gives_protected_voters_no_household(tmp_path):
    protected = row(voter_id="1201", house_number="XXXXX", street_name="XXXXX", street_type="")

    run("import_voters", write_psr(tmp_path / "protected.txt", [protected, row(voter_id="1202")]))

    assert Voter.objects.get(pk=1201).household is None
    assert Household.objects.count() == 1


def test_it_puts_a_unit_in_its_own_household_whatever_the_unit_type_is_called(tmp_path):
    rows = [
        row(voter_id="1301", unit_type="APT", unit_number="2"),
        row(voter_id="1302", unit_type="#", unit_number="2", residential_zipcode="64468-1234"),
        row(voter_id="1303", unit_type="APT", unit_number="3"),
    ]
    run("import_voters", write_psr(tmp_path / "units.txt", rows))

    homes = dict(Voter.objects.values_list("pk", "household_id"))
    assert homes[1301] == homes[1302] != homes[1303]


def test_it_makes_each_household_from_the_first_line_at_its_door(tmp_path):
    first = [
        row(voter_id="1311", unit_type="#", unit_number="5", precinct="NOD1"),
        row(voter_id="1312", unit_type="APT", unit_number="5", precinct="NOD2"),
    ]
    run("import_voters", write_psr(tmp_path / "first.txt", first))
    newer = [
        *first,
        row(voter_id="1313", house_number="200", unit_type="UNIT", unit_number="1"),
        row(voter_id="1314", house_number="200", unit_type="APT", unit_number="1"),
    ]
    run("import_voters", write_psr(tmp_path / "newer.txt", newer))

    doors = {h.house_number: (h.unit_type, h.precinct) for h in Household.objects.all()}
    assert doors == {100: ("#", "NOD1"), 200: ("UNIT", "NOD3")}
    assert Voter.objects.get(pk=1313).household_id == Voter.objects.get(pk=1314).household_id


def test_it_finds_columns_by_name_and_keeps_each_district_with_its_map(tmp_path):
    header = (
        list(CURRENT_HEADER[:34]) + ["CONGRESSIONAL DISTRICT 25"] + [f"Voter History {n}" for n in (1, 2, 3)]
    )
    header[0], header[1] = header[1], header[0]  # Voter ID first, County second
    values = row(voter_id="1401")
    fields = [values[1], values[0], *values[2:34], "25 CN 5", "11/05/2024 General", "08/06/2024 Primary", ""]
    run("import_voters", write_psr(tmp_path / "redrawn.txt", [fields], header=header))

    voter = Voter.objects.get(pk=1401)
    assert voter.county == "Nodaway"
    assert voter.congressional_district == "25 CN 5"  # the newest map
    assert voter.districts == ["20 CN 6", "20 LE 001", "20 SE 12", "25 CN 5"]
    assert Voter.objects.in_district("20 CN 6").get() == voter == Voter.objects.in_district("25 CN 5").get()
    assert len(voter.elections) == 2


def test_it_reads_the_2011_maps_columns_and_a_file_without_vote_history(tmp_path):
    header = [*CURRENT_HEADER[:23], *CURRENT_HEADER[24:30], "Congressional - New", "Legislative - New",
              "State Senate - New", "Voter Status"]  # fmt: skip
    values = row(voter_id="1501")
    fields = [*values[:23], *values[24:30], "CN-N 6", "LE-N 002", "SE-N 12", "Active"]

    run("import_voters", write_psr(tmp_path / "old.txt", [fields], header=header))

    voter = Voter.objects.get(pk=1501)
    assert (voter.legislative_district, voter.elections, voter.declared_party) == ("LE-N 002", [], "")


def test_it_reports_the_same_counts_in_a_dry_run_and_changes_nothing(tmp_path):
    path = fixture_copy("psr_sample.txt", tmp_path)

    dry = run("import_voters", path, "--dry-run")

    assert "dry run: nothing was changed" in dry
    assert not Voter.objects.exists() and not Household.objects.exists() and not Election.objects.exists()
    real = run("import_voters", path)
    assert dry.splitlines()[1:] == real.splitlines()[1:]


def test_it_leaves_the_database_as_it_was_when_interrupted(tmp_path):
    run("import_voters", write_psr(tmp_path / "first.txt", [row(voter_id="1601")]))
    path = fixture_copy("psr_sample.txt", tmp_path)

    def ctrl_c(progress):
        if progress.phase == "Writing voters":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_data(kind="voters", path=path, progress=Progress(sinks=[ctrl_c]))

    assert list(Voter.objects.values_list("pk", flat=True)) == [1601]
    assert Voter.objects.get(pk=1601).is_registered
    assert Household.objects.count() == 1


def test_it_leaves_empty_tables_as_they_were_when_a_first_import_is_interrupted(tmp_path):
    schema = _keys_and_indexes()

    def ctrl_c(progress):
        if progress.phase == "Writing voters":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_data(
            kind="voters", path=fixture_copy("psr_sample.txt", tmp_path), progress=Progress(sinks=[ctrl_c])
        )

    assert not Voter.objects.exists() and not Household.objects.exists()
    assert _keys_and_indexes() == schema


# --- Voters a file leaves out: previewed, and unregistered only when asked (DESIGN.md section 8) ---


def _nodaway_and_boone(tmp_path, nodaway: int = 100, boone: int = 3) -> tuple[list, list]:
    """Import a Nodaway and a Boone voter list; return both lists of rows."""
    nodaway_rows = [row(voter_id=str(1000 + n)) for n in range(nodaway)]
    boone_rows = [row(voter_id=str(5000 + n), county="Boone", street_name="BROADWAY") for n in range(boone)]
    run("import_voters", write_psr(tmp_path / "full.txt", nodaway_rows + boone_rows))
    return nodaway_rows, boone_rows


def test_a_one_row_county_file_unregisters_nobody_without_the_flag(tmp_path):
    nodaway, _ = _nodaway_and_boone(tmp_path)

    output = run("import_voters", write_psr(tmp_path / "one.txt", nodaway[:1]))

    assert "no longer registered: 0" in output
    assert Voter.objects.registered().count() == 103
    assert "Nodaway: 99 of 100 registered voters missing (99.0 %)" in output
    assert "Nobody was marked no longer registered" in output and "--unregister-missing" in output


def test_the_flag_unregisters_the_missing_voters_of_counties_within_the_threshold_only(tmp_path):
    nodaway, boone = _nodaway_and_boone(tmp_path)

    output = run(
        "import_voters", write_psr(tmp_path / "new.txt", nodaway[1:] + boone[:1]), "--unregister-missing"
    )

    assert "no longer registered: 1" in output
    assert not Voter.objects.get(pk=1000).is_registered
    # Two of Boone's three voters missing is no new edition: more likely a partial extract.
    assert set(Voter.objects.filter(county="Boone").registered().values_list("pk", flat=True)) == {
        5000, 5001, 5002,
    }  # fmt: skip
    assert "Nodaway: 1 of 100 registered voters missing (1.0 %): marked no longer registered" in output
    assert "Boone: 2 of 3 registered voters missing (66.7 %)" in output
    assert "more than 2 % of the county" in output and "--full-edition Boone" in output


def test_a_county_past_the_threshold_is_unregistered_when_named_a_full_edition(tmp_path, settings):
    nodaway, boone = _nodaway_and_boone(tmp_path)
    settings.VOTER_FILE_UNREGISTER_WARN_PERCENT = 0.5

    output = run(
        "import_voters",
        write_psr(tmp_path / "new.txt", nodaway[1:] + boone[:1]),
        "--unregister-missing",
        "--full-edition",
        "Boone",
    )

    assert "no longer registered: 2" in output  # Nodaway's 1 % is now past the threshold too
    assert set(Voter.objects.exclude(is_registered=True).values_list("pk", flat=True)) == {5001, 5002}


def test_a_partial_extract_never_unregisters_anyone(tmp_path):
    nodaway, _ = _nodaway_and_boone(tmp_path)
    changed = row(voter_id="1000", first_name="ANNA")

    output = run("import_voters", write_psr(tmp_path / "extract.txt", [changed]), "--partial")

    assert "updated: 1" in output and "no longer registered: 0" in output
    assert Voter.objects.get(pk=1000).first_name == "ANNA"
    assert Voter.objects.registered().count() == 103
    assert "missing" not in output
    with pytest.raises(CommandError, match="--partial"):
        run("import_voters", tmp_path / "extract.txt", "--partial", "--unregister-missing")


def test_a_dry_run_previews_the_same_voters_and_changes_nothing(tmp_path):
    nodaway, _ = _nodaway_and_boone(tmp_path)
    path = write_psr(tmp_path / "new.txt", nodaway[2:])

    dry = run("import_voters", path, "--dry-run", "--unregister-missing")

    assert "no longer registered: 2" in dry and "Nodaway: 2 of 100 registered voters missing (2.0 %)" in dry
    assert Voter.objects.registered().count() == 103


def test_a_voter_who_comes_back_is_registered_again_and_back_on_their_leaders_list(tmp_path, alice):
    from tests.cast import make_cycle, make_turf
    from turf.models import Entry

    nodaway, boone = _nodaway_and_boone(tmp_path)
    alice.voter = Voter.objects.get(pk=1002)  # her home stays in the new file
    alice.save(update_fields=["voter"])
    turf = make_turf(alice, cycle=make_cycle(), calls=[Voter.objects.get(pk=1000)],
                     doors=[Voter.objects.get(pk=1001)])  # fmt: skip

    output = run(
        "import_voters", write_psr(tmp_path / "new.txt", nodaway[1:] + boone), "--unregister-missing"
    )

    assert (
        "Nodaway: 1 of 100 registered voters missing (1.0 %), on 1 list entry of 1 leader (Alice)" in output
    )
    assert set(Entry.objects.listed().values_list("voter_id", flat=True)) == {1001}

    output = run("import_voters", tmp_path / "full.txt")

    assert "updated: 1" in output and "missing" not in output
    assert Voter.objects.get(pk=1000).is_registered
    assert set(Entry.objects.listed().filter(turf=turf).values_list("voter_id", "list")) == {
        (1000, "call"), (1001, "door"),
    }  # fmt: skip

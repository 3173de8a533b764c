"""import_phones and import_scores: vendor CSVs keyed by Voter ID."""

import pytest
from django.core.management import CommandError

from contacts.models import Phone, Score
from tests.contacts.voter_files import report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db


@pytest.fixture
def voters(tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id=str(n)) for n in (11, 12, 13)]))


def test_it_imports_phones_normalized_and_changes_nothing_the_second_time(voters, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text(
        "Voter ID,Phone Number,Type,Source\n"
        "11,(660) 555-0101,Cell,Vendor A\n"
        "11,1-660-555-0102,landline,Vendor A\n"
        "12,660.555.0103,,\n"
        "13,6605550104,wireless,Vendor A\n"
    )

    first = run("import_phones", path)
    second = run("import_phones", path)

    assert "inserted: 4" in first and "rejected: 0" in first
    assert "inserted: 0" in second and "updated: 0" in second and "unchanged: 4" in second
    phones = {p.number: p for p in Phone.objects.all()}
    assert phones["6605550101"].kind == "cell" and phones["6605550102"].kind == "landline"
    assert phones["6605550103"].kind == "unknown" and phones["6605550103"].source == "Vendor file"
    assert phones["6605550104"].kind == "cell"


def test_it_updates_a_phones_type_and_rejects_rows_it_cannot_use(voters, tmp_path):
    (tmp_path / "a.csv").write_text("voter_id,number,type\n11,6605550101,cell\n")
    run("import_phones", tmp_path / "a.csv")
    path = tmp_path / "b.csv"
    path.write_text(
        "voter_id,number,type\n"
        "11,6605550101,landline\n"
        "99,6605550199,cell\n"
        "12,555-0101,cell\n"
        "x12,6605550105,cell\n"
        "12,6605550106,fax\n"
        "11,6605550101,cell\n"
    )

    output = run("import_phones", path)

    assert "updated: 1" in output and "inserted: 1" in output and "rejected: 4" in output
    assert "warnings: 1" in output
    assert Phone.objects.get(number="6605550101").kind == "landline"
    issues = {(r["line"], r["outcome"]): r["problem"] for r in report_rows(path)}
    assert issues[("3", "rejected")] == "No voter has this Voter ID."
    assert issues[("4", "rejected")] == "Number '555-0101' is not a ten-digit US phone number."
    assert issues[("5", "rejected")] == "Voter ID 'x12' is not a number."
    assert issues[("6", "warning")] == "Type 'fax' is not cell or landline; stored as unknown."
    assert issues[("7", "rejected")] == "Same voter as line 2: only the first line was used."


def test_it_refuses_a_phone_file_without_the_columns_it_needs(voters, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text("name,phone\nAnn,6605550101\n")

    with pytest.raises(CommandError, match="lacks voter id"):
        run("import_phones", path)


def test_it_imports_scores_and_rejects_impossible_ones(voters, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(
        "voter_id,score,source\n11,87.5,Model 2026\n12,101,Model 2026\n13,n/a,Model 2026\n99,50,x\n"
    )

    output = run("import_scores", path)

    assert "inserted: 1" in output and "rejected: 3" in output
    assert Score.objects.get(voter_id=11).value == 88
    assert [r["problem"] for r in report_rows(path)] == [
        "Score '101' is not between 0 and 100.",
        "Score 'n/a' is not a number.",
        "No voter has this Voter ID.",
    ]


def test_it_updates_a_changed_score_and_leaves_the_rest(voters, tmp_path):
    (tmp_path / "a.csv").write_text("voter_id,score\n11,40\n12,60\n")
    run("import_scores", tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("voter_id,score\n11,45\n12,60\n")

    output = run("import_scores", tmp_path / "b.csv")

    assert "updated: 1" in output and "unchanged: 1" in output
    assert Score.objects.get(voter_id=11).value == 45


def test_it_changes_no_score_in_a_dry_run(voters, tmp_path):
    (tmp_path / "a.csv").write_text("voter_id,score\n11,40\n")

    assert "inserted: 1" in run("import_scores", tmp_path / "a.csv", "--dry-run")
    assert not Score.objects.exists()

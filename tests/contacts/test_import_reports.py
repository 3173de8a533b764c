"""Import reports: the same warnings on every import of a file, one report per run, kept private and
deleted, with the uploaded file, after the retention period."""

import hashlib
import os
import stat
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contacts import tasks
from contacts.models import Export, ImportRun, Voter
from tests.cast import make_client, make_reauthenticated_client
from tests.contacts.voter_files import FIXTURES, report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db


def _fixable_rows() -> list[list[str]]:
    return [
        row(voter_id="801", birthdate="1812"),
        row(voter_id="802", registration_date="01/01/2999"),
        row(voter_id="803", county="Narnia"),
        row(voter_id="804", house_number="12A"),
        row(voter_id="805", voter_history_2="SOMETIME General"),
        row(voter_id="806", first_name="NUL\x00"),
        row(voter_id="807"),
    ]


def _warnings(path) -> set[tuple[str, str, str]]:
    return {(r["line"], r["voter_id"], r["problem"]) for r in report_rows(path) if r["outcome"] == "warning"}


def test_a_reimport_reports_the_same_warnings_as_the_first_import(tmp_path):
    path = write_psr(tmp_path / "fixable.txt", _fixable_rows())
    first_output = run("import_voters", path)
    first = _warnings(path)

    second_output = run("import_voters", path)

    assert "warnings: 6" in first_output and len(first) == 6
    assert "unchanged: 7" in second_output and "warnings: 6" in second_output
    assert _warnings(path) == first


def test_a_reimport_reports_unchanged_rows_warnings_at_their_new_lines(tmp_path):
    run("import_voters", write_psr(tmp_path / "first.txt", _fixable_rows()))
    rows = _fixable_rows()
    rows[0] = row(voter_id="801", birthdate="1950")  # fixed at the source
    moved = write_psr(tmp_path / "second.txt", [row(voter_id="900"), *rows])

    output = run("import_voters", moved)

    assert "updated: 1" in output and "inserted: 1" in output and "warnings: 5" in output
    assert {(line, voter) for line, voter, _ in _warnings(moved)} == {
        ("4", "802"), ("5", "803"), ("6", "804"), ("7", "805"), ("8", "806"),
    }  # fmt: skip


def test_a_dry_run_reimport_reports_the_same_warnings(tmp_path):
    path = write_psr(tmp_path / "fixable.txt", _fixable_rows())
    run("import_voters", path)
    first = _warnings(path)

    run("import_voters", path, "--dry-run")

    assert _warnings(path) == first


def _report_of(client, run_: ImportRun) -> str:
    return b"".join(client.get(reverse("contacts:import_report", args=[run_.pk])).streaming_content).decode()


def test_each_run_keeps_its_own_report_on_its_page(sam, tmp_path):
    path = write_psr(tmp_path / "psr.txt", [row(voter_id="1"), row(voter_id="2")[:9]])
    run("import_voters", path)
    write_psr(path, [row(voter_id="1"), row(voter_id="3", birthdate="1812")])
    run("import_voters", path)
    first, second = ImportRun.objects.order_by("pk")
    client = make_reauthenticated_client(sam)

    assert "Has 9 columns" in _report_of(client, first) and "1812" not in _report_of(client, first)
    assert "1812" in _report_of(client, second) and "Has 9 columns" not in _report_of(client, second)
    assert (
        reverse("contacts:import_report", args=[first.pk])
        in client.get(reverse("contacts:import_detail", args=[first.pk])).text
    )
    # The command line's copy next to the input is the last run's, as the command prints.
    assert [r["voter_id"] for r in report_rows(path)] == ["3"]


def test_no_one_but_staff_gets_a_report(sam, carol, alice, cathy, tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="2")[:9]]))
    imported = ImportRun.objects.get()

    for person in (carol, alice, cathy, None):
        response = make_client(person).get(reverse("contacts:import_report", args=[imported.pk]))
        assert response.status_code in (302, 404)
    assert (
        make_reauthenticated_client(sam)
        .get(reverse("contacts:import_report", args=[imported.pk]))
        .status_code
        == 200
    )


def test_a_report_holds_voters_so_it_asks_for_the_password_again_and_is_audited(sam, tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="1"), row(voter_id="2")[:9]]))
    url = reverse("contacts:import_report", args=[ImportRun.objects.get().pk])

    asked = make_client(sam).get(url)
    assert asked.status_code == 302 and reverse("account_reauthenticate") in asked["Location"]
    assert not Export.objects.exists()

    data = b"".join(make_reauthenticated_client(sam).get(url).streaming_content)
    export = Export.objects.get()
    assert (export.user, export.kind, export.rows) == (sam, Export.Kind.REJECTS, 1)
    assert export.sha256 == hashlib.sha256(data).hexdigest() and export.finished_at is not None


@contextmanager
def _umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _upload(client, path, kind="voters"):
    with open(path, "rb") as upload:
        return client.post(reverse("contacts:imports"), {"kind": kind, "file": upload})


def test_uploads_and_reports_are_owner_only_whatever_the_umask(
    sam, tmp_path, django_capture_on_commit_callbacks
):
    bad = tmp_path / "bad.txt"
    bad.write_bytes((FIXTURES / "psr_sample_2023.txt").read_bytes() + b"Nodaway\t1\tcut short\r\n")

    with _umask(0), django_capture_on_commit_callbacks(execute=True):
        _upload(make_client(sam), bad)
        cli = write_psr(tmp_path / "cli.txt", [row(voter_id="2")[:9]])
        run("import_voters", cli)

    uploaded, from_cli = ImportRun.objects.order_by("pk")
    assert uploaded.rejected == 1 and from_cli.rejected == 1
    for kept in (uploaded.path, uploaded.report_path, from_cli.report_path, f"{cli}.rejects.csv"):
        assert _mode(kept) == 0o600, kept
    directories = {os.path.dirname(p) for p in (uploaded.path, uploaded.report_path, from_cli.report_path)}
    assert directories and all(_mode(directory) == 0o700 for directory in directories)
    assert _mode(django_settings.IMPORT_DIR) == 0o700
    # Streamed into the import directory while it arrived, then kept by a rename: nothing is left.
    assert not any((django_settings.IMPORT_DIR / "incoming").iterdir())


def _age(run_: ImportRun, days: int) -> None:
    ImportRun.objects.filter(pk=run_.pk).update(finished_at=timezone.now() - timedelta(days=days))


def test_it_deletes_uploads_and_reports_after_the_retention_period(
    sam, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORT_RETENTION_DAYS = 30
    bad = tmp_path / "bad.txt"
    bad.write_bytes((FIXTURES / "psr_sample_2023.txt").read_bytes() + b"Nodaway\t1\tcut short\r\n")
    client = make_reauthenticated_client(sam)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, bad)
        _upload(client, bad)
    old, recent = ImportRun.objects.order_by("pk")
    _age(old, 31)
    _age(recent, 29)

    out = StringIO()
    call_command("delete_expired_imports", stdout=out)

    old.refresh_from_db()
    assert not os.path.exists(old.path) and not os.path.exists(old.report_path)
    assert old.files_deleted_at is not None and (old.rows_read, old.inserted, old.rejected) == (301, 300, 1)
    assert os.path.exists(recent.path) and os.path.exists(recent.report_path)
    assert "1" in out.getvalue()
    page = client.get(reverse("contacts:import_detail", args=[old.pk])).text
    assert "deleted" in page and reverse("contacts:import_report", args=[old.pk]) not in page
    assert client.get(reverse("contacts:import_report", args=[old.pk])).status_code == 404
    # Again, as the next day's beat would: nothing more to do, nothing breaks.
    deleted_at = old.files_deleted_at
    tasks.delete_expired_import_files.delay()
    old.refresh_from_db()
    assert old.files_deleted_at == deleted_at and os.path.exists(recent.path)


def test_it_keeps_a_command_line_imports_own_file_and_deletes_its_report(settings, tmp_path):
    settings.IMPORT_RETENTION_DAYS = 7
    path = write_psr(tmp_path / "psr.txt", [row(voter_id="1"), row(voter_id="2")[:9]])
    run("import_voters", path)
    imported = ImportRun.objects.get()
    _age(imported, 8)

    call_command("delete_expired_imports", stdout=StringIO())

    imported.refresh_from_db()
    assert path.exists()  # the operator's file, outside the import directory
    assert not os.path.exists(imported.report_path) and imported.files_deleted_at is not None
    assert Voter.objects.filter(pk=1).exists()


def test_it_deletes_what_an_upload_killed_midway_left_after_a_day(settings):
    incoming = settings.IMPORT_DIR / "incoming"
    incoming.mkdir()
    stale, fresh = incoming / "tmpa.upload", incoming / "tmpb.upload"
    stale.write_text("voter lines")
    fresh.write_text("voter lines")
    day_and_a_bit_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(stale, (day_and_a_bit_ago, day_and_a_bit_ago))

    call_command("delete_expired_imports", stdout=StringIO())

    assert not stale.exists() and fresh.exists()


def test_it_leaves_a_run_that_has_not_finished(settings, tmp_path, sam, django_capture_on_commit_callbacks):
    settings.IMPORT_RETENTION_DAYS = 1
    with django_capture_on_commit_callbacks(execute=False):
        _upload(make_client(sam), FIXTURES / "psr_sample_2023.txt")
    queued = ImportRun.objects.get()
    ImportRun.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(days=5))

    call_command("delete_expired_imports", stdout=StringIO())

    queued.refresh_from_db()
    assert os.path.exists(queued.path) and queued.files_deleted_at is None


def test_beat_deletes_expired_imports_daily():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["contacts-delete-expired-imports"]
    assert schedule["task"] == "contacts.tasks.delete_expired_import_files"
    assert schedule["schedule"] == timedelta(days=1)

"""The staff pages: upload a data file, follow its import, download what it rejected."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.urls import reverse

from contacts.import_queue import BROKER_DOWN
from contacts.import_runs import import_from_disk, run_import
from contacts.importing import import_running, import_transaction
from contacts.management.import_command import stopped_as_by_ctrl_c
from contacts.models import ImportRun, Voter
from tests.cast import make_client, make_reauthenticated_client
from tests.contacts.voter_files import FIXTURES, fixture_copy, run

pytestmark = pytest.mark.django_db


def _upload(client, name="psr_sample.txt", **data):
    with open(FIXTURES / name, "rb") as upload:
        return client.post(reverse("contacts:imports"), {"kind": "voters", "file": upload, **data})


def test_it_imports_a_staff_upload_once_the_request_commits(
    sam, import_dir, django_capture_on_commit_callbacks
):
    client = make_client(sam)

    with django_capture_on_commit_callbacks() as callbacks:
        response = _upload(client)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "contacts:import_detail", args=[run.pk]
    )
    assert (
        run.status == ImportRun.Status.QUEUED and not Voter.objects.exists()
    )  # queued on commit, not before
    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_read, run.inserted, run.rejected, run.started_by) == (2000, 2000, 0, sam)
    assert Voter.objects.count() == 2000
    # Streamed to disk into the import directory, whatever its size: never held in memory.
    kept = list(import_dir.glob("*psr_sample.txt"))
    assert len(kept) == 1 and kept[0].stat().st_size == (FIXTURES / "psr_sample.txt").stat().st_size
    page = client.get(reverse("contacts:import_detail", args=[run.pk]))
    assert "Finished" in page.text and "2000" in page.text
    assert "hx-trigger" not in page.text  # nothing left to poll


def test_it_polls_a_running_import_and_shows_its_progress(sam):
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.RUNNING, file_name="psr.txt", path="/x",
        bytes_total=1000, bytes_done=250, rows_read=50_000, rows_per_second=10_000, phase="Reading the file",
    )  # fmt: skip

    with import_transaction(dry_run=True):  # as the import holds it while it runs
        fragment = make_client(sam).get(reverse("contacts:import_progress", args=[run.pk]))

    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'hx-trigger="every 2s"' in fragment.text
    assert '<progress max="100" value="25"' in fragment.text
    assert "Reading the file" in fragment.text and "about 15 s to go" in fragment.text


def test_it_promises_no_time_left_once_the_file_is_read(sam):
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.RUNNING, file_name="psr.txt", path="/x",
        bytes_total=1000, bytes_done=1000, rows_read=200_000, rows_per_second=10_000, phase="Writing households",
    )  # fmt: skip

    with import_transaction(dry_run=True):
        fragment = make_client(sam).get(reverse("contacts:import_progress", args=[run.pk]))

    assert run.seconds_left is None
    assert "Writing households" in fragment.text and "All 200000 rows read" in fragment.text
    assert "to go" not in fragment.text and "% of the file read" not in fragment.text
    assert 'hx-trigger="every 2s"' in fragment.text


def test_it_counts_a_dry_run_upload_and_changes_nothing(sam, import_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(make_client(sam), dry_run="on")

    run = ImportRun.objects.get()
    assert run.dry_run and run.status == ImportRun.Status.SUCCEEDED and run.inserted == 2000
    assert not Voter.objects.exists()


def test_it_refuses_an_upload_past_the_size_cap_and_keeps_nothing(sam, settings, import_dir):
    settings.VOTER_FILE_MAX_UPLOAD_BYTES = 10_000

    response = _upload(make_client(sam))

    assert response.status_code == 413
    assert "larger than" in response.text
    assert not ImportRun.objects.exists()
    assert not import_dir.exists() or not any(import_dir.iterdir())


def test_it_fails_a_file_that_is_not_a_voter_file_with_the_reason(
    sam, import_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(make_client(sam), name="psr_sample_geocodes.csv")

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED and "not a PSR voter file" in run.error
    page = make_client(sam).get(reverse("contacts:import_detail", args=[run.pk]))
    assert "stopped and changed nothing" in page.text


def test_it_serves_the_rejects_to_staff_with_formulas_neutralized(
    sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    bad = tmp_path / "bad.txt"
    bad.write_bytes((FIXTURES / "psr_sample.txt").read_bytes() + b"=cmd|' /C calc'!A0\r\n")
    with open(bad, "rb") as upload, django_capture_on_commit_callbacks(execute=True):
        make_client(sam).post(reverse("contacts:imports"), {"kind": "voters", "file": upload})
    run = ImportRun.objects.get()
    assert run.rejected == 1

    page = make_client(sam).get(reverse("contacts:import_detail", args=[run.pk]))
    response = make_reauthenticated_client(sam).get(reverse("contacts:import_report", args=[run.pk]))

    assert reverse("contacts:import_report", args=[run.pk]) in page.text
    assert response["Content-Disposition"] == 'attachment; filename="bad.txt.rejects.csv"'
    body = b"".join(response.streaming_content).decode()
    assert "2002,,rejected,Has 1 columns; the header has 54.,'=cmd|' /C calc'!A0" in body


def test_it_stores_nothing_other_roles_upload(carol, alice, import_dir):
    for person in (carol, alice):
        assert _upload(make_client(person)).status_code == 404
    assert not ImportRun.objects.exists()
    assert not import_dir.exists() or not any(import_dir.iterdir())


def test_it_does_nothing_when_a_finished_import_runs_again(
    sam, import_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(make_client(sam))
    run = ImportRun.objects.get()

    assert run_import(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.inserted == 2000 and run.unchanged == 0


def test_it_answers_413_without_reading_an_upload_announced_too_large(sam, settings, import_dir):
    settings.VOTER_FILE_MAX_UPLOAD_BYTES = 10_000
    client = make_client(sam)

    response = client.post(
        reverse("contacts:imports"),
        data=b"x" * 200_000,
        content_type="multipart/form-data; boundary=BOUNDARY",
    )

    assert response.status_code == 413 and "larger than" in response.text
    assert not ImportRun.objects.exists()


def test_an_upload_while_the_broker_is_down_fails_clearly_instead_of_waiting_forever(
    sam, import_dir, dead_broker, django_capture_on_commit_callbacks
):
    client = make_client(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert (run.status, run.error) == (ImportRun.Status.FAILED, BROKER_DOWN)
    assert "The task queue is down" in client.get(response["Location"]).text
    assert not Voter.objects.exists()


# --- Imports run with manage.py are listed with the uploads ---------------------------------------


def test_a_command_line_import_is_listed_with_its_counts_and_rejected_rows(sam, tmp_path):
    path = fixture_copy("psr_sample_2023.txt", tmp_path)
    with path.open("a") as stream:
        stream.write("Nodaway\t123\ta line cut short\r\n")
    run("import_voters", path)

    imported = ImportRun.objects.get()
    assert (imported.kind, imported.status, imported.started_by) == (
        "voters",
        ImportRun.Status.SUCCEEDED,
        None,
    )
    assert (imported.file_name, imported.path) == ("psr_sample_2023.txt", str(path.resolve()))
    assert (imported.rows_read, imported.inserted, imported.rejected) == (301, 300, 1)
    client = make_reauthenticated_client(sam)
    listed = client.get(reverse("contacts:imports")).text
    assert "psr_sample_2023.txt" in listed and "from the command line" in listed
    detail = client.get(reverse("contacts:import_detail", args=[imported.pk])).text
    assert f"from {path.resolve()} on the server" in detail and "hx-trigger" not in detail
    report = client.get(reverse("contacts:import_report", args=[imported.pk]))
    assert b"Has 3 columns" in b"".join(report.streaming_content)


def test_a_command_line_dry_run_leaves_no_record(tmp_path):
    run("import_voters", fixture_copy("psr_sample_2023.txt", tmp_path), "--dry-run")
    assert not ImportRun.objects.exists() and not Voter.objects.exists()


def test_a_refused_command_line_import_is_recorded_as_failed(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    with pytest.raises(CommandError, match="not a PSR voter file"):
        run("import_voters", path)
    failed = ImportRun.objects.get()
    assert failed.status == ImportRun.Status.FAILED and "not a PSR voter file" in failed.error


@pytest.mark.parametrize(
    ("phase", "status", "said", "voters"),
    [
        ("Writing voters", ImportRun.Status.FAILED, "Stopped with Ctrl-C: nothing was changed.", 0),
        ("Done", ImportRun.Status.SUCCEEDED, "Stopped with Ctrl-C once written: counts not kept.", 2000),
    ],
)
def test_a_command_line_import_stopped_with_ctrl_c_says_whether_it_changed_anything(
    tmp_path, phase, status, said, voters
):
    def ctrl_c(progress):
        if progress.phase == phase:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_from_disk(kind="voters", path=fixture_copy("psr_sample.txt", tmp_path), sinks=[ctrl_c])

    stopped = ImportRun.objects.get()
    assert (stopped.status, stopped.error) == (status, said)
    assert Voter.objects.count() == voters


def test_a_killed_command_line_import_stops_as_after_ctrl_c():
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), stopped_as_by_ctrl_c(signal.SIGTERM):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler runs between two bytecodes: this sleep never ends
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_command_line_import_keeps_the_paths_as_typed_and_records_them_whole(
    tmp_path, monkeypatch, settings
):
    fixture_copy("psr_sample_2023.txt", tmp_path)
    monkeypatch.chdir(tmp_path)
    output = run("import_voters", Path("psr_sample_2023.txt"))

    assert "Rejected rows and warnings: psr_sample_2023.txt.rejects.csv" in output
    imported = ImportRun.objects.get()
    assert imported.path == str(tmp_path / "psr_sample_2023.txt")
    # The run keeps its own report, which a later import of the same file does not overwrite.
    assert imported.report_path == str(settings.IMPORT_DIR / "reports" / f"run-{imported.pk}.rejects.csv")
    assert (tmp_path / "psr_sample_2023.txt.rejects.csv").is_file()


def test_a_retried_run_starts_its_progress_afresh(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    stale = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.RUNNING, file_name="notes.txt", path=str(path),
        bytes_total=16, bytes_done=16, rows_read=999, rows_per_second=50, phase="Writing voters",
    )  # fmt: skip

    run_import(run_id=stale.pk)

    stale.refresh_from_db()
    assert stale.status == ImportRun.Status.FAILED and "not a PSR voter file" in stale.error
    assert (stale.rows_read, stale.bytes_done, stale.rows_per_second) == (0, 0, 0)


def test_it_says_so_when_the_process_running_an_import_is_gone(sam, tmp_path):
    lost = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.RUNNING, file_name="psr.txt", path="/x",
        bytes_total=1000, bytes_done=400, rows_read=80_000, rows_per_second=10_000, phase="Reading the file",
    )  # fmt: skip
    client = make_client(sam)
    url = reverse("contacts:import_progress", args=[lost.pk])
    assert "ended before it finished" in client.get(url).text  # nobody holds the import lock

    # While an import is inside its transaction, the same run is simply running.
    with import_transaction(dry_run=True):
        assert import_running()
        fragment = client.get(url).text
    assert "ended before it finished" not in fragment and "40% of the file read" in fragment
    assert not import_running()


# --- Voters a file leaves out: previewed on the run's page, unregistered once staff confirm --------


def _registered_voters(tmp_path, *, nodaway=100, boone=3):
    """Import Nodaway's and Boone's voters from the command line; return both lists of rows."""
    from tests.contacts.voter_files import row, write_psr

    nodaway_rows = [row(voter_id=str(1000 + n)) for n in range(nodaway)]
    boone_rows = [row(voter_id=str(5000 + n), county="Boone", street_name="BROADWAY") for n in range(boone)]
    run("import_voters", write_psr(tmp_path / "full.txt", nodaway_rows + boone_rows))
    return nodaway_rows, boone_rows


def _upload_rows(client, tmp_path, rows, callbacks, **data):
    """Upload a PSR file of these rows, run its import as the worker would, and return its run."""
    from tests.contacts.voter_files import write_psr

    path = write_psr(tmp_path / f"upload-{ImportRun.objects.count()}.txt", rows)
    with callbacks(execute=True), open(path, "rb") as upload:
        response = client.post(reverse("contacts:imports"), {"kind": "voters", "file": upload, **data})
    assert response.status_code == 302
    return ImportRun.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def _confirm(client, imported, callbacks, **data):
    with callbacks(execute=True):
        return client.post(reverse("contacts:import_confirm", args=[imported.pk]), data)


def test_a_one_row_county_upload_unregisters_nobody_and_shows_what_confirming_would(
    sam, alice, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    from tests.cast import make_cycle, make_turf

    nodaway, _ = _registered_voters(tmp_path)
    alice.voter = Voter.objects.get(pk=1000)  # her home is the one row the file keeps
    alice.save(update_fields=["voter"])
    make_turf(alice, cycle=make_cycle(), calls=Voter.objects.filter(pk__in=[1001, 1002]))
    client = make_client(sam)

    uploaded = _upload_rows(client, tmp_path, nodaway[:1], django_capture_on_commit_callbacks)

    assert (uploaded.status, uploaded.unregistered) == (ImportRun.Status.SUCCEEDED, 0)
    assert Voter.objects.registered().count() == 103
    page = client.get(reverse("contacts:import_detail", args=[uploaded.pk])).text
    assert "Registered voters this file leaves out" in page
    county = page.split('<th scope="row">Nodaway</th>', 1)[1].split("</tr>", 1)[0]
    assert (
        '<td data-label="Registered">100</td>' in county
        and '<td data-label="Left out">99 (99.0 %)</td>' in county
    )
    assert "2 entries on the lists of 1 leader: Alice (2)" in county
    assert (
        "This file names 1 of Nodaway's 100 registered voters. Confirming it as Nodaway's full list would "
        "mark 99 (99.0 %) no longer registered: more than the 2 % a new edition drops. 2 entries would "
        "leave the lists of 1 leader."
    ) in " ".join(page.split())
    assert 'action="' + reverse("contacts:import_confirm", args=[uploaded.pk]) + '"' in page


def test_staff_confirm_and_only_then_the_missing_voters_are_unregistered(
    sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    nodaway, boone = _registered_voters(tmp_path)
    client = make_client(sam)
    uploaded = _upload_rows(client, tmp_path, nodaway[1:] + boone[:1], django_capture_on_commit_callbacks)
    assert Voter.objects.registered().count() == 103

    refused = _confirm(client, uploaded, django_capture_on_commit_callbacks)  # the box left unticked
    assert refused.status_code == 400 and ImportRun.objects.count() == 2
    response = _confirm(client, uploaded, django_capture_on_commit_callbacks, confirm="on")

    confirmed = ImportRun.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse(
        "contacts:import_detail", args=[confirmed.pk]
    )
    assert (confirmed.confirms, confirmed.started_by, confirmed.status) == (uploaded, sam, "succeeded")
    assert confirmed.unregistered == 1 and not Voter.objects.get(pk=1000).is_registered
    # Boone lost two of three: a partial extract unless staff say it is Boone's full list.
    assert Voter.objects.filter(county="Boone").registered().count() == 3
    assert confirmed.awaiting_confirmation

    _confirm(client, confirmed, django_capture_on_commit_callbacks, confirm="on", full_editions="Boone")

    assert ImportRun.objects.latest("pk").unregistered == 2
    assert Voter.objects.filter(county="Boone").registered().count() == 1


def test_a_partial_extract_upload_unregisters_nobody_and_asks_nothing(
    sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    nodaway, _ = _registered_voters(tmp_path)
    client = make_client(sam)

    uploaded = _upload_rows(client, tmp_path, nodaway[:1], django_capture_on_commit_callbacks, partial="on")

    assert uploaded.partial and uploaded.preview is None and not uploaded.awaiting_confirmation
    assert Voter.objects.registered().count() == 103
    page = client.get(reverse("contacts:import_detail", args=[uploaded.pk])).text
    assert "A partial extract" in page and "import_confirm" not in page
    assert _confirm(client, uploaded, django_capture_on_commit_callbacks, confirm="on").status_code == 409


def test_a_preview_cannot_be_confirmed_once_a_later_file_was_imported(
    sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    nodaway, boone = _registered_voters(tmp_path)
    client = make_client(sam)
    older = _upload_rows(client, tmp_path, nodaway[1:] + boone, django_capture_on_commit_callbacks)
    _upload_rows(client, tmp_path, nodaway + boone, django_capture_on_commit_callbacks)

    response = _confirm(client, older, django_capture_on_commit_callbacks, confirm="on")

    assert response.status_code == 409 and "A later voter file" in response.text
    assert Voter.objects.registered().count() == 103 and ImportRun.objects.count() == 3


def test_only_staff_may_confirm_an_import(
    carol, alice, sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    nodaway, boone = _registered_voters(tmp_path)
    uploaded = _upload_rows(
        make_client(sam), tmp_path, nodaway[1:] + boone, django_capture_on_commit_callbacks
    )

    for user in (carol, alice):
        assert (
            _confirm(
                make_client(user), uploaded, django_capture_on_commit_callbacks, confirm="on"
            ).status_code
            == 404
        )
    assert Voter.objects.registered().count() == 103


def test_a_replayed_or_forged_confirmation_unregisters_no_one_else(
    sam, import_dir, tmp_path, django_capture_on_commit_callbacks
):
    nodaway, boone = _registered_voters(tmp_path)
    client = make_client(sam)
    uploaded = _upload_rows(client, tmp_path, nodaway[1:] + boone[:1], django_capture_on_commit_callbacks)
    # A county that is not past the threshold, or not in the file, cannot be named a full edition.
    for forged in ("Nodaway", "Jackson"):
        answer = _confirm(
            client, uploaded, django_capture_on_commit_callbacks, confirm="on", full_editions=forged
        )
        assert answer.status_code == 400
    dry = _upload_rows(client, tmp_path, nodaway[1:], django_capture_on_commit_callbacks, dry_run="on")
    assert _confirm(client, dry, django_capture_on_commit_callbacks, confirm="on").status_code == 409

    first = _confirm(client, uploaded, django_capture_on_commit_callbacks, confirm="on")
    again = _confirm(client, uploaded, django_capture_on_commit_callbacks, confirm="on")

    assert first.status_code == 302 and again.status_code == 409
    assert ImportRun.objects.filter(confirms=uploaded).count() == 1
    assert set(Voter.objects.exclude(is_registered=True).values_list("pk", flat=True)) == {1000}

"""A staffer uploads a voter file on a phone, watches its import finish, and downloads its rejects."""

import threading
from pathlib import Path

import pytest
from django.db import connections

from contacts import tasks
from contacts.models import ImportRun, Voter
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.cast import PASSWORD
from tests.contacts.voter_files import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch):
    """A task worker that takes the queued import only when the test says so, as a busy one would."""
    go, threads = threading.Event(), []

    def run_later(run_id):
        def work():
            go.wait(30)
            try:
                tasks.run_import_task(run_id)
            finally:
                connections.close_all()

        threads.append(threading.Thread(target=work))
        threads[-1].start()

    monkeypatch.setattr(tasks.run_import_task, "delay", run_later)
    yield go
    go.set()
    for thread in threads:
        thread.join(30)


def test_a_staffer_uploads_a_voter_file_follows_it_and_downloads_its_rejects(
    page, sam, settings, tmp_path, worker
):
    settings.IMPORT_DIR = tmp_path / "imports"
    upload = tmp_path / "psr_october.txt"
    upload.write_bytes((FIXTURES / "psr_sample.txt").read_bytes() + b"=cmd|' /C calc'!A0\r\n")

    sign_in_with_a_code(page, sam)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Voter file").click()
    page.get_by_label("What is it?").select_option(label="Voter file (PSR)")
    page.get_by_label("File:", exact=True).set_input_files(upload)
    page.get_by_role("button", name="Upload and import").click()

    page.get_by_role("heading", name="Voter file (PSR): psr_october.txt").wait_for()
    page.get_by_text("Waiting to start").wait_for()
    assert page.get_by_role("progressbar", name="Share of the file read").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.evaluate("window.stillTheSamePage = true")

    worker.set()  # the worker takes the import; the page polls and shows how it ended, unreloaded
    page.get_by_text("Finished", exact=True).wait_for(timeout=20_000)
    assert page.evaluate("window.stillTheSamePage === true")
    counts = page.get_by_role("table", name="What the import did")
    assert counts.get_by_role("row", name="Rows read").inner_text().split() == ["Rows", "read", "2001"]
    assert counts.get_by_role("row", name="Inserted").inner_text().split() == ["Inserted", "2000"]
    assert counts.get_by_role("row", name="Rejected").inner_text().split() == ["Rejected", "1"]
    assert Voter.objects.count() == 2000 and ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The rows are voters': the password again first, then the file.
    page.get_by_role("link", name="Download the rejected rows and warnings (CSV)").click()
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirm").click()
    assert download.value.suggested_filename == "psr_october.txt.rejects.csv"
    rejects = Path(download.value.path()).read_text(encoding="utf-8")
    # The rejected line comes back whole, its formula neutralized for a spreadsheet.
    assert "2002,,rejected,Has 1 columns; the header has 54.,'=cmd|' /C calc'!A0" in rejects


def test_a_staffer_sees_who_a_new_edition_leaves_out_and_confirms_before_anyone_is_unregistered(
    page, sam, settings, tmp_path, worker
):
    from tests.contacts.voter_files import row, run, write_psr

    settings.IMPORT_DIR = tmp_path / "imports"
    voters = [row(voter_id=str(1000 + n)) for n in range(100)]
    run("import_voters", write_psr(tmp_path / "psr_june.txt", voters))
    upload = write_psr(tmp_path / "psr_october.txt", voters[1:])
    worker.set()

    sign_in_with_a_code(page, sam)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Voter file").click()
    page.get_by_label("File:", exact=True).set_input_files(upload)
    page.get_by_role("button", name="Upload and import").click()

    preview = page.get_by_role("table", name="Voters left out, by county")
    preview.wait_for(timeout=20_000)
    assert preview.get_by_role("row", name="Nodaway").inner_text().split() == [
        "Nodaway", "100", "1", "(1.0", "%)", "none", "still", "registered",
    ]  # fmt: skip
    assert Voter.objects.registered().count() == 100  # nothing happens before staff say so
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("I have checked these numbers").check()
    page.get_by_role("button", name="Mark them no longer registered").click()

    page.get_by_text("Finished", exact=True).wait_for(timeout=20_000)
    counts = page.get_by_role("table", name="What the import did")
    assert counts.get_by_role("row", name="No longer registered").inner_text().split()[-1] == "1"
    assert not Voter.objects.get(pk=1000).is_registered
    assert ImportRun.objects.latest("pk").confirms == ImportRun.objects.get(
        file_name="psr_october.txt", confirms=None
    )

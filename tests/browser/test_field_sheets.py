"""A full call list and door list printed on Letter paper: few pages, nothing to embarrass the party."""

import os
import re

import pytest
from django.urls import reverse

from contacts.models import Score, Voter
from tests.cast import MARYVILLE, make_cycle, make_leader, make_neighborhood, offset
from tests.sign_in import sign_in_browser
from turf.models import Entry
from turf.services import turf_cut_for_leader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_DIR = os.environ.get("SHEET_PDF_DIR")  # set it to keep the PDFs and screenshots and look at them
# A party guess and its reason; the ID scale's key ("5 Strong Rep") is the leader's, and stays.
WORDS_NOT_FOR_PAPER = re.compile(r"likely|score|model|republican|democrat", re.IGNORECASE)


@pytest.fixture
def full_turf(settings):
    """A leader with the program's full lists: 50 to call, about 100 voters at about 58 doors."""
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 50, 100
    make_cycle()
    # Doors of one, two and three voters, as a real neighborhood has.
    make_neighborhood(MARYVILLE, households=30, unknowns=2)
    make_neighborhood(offset(MARYVILLE, 20, 20), households=25, unknowns=1)
    make_neighborhood(offset(MARYVILLE, -20, 20), households=10, unknowns=3)
    # The vendor's model says some of the unknowns lean Republican: the walk list holds them anyway.
    for voter in Voter.objects.filter(score__isnull=True, phones__isnull=True)[::4]:
        Score.objects.create(voter=voter, value=20)
    Voter.objects.filter(pk__in=Voter.objects.order_by("pk")[:8].values("pk")).update(
        first_name="MARY-ELIZABETH", last_name="VANDERHOEVEN-WASHINGTON"
    )
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert turf.entries.calls().count() == 50
    assert turf.entries.doors().count() == 100
    return turf


def printed(page, url: str, name: str) -> tuple[int, int, str]:
    """Print a sheet to a Letter PDF: its page count, its HTML's bytes, and the text on paper."""
    response = page.goto(url)
    assert response.status == 200
    html_bytes = len(response.body())
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    if PDF_DIR:
        with open(os.path.join(PDF_DIR, f"{name}.pdf"), "wb") as out:
            out.write(pdf)
        page.set_viewport_size({"width": 816, "height": 1056})
        page.screenshot(path=os.path.join(PDF_DIR, f"{name}.png"))
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)), html_bytes, page.inner_text("body")


def test_a_full_walk_sheet_and_call_sheet_fit_a_few_pages_and_say_nothing_about_party(
    page, live_server, full_turf
):
    sign_in_browser(page, full_turf.leader, live_server.url)
    walk_pages, walk_bytes, walk_text = printed(
        page, reverse("field:walk_sheet", args=[full_turf.pk]), "walk"
    )
    call_pages, call_bytes, call_text = printed(
        page, reverse("field:call_sheet", args=[full_turf.pk]), "call"
    )
    assert walk_pages <= 6, f"the walk sheet prints on {walk_pages} pages"
    assert call_pages <= 4, f"the call sheet prints on {call_pages} pages"
    # Before: 594 kB and 500 kB, a base64 QR image per door.
    assert walk_bytes < 200_000 and call_bytes < 200_000, (walk_bytes, call_bytes)
    assert WORDS_NOT_FOR_PAPER.findall(walk_text) == []
    assert WORDS_NOT_FOR_PAPER.findall(call_text) == []


def test_the_walk_sheet_numbers_doors_as_the_paper_entry_page_does(page, live_server, full_turf, carol):
    """The coordinator typing a sheet in finds door 7 of the sheet as door 7 of the page."""
    sign_in_browser(page, carol, live_server.url)
    page.goto(reverse("field:walk_sheet", args=[full_turf.pk]))
    sheet = [
        (number.strip(), address.strip())
        for number, address in zip(
            page.locator(".door .door-number").all_inner_texts(),
            page.locator(".door .address").all_inner_texts(),
            strict=True,
        )
    ]
    page.goto(reverse("field:paper", args=[full_turf.pk]))
    typed = [
        (row.locator(".door-number").inner_text().strip(), row.locator(".paper-address").inner_text().strip())
        for row in page.locator(".paper-table tbody tr").all()
    ]
    doors = full_turf.entries.filter(list=Entry.List.DOOR).values("household").distinct().count()
    assert len(sheet) == doors
    assert sheet == typed

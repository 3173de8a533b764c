"""The turf map and the paper sheets in the real browser, printed to PDF as a leader would."""

import os
import re

import pytest
from django.urls import reverse

from tests.cast import MARYVILLE, make_cycle, make_leader, make_neighborhood, make_user
from tests.sign_in import sign_in_browser
from turf.services import turf_cut_for_leader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_DIR = os.environ.get("TURF_PDF_DIR")  # set it to keep the PDFs and look at them


@pytest.fixture
def turf(settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 12, 24
    # Tiles from a server that is not there (and never the internet): the map must still show the points.
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    settings.SECURE_CSP = {**settings.SECURE_CSP, "img-src": ["'self'", "data:", "http://127.0.0.1:9"]}
    make_cycle()
    make_neighborhood(MARYVILLE, households=30)
    return turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))


def csp_violations(page) -> list[str]:
    found = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return found


def test_the_map_shows_every_door_when_the_tiles_cannot_load(page, live_server, turf):
    sam = make_user("sam@example.org", role="staff")
    violations = csp_violations(page)
    sign_in_browser(page, sam, live_server.url)
    page.goto(reverse("turf:detail", args=[turf.pk]))
    page.locator("#turf-map.turf-map-ready").wait_for()
    doors = turf.entries.values("list", "household").distinct().count()
    # One circle per door on each list, plus the leader's home.
    assert page.locator("#turf-map path.leaflet-interactive").count() == doors + 1
    page.get_by_text("The map background could not load").wait_for()
    if PDF_DIR:
        page.locator("#turf-map").screenshot(path=os.path.join(PDF_DIR, "map.png"))
    assert violations == []


def _pdf_pages(page, url: str, name: str) -> int:
    page.goto(url)
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert not page.locator(".topbar").is_visible()
    pdf = page.pdf(format="Letter", print_background=True, prefer_css_page_size=True)
    if PDF_DIR:
        with open(os.path.join(PDF_DIR, f"{name}.pdf"), "wb") as out:
            out.write(pdf)
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_walk_and_call_sheets_print_as_clean_pages(page, live_server, turf):
    violations = csp_violations(page)
    sign_in_browser(page, turf.leader, live_server.url)
    walk_pages = _pdf_pages(page, reverse("field:walk_sheet", args=[turf.pk]), "walk_sheet")
    # No door box is cut in two by a page break.
    tops = page.eval_on_selector_all("article.door", "els => els.map(e => getComputedStyle(e).breakInside)")
    assert set(tops) == {"avoid"}
    assert 1 <= walk_pages <= 12
    call_pages = _pdf_pages(page, reverse("field:call_sheet", args=[turf.pk]), "call_sheet")
    assert 1 <= call_pages <= 12
    assert page.locator(".phones").first.is_visible()
    assert page.locator("svg.qr").count() == turf.entries.calls().values("household").distinct().count()
    assert violations == []

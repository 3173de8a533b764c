"""Every page a leader, a coordinator and staff reach fits a 320 px and a 360 px phone, and passes axe.

Page zoom at 200 % in a 640-px-wide window lays a page out in a viewport of 320 CSS pixels (the
page sees `innerWidth == 320` and its media queries match as at 320 px), so the 320 px run is the
200 % zoom check too. Emulating zoom with `deviceScaleFactor` would only sharpen the pixels, and CSS
`zoom` on the body would leave the viewport at 640 px: neither is what a zoomed browser lays out.
"""

import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt, ImportRun, Suppression
from leaders.models import ApiToken, Invitation, User
from tests.axe import AxeViolations
from tests.cast import (
    MARYVILLE,
    make_carol,
    make_cycle,
    make_gathering,
    make_household,
    make_leader,
    make_sam,
    make_turf,
    make_voter,
    offset,
)
from tests.sign_in import sign_in_browser
from tests.test_access import ROUTES
from turf.models import Change

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 360)
# Names, emails and streets as long as real ones get, with no space to break at.
LONG_EMAIL = "maximiliana.vanderhoeven-washington.neighbors@northwest-missouri-democrats.example.org"
LONG_STREET = "Martin Luther King Junior Memorial"


def make_world() -> SimpleNamespace:
    """A leader known by her long email alone, her lists of long names, and what organizers see of her."""
    cycle = make_cycle()
    leader = make_leader(LONG_EMAIL, MARYVILLE, street=LONG_STREET)
    User.objects.filter(pk=leader.pk).update(first_name="", last_name="")  # signed up without a name
    leader.refresh_from_db()
    homes = [
        make_household(offset(MARYVILLE, 0, 40 * i), street=LONG_STREET, number=10_000 + 2 * i)
        for i in range(2)
    ]
    doors = [
        make_voter(home, first="MARY-ELIZABETH-JOSEPHINE", last="VANDERHOEVEN-WASHINGTON-MONTGOMERY")
        for home in homes
        for _ in range(2)
    ]
    callees = [
        make_voter(make_household(offset(MARYVILLE, 40 * i, 0), street=LONG_STREET), phone=True, score=80,
                   first="BARTHOLOMEW-ALEXANDER", last="FITZGERALD-KOWALCZYK-OYELARAN")
        for i in range(3)
    ]  # fmt: skip
    turf = make_turf(leader, cycle=cycle, calls=callees, doors=doors)
    waiting = make_leader(
        "nina.waiting.for.approval.from.her.coordinator@example.org", offset(MARYVILLE, 300, 0)
    )
    report = Path(tempfile.mkdtemp()) / "psr-statewide-edition-2026-11-01-full.txt.rejects.csv"
    report.write_text("line,voter_id,outcome,problem,content\n2,,rejected,No Voter ID.,\n")
    sam = make_sam()
    left_out = {"county": "Nodaway", "registered": 15_000, "named": 14_000, "missing": 1_000, "percent": 6.7,
                "entries": 12, "leader_count": 2, "unregistered": False, "past_threshold": True,
                "leaders": [{"name": LONG_EMAIL, "entries": 10}, {"name": "Bob", "entries": 2}]}  # fmt: skip
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.SUCCEEDED, started_by=sam,
        file_name=report.name.removesuffix(".rejects.csv"), path=str(report.with_suffix("")),
        report_path=str(report), rows_read=15_001, inserted=14_000, rejected=1,
        preview={"counties": [left_out], "threshold": 2.0},
    )  # fmt: skip
    carol = make_carol()
    Suppression.objects.create(voter=doors[0], reason="moved", created_by=leader)
    Suppression.objects.create(voter=callees[2], reason="hostile", created_by=leader)
    Invitation.objects.create(
        first_name="Maximiliana-Evangelina", last_name="Vanderhoeven-Washington", email=LONG_EMAIL.replace("max", "eva"),
        county="Nodaway", invited_by=carol, token_hash=Invitation.hash_token(Invitation.new_token()),
        expires_at=timezone.now() + Invitation.lifetime(),
    )  # fmt: skip
    ApiToken.issue(user=leader, name="Grandson-Bartholomew-Alexanders-old-Android-phone")
    # Calls and knocks so far: the household's history table and the screens' history lists.
    ContactAttempt.objects.create(leader=leader, household=homes[0], channel="door", result="not_home",
                                  device_time=timezone.now(), entered_by=carol)  # fmt: skip
    ContactAttempt.objects.create(leader=leader, voter=doors[1], household=homes[0], channel="door",
                                  result="talked", device_time=timezone.now())  # fmt: skip
    ContactAttempt.objects.create(leader=leader, voter=callees[0], channel="phone", result="left_message",
                                  device_time=timezone.now())  # fmt: skip
    Change.objects.create(turf=turf, leader=leader, actor=carol, action=Change.Action.ADD,
                          added=[voter.pk for voter in doors], note="Her street, as she asked at the gathering")  # fmt: skip
    return SimpleNamespace(leader=leader, carol=carol, sam=sam, turf=turf, home=homes[0], callee=callees[0],
                           gathering=make_gathering(leader), waiting=waiting, run=run)  # fmt: skip


# The pages each person walks: (url name, its arguments from the world).
LEADER_PAGES = [
    ("home", []), ("field:calls", []), ("field:call", ["callee"]), ("field:doors", []), ("field:knock", ["home"]),
    ("turf:detail", ["turf"]), ("field:call_sheet", ["turf"]), ("field:walk_sheet", ["turf"]),
    ("turf:household", ["home"]), ("turf:find_me", []), ("events:gathering_new", []), ("events:gathering", ["gathering"]),
    ("events:gathering_edit", ["gathering"]), ("leaders:devices", []), ("leaders:person_devices", ["leader"]),
    ("account_email", []), ("account_change_password", []), ("mfa_index", []),
]  # fmt: skip
ORGANIZER_PAGES = [
    ("home", []), ("turf:index", []), ("turf:detail", ["turf"]), ("field:paper", ["turf"]), ("field:call_sheet", ["turf"]),
    ("field:walk_sheet", ["turf"]), ("turf:household", ["home"]), ("turf:link_home", ["waiting"]),
    ("events:gathering", ["gathering"]), ("contacts:reports", []), ("contacts:suppressions", []),
    ("leaders:invitations", []), ("leaders:devices", []), ("leaders:person_devices", ["leader"]),
    ("account_email", []), ("account_change_password", []), ("mfa_index", []),
]  # fmt: skip
STAFF_PAGES = ORGANIZER_PAGES + [("contacts:imports", []), ("contacts:import_detail", ["run"])]
VISITOR_PAGES = [("account_login", []), ("account_reset_password", []), ("account_signup", [])]
WALKS = {"leader": LEADER_PAGES, "carol": ORGANIZER_PAGES, "sam": STAFF_PAGES, "visitor": VISITOR_PAGES}
# What tests/test_access.py calls each walker, and the pages of theirs that are no page to look at:
# health JSON, redirects, the service worker, a progress fragment, a CSV download.
PERSONA = {"leader": "alice", "carol": "carol", "sam": "sam"}
NOT_PAGES = {"healthz", "leaders:join", "turf:mine", "field:service_worker", "contacts:import_progress",
             "contacts:import_report"}  # fmt: skip

# Whatever sticks out past the right edge of the viewport, unless a focusable region scrolls it on purpose;
# and headings whose words do not fit their box.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) found.push(`the page is ${page} px wide`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '') + ` "${(el.innerText || '').trim().split('\\n')[0].slice(0, 40)}"`;
  const clipper = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return up;
    }
    return null;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right <= width + 0.5) continue;
    if (el.parentElement.getBoundingClientRect().right > width + 0.5) continue;  // its parent is named
    const clip = clipper(el);
    const style = clip && getComputedStyle(clip).overflowX;
    if (clip && (style === 'hidden' || style === 'clip')) continue;  // a map's tiles
    if (clip && clip.tabIndex >= 0) continue;  // a region the keyboard can scroll, on purpose
    found.push(`${name(el)} ends at ${Math.round(right)} px${clip ? ' inside ' + name(clip) : ''}`);
  }
  for (const heading of document.querySelectorAll('h1, h2, h3')) {
    if (heading.scrollWidth > heading.clientWidth + 1) found.push(`${name(heading)} is cut off`);
  }
  return found.slice(0, 8);
}"""


def walk(page, urls: list[str]) -> list[str]:
    """Open each page at each width; return what does not fit and what axe found."""
    problems = []
    for url in urls:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 640})
            response = page.goto(url)
            assert response.status == 200, f"{url}: {response.status}"
            problems += [f"{url} at {width} px: {found}" for found in page.evaluate(OVERFLOW)]
            try:
                page.axe.check(page, again=False)
            except AxeViolations as violations:
                problems.append(f"at {width} px: {violations}")
            assert page.axe.checked[-1].endswith(url), f"axe did not check {url}"
    return problems


def urls(world: SimpleNamespace, pages: list[tuple[str, list[str]]]) -> list[str]:
    return [reverse(name, args=[getattr(world, arg).pk for arg in args]) for name, args in pages]


@pytest.mark.parametrize("walker", ["leader", "carol", "sam"])
def test_every_page_fits_a_phone_and_passes_axe(page, live_server, walker):
    world = make_world()
    sign_in_browser(page, getattr(world, walker), live_server.url)
    problems = walk(page, urls(world, WALKS[walker]))
    assert not problems, "\n".join(problems)


def test_sign_in_sign_up_and_a_reset_fit_a_phone_and_pass_axe(page, settings):
    settings.ACCOUNT_ALLOW_SIGNUPS = True  # else sign-up is a page saying it is closed
    problems = walk(page, urls(SimpleNamespace(), VISITOR_PAGES))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("walker", ["leader", "carol", "sam"])
def test_the_walk_takes_in_every_page_of_the_urlconf(walker):
    walked = {name for name, _ in WALKS[walker]}
    theirs = {
        route.name
        for route in ROUTES
        if route.method == "get" and PERSONA[walker] in route.allowed and route.name not in NOT_PAGES
    }
    assert theirs - walked == set(), f"{walker} reaches pages the walk skips"

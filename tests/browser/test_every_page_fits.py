"""Every page a leader, a coordinator and staff reach fits a 320 px and a 360 px phone, and passes axe.

Page zoom at 200 % in a 640-px-wide window lays a page out in a viewport of 320 CSS pixels (the
page sees `innerWidth == 320` and its media queries match as at 320 px), so the 320 px run is the
200 % zoom check too. Emulating zoom with `deviceScaleFactor` would only sharpen the pixels, and CSS
`zoom` on the body would leave the viewport at 640 px: neither is what a zoomed browser lays out.
"""

import tempfile
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt, Export, ImportRun, PlausibilityFlag, Suppression
from contacts.rollup import rollup_ids
from dashboard.models import Goal
from events.mailings import unsubscribe_token
from events.models import Attendee, Booking, Mailing, Speaker, StoppedAddress
from events.models import Invitation as GuestInvitation
from leaders.models import ApiToken, Invitation, User
from leaders.pipeline import add_prospect, profile_for
from tests.axe import AxeViolations
from tests.candidates.races import make_candidacy, make_race
from tests.cast import (
    MARYVILLE,
    make_carol,
    make_cathy,
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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "shared", "shared_reader"]),
]

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
    world = SimpleNamespace(leader=leader, carol=carol, sam=sam, turf=turf, home=homes[0], callee=callees[0],
                            gathering=make_gathering(leader), waiting=waiting, run=run)  # fmt: skip
    add_the_new_pages_world(world, callees)
    return world


def add_the_new_pages_world(world: SimpleNamespace, callees: list) -> None:
    """Her gathering's invitees and speaker, her prospect, a race with candidacies, goals, an export, a rollup."""
    gathering = world.gathering
    invitation = GuestInvitation.objects.create(
        gathering=gathering,
        voter=callees[0],
        invited_by=world.leader,
        email=LONG_EMAIL.replace("max", "bart"),
    )
    seated = GuestInvitation.objects.create(gathering=gathering, voter=callees[1], invited_by=world.leader,
                                            rsvp=GuestInvitation.Rsvp.YES, phone="6605550123",
                                            email=LONG_EMAIL.replace("max", "seat"))  # fmt: skip
    # The host's page at its longest: a guest seated from the waitlist whose address bounced.
    StoppedAddress.objects.create(address=seated.email, reason=StoppedAddress.Reason.BOUNCED)
    Mailing.objects.create(invitation=seated, kind=Mailing.Kind.SEAT, sequence=gathering.sequence)
    world.invitation = invitation
    world.rsvp_token = invitation.link_token()
    world.unsubscribe_token = unsubscribe_token(invitation.email)
    world.speaker = Speaker.objects.create(
        name="Representative Maximiliana Vanderhoeven-Washington", email=LONG_EMAIL.replace("max", "rep")
    )
    starts = gathering.starts_at
    Booking.objects.create(
        speaker=world.speaker, gathering=gathering, starts_at=starts, ends_at=starts + timedelta(hours=1),
        busy=DateTimeTZRange(starts, starts + timedelta(hours=1)), booked_by=world.sam,
    )  # fmt: skip
    profile_for(world.leader)  # her place in the recruitment tree, above her prospect
    world.prospect = add_prospect(
        first_name="Maximiliana-Evangelina", last_name="Vanderhoeven-Washington", county="Nodaway",
        email=LONG_EMAIL.replace("max", "pro"), recruiter=world.leader, origin="gathering",
    )  # fmt: skip
    Attendee.objects.create(  # a walk-in who said yes to leading: the gathering recruits
        gathering=gathering, origin=Attendee.Origin.WALK_IN, name="Maximiliana-Evangelina Vanderhoeven-Washington",
        address=f"10000 {LONG_STREET} Street", phone="6605550100", checked_in_at=timezone.now(),
        checked_in_by=world.leader, ask=Attendee.Ask.YES, prospect=world.prospect, asked_at=timezone.now(),
    )  # fmt: skip
    world.cathy = make_cathy()
    world.race = make_race(world.sam)
    world.candidacy = make_candidacy(world.sam, world.race, candidate=world.cathy,
                                     name="Maximiliana-Evangelina Vanderhoeven-Washington")  # fmt: skip
    make_candidacy(
        world.sam, world.race, name="Bartholomew-Alexander Fitzgerald-Kowalczyk", is_democrat=False
    )
    world.export = Export.objects.create(user=world.sam, kind="van", file_name="van-" + "nodaway-" * 6 + ".csv",
                                         filters={"county": "Nodaway"})  # fmt: skip
    world.goal = Goal.objects.create(cycle=world.turf.cycle, due=date(2028, 6, 1), active_leaders=1000)
    Goal.objects.create(cycle=world.turf.cycle, due=date(2028, 8, 1), active_leaders=40, county="Nodaway")
    rollup_ids()  # the shared ID database's first run
    world.county = "nodaway"
    world.followup_list = "stalled"  # a follow-up list's "show all" pages
    knocks = list(ContactAttempt.objects.filter(leader=world.leader, channel="door"))
    world.flag = PlausibilityFlag.objects.create(
        rule=PlausibilityFlag.Rule.SPEED, key="day", leader=world.leader, county="Nodaway",
        reason=f"12 doors in 9 minutes across 14 miles of Nodaway County, on {LONG_STREET} Street",
        attempt_ids=[knock.pk for knock in knocks], first_at=knocks[0].device_time, last_at=knocks[-1].device_time,
    )  # fmt: skip
    world.profile = profile_for(world.leader)


# The pages each person walks: (url name, its arguments from the world).
LEADER_PAGES = [
    ("home", []), ("field:calls", []), ("field:call", ["callee"]), ("field:doors", []), ("field:knock", ["home"]),
    ("turf:detail", ["turf"]), ("field:call_sheet", ["turf"]), ("field:walk_sheet", ["turf"]),
    ("turf:household", ["home"]), ("turf:find_me", []), ("events:gathering_new", []), ("events:gathering", ["gathering"]),
    ("events:gathering_edit", ["gathering"]), ("events:gathering_cancel", ["gathering"]),
    ("events:invitation_link", ["gathering", "invitation"]), ("field:door", ["gathering"]), ("events:tree", []),
    ("dashboard:standing", []),
    ("leaders:devices", []), ("leaders:person_devices", ["leader"]),
    ("account_email", []), ("account_change_password", []), ("mfa_index", []),
]  # fmt: skip
ORGANIZER_PAGES = [
    ("home", []), ("turf:index", []), ("turf:detail", ["turf"]), ("field:paper", ["turf"]), ("field:call_sheet", ["turf"]),
    ("field:walk_sheet", ["turf"]), ("turf:household", ["home"]), ("turf:link_home", ["waiting"]),
    ("events:gathering", ["gathering"]), ("contacts:reports", []), ("contacts:suppressions", []),
    ("leaders:invitations", []), ("leaders:prospects", []), ("leaders:profile", ["prospect"]), ("events:tree", []),
    ("dashboard:index", []), ("dashboard:county", ["county"]), ("dashboard:coverage", []),
    ("dashboard:followup", []), ("dashboard:followup_list", ["followup_list"]), ("dashboard:leaders", []), ("dashboard:leader", ["profile"]),
    ("dashboard:invite_file", []), ("dashboard:recognition", []), ("dashboard:recognition_county", ["county"]),
    ("dashboard:flags", []), ("dashboard:flag", ["flag"]),
    ("leaders:devices", []), ("leaders:person_devices", ["leader"]),
    ("account_email", []), ("account_change_password", []), ("mfa_index", []),
]  # fmt: skip
STAFF_PAGES = ORGANIZER_PAGES + [
    ("contacts:imports", []), ("contacts:import_detail", ["run"]), ("contacts:rollup", []),
    ("dashboard:goals", []), ("dashboard:goal_edit", ["goal"]),
    ("events:speakers", []), ("events:speaker_calendar", []), ("events:speaker_edit", ["speaker"]),
    ("events:gathering_speaker", ["gathering"]),
    ("candidates:races", []), ("candidates:race_new", []), ("candidates:race", ["race"]),
    ("candidates:race_edit", ["race"]), ("candidates:candidacy_new", ["race"]), ("candidates:candidacy", ["candidacy"]),
    ("candidates:candidacy_edit", ["candidacy"]), ("candidates:accounts", []), ("candidates:changes", []),
    ("candidates:exports", []), ("candidates:export", ["export"]), ("candidates:van_export", []),
]  # fmt: skip
CANDIDATE_PAGES = [
    ("home", []), ("candidates:mine", []), ("candidates:candidacy", ["candidacy"]),
    ("candidates:district", ["candidacy"]), ("candidates:mail_list", ["candidacy"]), ("leaders:devices", []),
    ("account_email", []), ("account_change_password", []), ("mfa_index", []),
]  # fmt: skip
VISITOR_PAGES = [("account_login", []), ("account_reset_password", []), ("account_signup", [])]
# An invitee's private RSVP link and the unsubscribe link of every email: the same page whoever opens it,
# walked by an anonymous visitor (tests/test_access.py lets everyone reach them).
PUBLIC_PAGES = [("events:rsvp", ["rsvp_token"]), ("events:unsubscribe", ["unsubscribe_token"])]
WALKS = {"leader": LEADER_PAGES, "carol": ORGANIZER_PAGES, "sam": STAFF_PAGES, "cathy": CANDIDATE_PAGES,
         "visitor": VISITOR_PAGES}  # fmt: skip
# What tests/test_access.py calls each walker, and the pages of theirs that are no page to look at:
# health JSON, redirects, the service worker and its JSON bundles, a progress fragment, CSV and calendar downloads.
PERSONA = {"leader": "alice", "carol": "carol", "sam": "sam", "cathy": "cathy"}
NOT_PAGES = {"healthz", "leaders:join", "turf:mine", "field:service_worker", "contacts:import_progress",
             "contacts:import_report", "events:rsvp_calendar", "events:tree_export", "candidates:exports_csv",
             "candidates:van_download", "field:offline_bundle", "dashboard:leaders_export",
             "candidates:mail_count", "candidates:mail_download"}  # fmt: skip

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
    """Each page's URL, its arguments the world's objects (by id) or strings (tokens, a county's slug)."""

    def value(arg):
        found = getattr(world, arg)
        return found if isinstance(found, str) else found.pk

    return [reverse(name, args=[value(arg) for arg in args]) for name, args in pages]


@pytest.mark.parametrize("walker", ["leader", "carol", "sam", "cathy"])
def test_every_page_fits_a_phone_and_passes_axe(page, live_server, walker):
    world = make_world()
    sign_in_browser(page, getattr(world, walker), live_server.url)
    problems = walk(page, urls(world, WALKS[walker]))
    assert not problems, "\n".join(problems)


def test_sign_in_sign_up_and_a_reset_fit_a_phone_and_pass_axe(page, settings):
    settings.ACCOUNT_ALLOW_SIGNUPS = True  # else sign-up is a page saying it is closed
    problems = walk(page, urls(SimpleNamespace(), VISITOR_PAGES))
    assert not problems, "\n".join(problems)


def test_an_invitees_rsvp_and_unsubscribe_pages_fit_a_phone_and_pass_axe(page, live_server):
    problems = walk(page, urls(make_world(), PUBLIC_PAGES))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("walker", ["leader", "carol", "sam", "cathy"])
def test_the_walk_takes_in_every_page_of_the_urlconf(walker):
    walked = {name for name, _ in WALKS[walker] + PUBLIC_PAGES}
    theirs = {
        route.name
        for route in ROUTES
        if route.method == "get" and PERSONA[walker] in route.allowed and route.name not in NOT_PAGES
    }
    assert theirs - walked == set(), f"{walker} reaches pages the walk skips"

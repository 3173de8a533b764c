"""Every URL pattern × every role: nobody reaches what is not theirs.

How to extend it when you add a route:
1. If the route needs objects, add a builder to WORLD_BUILDERS that creates them *owned by alice*
   (or by her county, Nodaway) and stores them on the world (`world.alice_turf = ...`).
2. Add a Route to ROUTES: its url name, how to build its args from the world, and who may reach it.
   Everyone not in `allowed` must get `denied` (404 by default: out of scope looks like missing).

A route of ours without a Route here fails `test_every_route_has_a_rule`, so nothing is forgotten.
Third-party routes (allauth, the admin) are covered by families at the bottom of the table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events.mailings import unsubscribe_token
from leaders.models import User
from tests.cast import make_client, make_user

# The world is built before the function-scoped settings fixtures run: hash its passwords cheaply too.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"

PROJECT_MODULES = (
    "config",
    "lib",
    "leaders",
    "contacts",
    "turf",
    "events",
    "candidates",
    "field",
    "dashboard",
)

# Who walks the routes. alice owns the objects; the others must not reach them unless allowed.
PERSONAS = {
    "anonymous": None,
    "alice": dict(email="alice@example.org", role=User.Role.LEADER),
    "bob": dict(email="bob@example.org", role=User.Role.LEADER),
    "carol": dict(email="carol@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"]),
    "dave": dict(email="dave@example.org", role=User.Role.COORDINATOR, counties=["Boone"]),
    "cathy": dict(email="cathy@example.org", role=User.Role.CANDIDATE),
    "sam": dict(email="sam@example.org", role=User.Role.STAFF),
    # Privileged people who have not set up MFA yet reach nothing but MFA set-up.
    "sam_without_mfa": dict(email="sam2@example.org", role=User.Role.STAFF, mfa=False),
    "carol_without_mfa": dict(
        email="carol2@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"], mfa=False
    ),
    "cathy_without_mfa": dict(email="cathy2@example.org", role=User.Role.CANDIDATE, mfa=False),
}
WITHOUT_MFA = {name for name in PERSONAS if name.endswith("_without_mfa")}
EVERYONE = frozenset(PERSONAS) - WITHOUT_MFA
SIGNED_IN = EVERYONE - {"anonymous"}


@dataclass(frozen=True)
class Route:
    name: str
    allowed: frozenset[str]
    args: Callable[[SimpleNamespace], list] = field(default=lambda world: [])
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] = field(default=lambda world: {})
    ok: tuple[int, ...] = (200,)
    denied: tuple[int, ...] = (404,)
    mfa_exempt: bool = False  # reachable before MFA set-up (health checks)
    read_only: frozenset[str] = frozenset()  # personas who see the object but may not act: 403
    content_type: str | None = None  # e.g. JSON for API endpoints
    anonymous: tuple[int, ...] | None = None  # an API answers 401 instead of the login redirect


# Builders add objects owned by alice (or her county) to the world. Later apps append theirs.
WORLD_BUILDERS: list[Callable[[SimpleNamespace], None]] = []


ROUTES = [
    Route("home", allowed=EVERYONE),
    Route("healthz", allowed=EVERYONE | WITHOUT_MFA, ok=(200,), mfa_exempt=True),
]


# --- the field app: alice's lists and gathering ----------------------------------------------------


def _field_world(world):
    from events.models import Invitation
    from tests.cast import make_gathering, make_lists

    world.lists = make_lists(world.alice, world.bob)
    world.gathering = make_gathering(world.alice)
    world.invitation = Invitation.objects.create(
        gathering=world.gathering, voter=world.lists.calls[0], invited_by=world.alice, email="pat@example.org"
    )


def _field_item(world) -> dict:
    import uuid

    from django.utils import timezone

    return {"uuid": str(uuid.uuid4()), "channel": "phone", "result": "no_answer",
            "device_time": timezone.now().isoformat(), "voter": world.lists.calls[0].pk}  # fmt: skip


def _field_batch(world) -> str:
    import json

    return json.dumps({"attempts": [_field_item(world)]})


WORLD_BUILDERS.append(_field_world)
LEADERS = frozenset({"alice", "bob"})
ROUTES += [
    Route("field:calls", allowed=LEADERS),
    Route("field:call", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          args=lambda w: [w.lists.calls[0].pk]),
    # Coordinators and staff may log for voters in their scope (paper sheets, calls on a leader's behalf).
    Route("field:record", method="post", allowed=frozenset({"alice", "carol", "sam"}), ok=(302,), data=_field_item),
    # Out-of-scope voters are rejected per item (tests/field/test_sync.py); roles that never record get 403.
    Route("field:sync", method="post", allowed=frozenset({"alice", "bob", "carol", "dave", "sam"}), denied=(403,),
          data=_field_batch, content_type="application/json", anonymous=(401,)),
    Route("events:gathering_new", allowed=LEADERS),
    Route("events:gathering", allowed=frozenset({"alice", "carol", "sam"}), args=lambda w: [w.gathering.pk]),
    Route("events:gathering_edit", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          args=lambda w: [w.gathering.pk]),
    Route("events:gathering_cancel", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          args=lambda w: [w.gathering.pk]),
    Route("events:gathering_invite", method="post", allowed=frozenset({"alice"}), ok=(302,),
          read_only=frozenset({"carol", "sam"}), args=lambda w: [w.gathering.pk]),
    Route("events:invitation_link", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          args=lambda w: [w.gathering.pk, w.invitation.pk]),
    # The invitee has no account: the signed link is the key, whoever holds it.
    Route("events:rsvp", allowed=EVERYONE, args=lambda w: [w.invitation.link_token()]),
    Route("events:rsvp_calendar", allowed=EVERYONE, args=lambda w: [w.invitation.link_token()]),
    Route("events:unsubscribe", allowed=EVERYONE, args=lambda w: [unsubscribe_token("pat@example.org")]),
    Route("field:service_worker", allowed=EVERYONE),
    # The pages a leader's phone keeps: only a leader's own, rendered for them.
    Route("field:offline_bundle", allowed=LEADERS, args=lambda w: ["doors"]),
]  # fmt: skip

# --- speakers and the door: staff's roster, alice's gathering -----------------------------------------


def _speakers_world(world):
    from datetime import timedelta

    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from events.models import Booking, Speaker

    world.speaker = Speaker.objects.create(name="Rep. Ada Speaker", email="ada@example.org")
    starts = world.gathering.starts_at
    world.booking = Booking.objects.create(
        speaker=world.speaker, gathering=world.gathering, starts_at=starts, ends_at=starts + timedelta(hours=1),
        busy=DateTimeTZRange(starts, starts + timedelta(hours=1)), booked_by=world.sam,
    )  # fmt: skip


def _door_batch(world) -> str:
    import json
    import uuid

    return json.dumps({"attempts": [{"uuid": str(uuid.uuid4()), "kind": "walk_in", "gathering": world.gathering.pk,
                                     "name": "Wally Walkin", "phone": "6605550100"}]})  # fmt: skip


WORLD_BUILDERS.append(_speakers_world)
SPEAKER_STAFF = frozenset({"sam"})
ROUTES += [
    Route("events:speakers", allowed=SPEAKER_STAFF),
    Route("events:speaker_calendar", allowed=SPEAKER_STAFF),
    Route("events:speaker_edit", allowed=SPEAKER_STAFF, args=lambda w: [w.speaker.pk]),
    Route("events:gathering_speaker", allowed=SPEAKER_STAFF, args=lambda w: [w.gathering.pk]),
    Route("events:booking_remove", method="post", allowed=SPEAKER_STAFF, ok=(302,), args=lambda w: [w.booking.pk]),
    Route("field:door", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          args=lambda w: [w.gathering.pk]),
    Route("field:door_post", method="post", allowed=frozenset({"alice"}), read_only=frozenset({"carol", "sam"}),
          ok=(302,), args=lambda w: [w.gathering.pk], data=lambda w: {"kind": "ask"}),
    # Someone else's gathering is refused per item (tests/field/test_door.py); roles that never record get 403.
    Route("field:door_sync", method="post", allowed=frozenset({"alice", "bob", "carol", "dave", "sam"}),
          denied=(403,), data=_door_batch, content_type="application/json", anonymous=(401,)),
]  # fmt: skip

# --- devices: alice's API token ---------------------------------------------------------------------


def _devices_world(world):
    from leaders.models import ApiToken

    world.alice_token, _ = ApiToken.issue(user=world.alice, name="Alice's phone")


WORLD_BUILDERS.append(_devices_world)
DEVICE_KEEPERS = frozenset({"alice", "carol", "sam"})  # alice's own; her coordinator's; staff's
ROUTES += [
    Route("leaders:devices", allowed=SIGNED_IN),
    Route("leaders:person_devices", allowed=DEVICE_KEEPERS, args=lambda w: [w.alice.pk]),
    # Revoking again is harmless: carol and then sam get the redirect too.
    Route("leaders:device_revoke", method="post", allowed=DEVICE_KEEPERS, ok=(302,), args=lambda w: [w.alice_token.pk]),
]  # fmt: skip

# --- turf: alice's lists in Nodaway, and nina waiting for hers ----------------------------------------


def _turf_world(world):
    from tests.cast import MARYVILLE, make_cycle, make_household, make_leader, make_turf, make_voter, offset
    from turf.models import Cycle, Turf

    cycle = Cycle.current() or make_cycle()
    world.alice_turf = Turf.objects.filter(cycle=cycle, leader=world.alice).first()
    if world.alice_turf is None:
        callee = make_voter(make_household(offset(MARYVILLE, 40, 0)), phone=True, score=80)
        world.alice_turf = make_turf(world.alice, cycle=cycle, calls=[callee],
                                     doors=[make_voter(make_household(MARYVILLE))])  # fmt: skip
    world.alice_door = world.alice_turf.entries.exclude(household=None).first().household
    world.nina = make_leader("nina@example.org", offset(MARYVILLE, 300, 300))


WORLD_BUILDERS.append(_turf_world)
TURF_STAFF = frozenset({"carol", "sam"})  # carol coordinates Nodaway, where alice lives
ROUTES += [
    Route("turf:mine", allowed=frozenset({"alice", "bob", "carol", "dave", "sam"}), ok=(302,)),
    Route("turf:index", allowed=frozenset({"carol", "dave", "sam"})),
    Route("turf:find_me", allowed=LEADERS),
    Route("turf:detail", allowed=TURF_STAFF | {"alice"}, args=lambda w: [w.alice_turf.pk]),
    Route("field:call_sheet", allowed=TURF_STAFF | {"alice"}, args=lambda w: [w.alice_turf.pk]),
    Route("field:walk_sheet", allowed=TURF_STAFF | {"alice"}, args=lambda w: [w.alice_turf.pk]),
    Route("turf:household", allowed=TURF_STAFF | {"alice"}, args=lambda w: [w.alice_door.pk]),
    Route("turf:start", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.nina.pk],
          data=lambda w: {"decision": "approve"}),
    Route("turf:link_home", allowed=TURF_STAFF, args=lambda w: [w.nina.pk]),
] + [
    # Staff and the county's coordinator change lists; alice sees her own but may not change them.
    Route(f"turf:{name}", method="post", allowed=TURF_STAFF, read_only=frozenset({"alice"}), ok=(302,),
          args=lambda w: [w.alice_turf.pk])
    for name in ("add_voters", "remove_voters", "move_voters", "lock", "recut", "quit")
]  # fmt: skip

# --- the field app under turf/: door list, knock screen, paper entry --------------------------------

ROUTES += [
    Route("field:doors", allowed=LEADERS),
    Route("field:knock", allowed=frozenset({"alice"}), read_only=TURF_STAFF, args=lambda w: [w.lists.homes[0].pk]),
    # Coordinators type in paper sheets; alice sees her turf but may not enter results for it.
    Route("field:paper", allowed=TURF_STAFF, read_only=frozenset({"alice"}), args=lambda w: [w.alice_turf.pk]),
]  # fmt: skip

# --- voter data imports: state staff only -----------------------------------------------------------


def _imports_world(world):
    import tempfile
    from pathlib import Path

    from contacts.models import ImportRun

    report = Path(tempfile.mkdtemp()) / "psr.txt.rejects.csv"
    report.write_text("line,voter_id,outcome,problem,content\n2,,rejected,No Voter ID.,\n")
    world.import_run = ImportRun.objects.create(
        kind=ImportRun.Kind.VOTERS, status=ImportRun.Status.SUCCEEDED, file_name="psr.txt",
        path=str(report.with_suffix("")), report_path=str(report), rejected=1,
    )  # fmt: skip


WORLD_BUILDERS.append(_imports_world)
IMPORT_STAFF = frozenset({"sam"})
ROUTES += [
    Route("contacts:imports", allowed=IMPORT_STAFF),
    # An upload without a file: staff get the form back with its error.
    Route("contacts:imports", method="post", allowed=IMPORT_STAFF, ok=(400,), data=lambda w: {"kind": "voters"}),
    Route("contacts:import_detail", allowed=IMPORT_STAFF, args=lambda w: [w.import_run.pk]),
    Route("contacts:import_progress", allowed=IMPORT_STAFF, args=lambda w: [w.import_run.pk]),
    Route("contacts:import_report", allowed=IMPORT_STAFF, ok=(302,), args=lambda w: [w.import_run.pk]),  # password again
    Route("contacts:rollup", allowed=IMPORT_STAFF),
    # Staff reach it; this run's file left nobody out, so there is nothing to confirm (409).
    Route("contacts:import_confirm", method="post", allowed=IMPORT_STAFF, ok=(409,),
          args=lambda w: [w.import_run.pk], data=lambda w: {"confirm": "on"}),
]  # fmt: skip

# --- reported moves and deaths: the county's coordinator and staff decide --------------------------


def _reports_world(world):
    from contacts.models import Suppression

    voter = world.alice_door.voters.first()  # in Nodaway, carol's county
    world.report = Suppression.objects.create(voter=voter, reason="moved", created_by=world.alice)


WORLD_BUILDERS.append(_reports_world)
ROUTES += [
    # dave coordinates Boone: he has the page, empty, and nothing of Nodaway to act on.
    Route("contacts:reports", allowed=frozenset({"carol", "dave", "sam"})),
] + [
    # Deciding again, or undoing what is not theirs, is harmless: carol and then sam get the redirect.
    Route(f"contacts:{name}", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.report.pk])
    for name in ("report_confirm", "report_dismiss", "report_undo")
]  # fmt: skip

# --- invitations: staff and coordinators invite; the emailed link is for anyone who holds it -------


def _invitations_world(world):
    from django.utils import timezone

    from leaders.models import Invitation

    world.invitation_token = Invitation.new_token()
    world.signup_invitation = Invitation.objects.create(
        first_name="Ida", last_name="Invited", email="ida@example.org", county="Nodaway", invited_by=world.carol,
        token_hash=Invitation.hash_token(world.invitation_token), expires_at=timezone.now() + Invitation.lifetime(),
    )  # fmt: skip


WORLD_BUILDERS.append(_invitations_world)
ROUTES += [
    Route("leaders:invitations", allowed=frozenset({"carol", "dave", "sam"})),
    # An invitation outside a coordinator's counties is refused with the form (400), never sent.
    Route("leaders:invitations", method="post", allowed=frozenset({"carol", "sam"}), ok=(302,), denied=(400, 404),
          data=lambda w: {"first_name": "Nell", "last_name": "New", "email": "nell@example.org", "county": "Nodaway"}),
    # The link opens sign-up for whoever holds it; signed-in people are sent home.
    Route("leaders:join", allowed=EVERYONE, ok=(302,), args=lambda w: [w.invitation_token]),
    # Revoking again is harmless: carol revokes, then sam gets "No change".
    Route("leaders:invitation_revoke", method="post", allowed=frozenset({"carol", "sam"}), ok=(302,),
          args=lambda w: [w.signup_invitation.pk]),
]  # fmt: skip

# --- hostile, do not contact, wrong numbers: the county's coordinator and staff review and lift ----


def _suppressions_world(world):
    from contacts.models import Suppression
    from tests.cast import MARYVILLE, make_household, make_voter, offset

    # A Nodaway neighbor on nobody's list, so the other routes' lists stay as they are.
    voter = make_voter(make_household(offset(MARYVILLE, -500, 0)))
    world.hostile = Suppression.objects.create(voter=voter, reason="hostile", created_by=world.alice)


WORLD_BUILDERS.append(_suppressions_world)
ROUTES += [
    Route("contacts:suppressions", allowed=frozenset({"carol", "dave", "sam"})),
    # Lifting what is lifted already is harmless: carol lifts it, then sam gets the redirect too.
    Route("contacts:suppression_lift", method="post", allowed=TURF_STAFF, ok=(302,),
          args=lambda w: [w.hostile.pk], data=lambda w: {"why": "Checked with the family."}),
]  # fmt: skip

# --- races, candidacies, approvals and the export audit: staff; a candidate their own candidacy ------


def _candidates_world(world):
    from contacts.models import Export
    from tests.candidates.races import make_candidacy, make_race

    world.race = make_race(world.sam)
    world.cathy_candidacy = make_candidacy(world.sam, world.race, candidate=world.cathy)
    world.export = Export.objects.create(user=world.sam, kind="van", file_name="van.csv", filters={})


WORLD_BUILDERS.append(_candidates_world)
RACE_STAFF = frozenset({"sam"})
ROUTES += [
    Route("candidates:races", allowed=RACE_STAFF),
    Route("candidates:race_new", allowed=RACE_STAFF),
    # An empty form: staff get it back with its errors, nothing written.
    Route("candidates:race_new", method="post", allowed=RACE_STAFF, ok=(400,)),
    Route("candidates:race", allowed=RACE_STAFF, args=lambda w: [w.race.pk]),
    Route("candidates:race_edit", allowed=RACE_STAFF, args=lambda w: [w.race.pk]),
    Route("candidates:candidacy_new", allowed=RACE_STAFF, args=lambda w: [w.race.pk]),
    Route("candidates:candidacy_edit", allowed=RACE_STAFF, args=lambda w: [w.cathy_candidacy.pk]),
    # Her own candidacy for cathy; cathy_without_mfa (another candidate) is sent to MFA set-up first.
    Route("candidates:candidacy", allowed=RACE_STAFF | {"cathy"}, args=lambda w: [w.cathy_candidacy.pk]),
    Route("candidates:mine", allowed=frozenset({"cathy"})),
    # Her own candidacy's district and mail lists, for cathy only (staff read the audit instead).
    Route("candidates:district", allowed=frozenset({"cathy"}), args=lambda w: [w.cathy_candidacy.pk]),
    Route("candidates:mail_list", allowed=frozenset({"cathy"}), args=lambda w: [w.cathy_candidacy.pk]),
    Route(
        "candidates:mail_count",
        allowed=frozenset({"cathy"}),
        args=lambda w: [w.cathy_candidacy.pk],
        data=lambda w: {"purpose": "gotv"},
    ),
    # Cathy is asked to confirm her password first (tests/candidates/test_mail_export.py downloads).
    Route(
        "candidates:mail_download",
        allowed=frozenset({"cathy"}),
        ok=(302,),
        args=lambda w: [w.cathy_candidacy.pk],
    ),
    Route("candidates:accounts", allowed=RACE_STAFF),
    # Approving asks staff for their password first; revoking again changes nothing: a redirect each time.
    Route(
        "candidates:account_approve",
        method="post",
        allowed=RACE_STAFF,
        ok=(302,),
        args=lambda w: [w.cathy.pk],
    ),
    Route(
        "candidates:account_revoke", method="post", allowed=RACE_STAFF, ok=(302,), args=lambda w: [w.cathy.pk]
    ),
    Route("candidates:changes", allowed=RACE_STAFF),
    Route("candidates:exports", allowed=RACE_STAFF),
    # Staff are asked to confirm their password first (tests/candidates/test_export_audit.py downloads).
    Route("candidates:exports_csv", allowed=RACE_STAFF, ok=(302,)),
    Route("candidates:export", allowed=RACE_STAFF, args=lambda w: [w.export.pk]),
    Route("candidates:van_export", allowed=RACE_STAFF),
    # Staff are asked to confirm their password first (tests/candidates/test_van_export.py downloads).
    Route("candidates:van_download", allowed=RACE_STAFF, ok=(302,)),
]  # fmt: skip


# --- the dashboard: staff see the state, coordinators their counties; staff set goals and classes ---


def _dashboard_world(world):
    from datetime import date

    from dashboard.models import Goal
    from turf.models import Cycle

    world.goal = Goal.objects.create(cycle=Cycle.current(), due=date(2028, 6, 1), active_leaders=1000)


WORLD_BUILDERS.append(_dashboard_world)
ORGANIZERS = frozenset({"carol", "dave", "sam"})
ROUTES += [
    Route("dashboard:index", allowed=ORGANIZERS),
    Route("dashboard:coverage", allowed=ORGANIZERS),
    # Nodaway is carol's county; dave's (Boone) scope does not hold it: 404 as if it did not exist.
    Route("dashboard:county", allowed=TURF_STAFF, args=lambda w: ["nodaway"]),
    # Coordinators see each county's class; only staff change it.
    Route("dashboard:county_classes", method="post", allowed=frozenset({"sam"}), read_only=ORGANIZERS - {"sam"},
          ok=(302,), data=lambda w: {"county": "Nodaway", "classed": "rural", "note": "Farms"}),
    Route("dashboard:goals", allowed=frozenset({"sam"})),
    Route("dashboard:goals", method="post", allowed=frozenset({"sam"}), ok=(302,),
          data=lambda w: {"due": "2028-07-01", "active_leaders": "2000"}),
    Route("dashboard:goal_defaults", method="post", allowed=frozenset({"sam"}), ok=(302,)),
    # Coordinators see the statewide goals on their dashboard but may not change them.
    Route("dashboard:goal_edit", allowed=frozenset({"sam"}), read_only=ORGANIZERS - {"sam"},
          args=lambda w: [w.goal.pk]),
    Route("dashboard:goal_delete", method="post", allowed=frozenset({"sam"}), read_only=ORGANIZERS - {"sam"},
          ok=(302,), args=lambda w: [w.goal.pk]),
]  # fmt: skip


# --- plausibility flags: one on alice's knocks in Nodaway, carol's county; dave's (Boone) 404s it ---


def _flag_world(world):
    from django.utils import timezone

    from contacts.models import ContactAttempt, PlausibilityFlag
    from tests.cast import make_household

    knock = ContactAttempt.objects.create(leader=world.alice, household=make_household(None), channel="door",
                                          result="talked", device_time=timezone.now())  # fmt: skip
    world.flag = PlausibilityFlag.objects.create(
        rule=PlausibilityFlag.Rule.CLOCK, key="batch", leader=world.alice, county="Nodaway",
        reason="1 contact sent together", attempt_ids=[knock.pk], first_at=knock.device_time,
        last_at=knock.device_time,
    )  # fmt: skip


WORLD_BUILDERS.append(_flag_world)
ROUTES += [
    Route("dashboard:flags", allowed=frozenset({"carol", "dave", "sam"})),
    Route("dashboard:flag", allowed=TURF_STAFF, args=lambda w: [w.flag.pk]),
    # Deciding again changes nothing: each decider is sent back to the list.
    Route("dashboard:flag_confirm", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.flag.pk]),
    Route("dashboard:flag_roll_back", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.flag.pk],
          data=lambda w: {"sure": "on"}),
]  # fmt: skip

# --- the leader pipeline and the recruitment tree: a prospect alice recruited in Nodaway ---------------


def _pipeline_world(world):
    from leaders.pipeline import add_prospect

    world.prospect = add_prospect(first_name="Pia", last_name="Prospect", email="pia@example.org",
                                  county="Nodaway", recruiter=world.alice, origin="gathering")  # fmt: skip


WORLD_BUILDERS.append(_pipeline_world)
ROUTES += [
    Route("leaders:prospects", allowed=ORGANIZERS),
    # Sending again is harmless: carol and then sam each send a new link.
    Route("leaders:prospect_invite", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.prospect.pk]),
    Route("leaders:profile", allowed=TURF_STAFF, args=lambda w: [w.prospect.pk]),
    Route("leaders:profile_stage", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.prospect.pk],
          data=lambda w: {"stage": "inactive", "reason": "No answer"}),
    Route("events:tree", allowed=ORGANIZERS | LEADERS),
    Route("events:tree_export", allowed=ORGANIZERS, ok=(302,)),  # the password again first
]  # fmt: skip

# --- managing leaders, follow-up and leaderboards: alice's profile, a yes at her gathering ---------------


def _follow_world(world):
    from django.utils import timezone

    from events.models import Attendee
    from leaders.pipeline import profile_for

    world.alice_profile = profile_for(world.alice)
    world.yes = Attendee.objects.create(
        gathering=world.gathering, origin=Attendee.Origin.WALK_IN, name="Yolanda Yes", phone="6605550100",
        checked_in_at=timezone.now(), checked_in_by=world.alice, ask=Attendee.Ask.YES, asked_at=timezone.now(),
    )  # fmt: skip


WORLD_BUILDERS.append(_follow_world)
ROUTES += [
    Route("dashboard:followup", allowed=ORGANIZERS),
    Route("dashboard:followup_list", allowed=ORGANIZERS, args=lambda w: ["stalled"]),
    Route("dashboard:yes_to_prospect", method="post", allowed=TURF_STAFF, ok=(302,), args=lambda w: [w.yes.pk]),
    Route("dashboard:leaders", allowed=ORGANIZERS),
    # Staff and coordinators confirm their password first (tests/dashboard/test_leaders.py downloads).
    Route("dashboard:leaders_export", allowed=ORGANIZERS, ok=(302,)),
    Route("dashboard:invite_file", allowed=ORGANIZERS),
    Route("dashboard:invite_file", method="post", allowed=ORGANIZERS, ok=(400,)),
    Route("dashboard:invite_file_confirm", method="post", allowed=ORGANIZERS, ok=(302,)),
    Route("dashboard:leader", allowed=TURF_STAFF, args=lambda w: [w.alice_profile.pk]),
    Route("dashboard:leader_coordinator", method="post", allowed=TURF_STAFF, ok=(302,),
          args=lambda w: [w.alice_profile.pk], data=lambda w: {"coordinator": str(w.carol.pk)}),
    Route("dashboard:leader_deactivate", method="post", allowed=TURF_STAFF, ok=(302,),
          args=lambda w: [w.alice_profile.pk], data=lambda w: {"reason": "Moved away"}),
    Route("dashboard:recognition", allowed=ORGANIZERS),
    Route("dashboard:recognition_county", allowed=TURF_STAFF, args=lambda w: ["nodaway"]),
    Route("dashboard:standing", allowed=LEADERS),
]  # fmt: skip

# Third-party routes, by family: (predicate on the url name, who reaches a page there).
ADMIN_FAMILY = "admin:"
ACCOUNT_PREFIXES = ("account_", "mfa_")


def _walk(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern):
            yield namespace, entry


def _is_ours(namespace: str, pattern: URLPattern) -> bool:
    # The admin's pages are a third-party family even where our ModelAdmins wrap their views.
    module = getattr(pattern.callback, "__module__", "")
    return module.split(".")[0] in PROJECT_MODULES and not namespace.startswith(ADMIN_FAMILY)


def project_patterns() -> dict[str, URLPattern]:
    found = {}
    for namespace, pattern in _walk(get_resolver()):
        if _is_ours(namespace, pattern):
            assert pattern.name, f"Unnamed project URL pattern {pattern.pattern}: name it."
            found[f"{namespace}{pattern.name}"] = pattern
    return found


def third_party_names() -> list[str]:
    names = []
    for namespace, pattern in _walk(get_resolver()):
        if not _is_ours(namespace, pattern) and pattern.name:
            names.append(f"{namespace}{pattern.name}")
    return names


def test_every_route_has_a_rule():
    ruled = {route.name for route in ROUTES}
    missing = sorted(set(project_patterns()) - ruled)
    stale = sorted(ruled - set(project_patterns()))
    assert not missing, f"Routes without an access rule in tests/test_access.py: {missing}"
    assert not stale, f"Rules for routes that no longer exist: {stale}"


def test_every_third_party_route_belongs_to_a_family():
    strays = [
        name
        for name in third_party_names()
        if not (name.startswith(ADMIN_FAMILY) or name.startswith(ACCOUNT_PREFIXES))
    ]
    assert not strays, f"Third-party routes no family covers: {strays}"


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """Build the world and sign everyone in once for the module, in a transaction rolled back at its end."""
    outer = transaction.atomic()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        outer.__enter__()
        people = {}
        for name, spec in PERSONAS.items():
            if spec is not None:
                spec = dict(spec)
                people[name] = make_user(spec.pop("email"), **spec)
        world = SimpleNamespace(**people)
        for build in WORLD_BUILDERS:
            build(world)
        world.sessions = {
            name: make_client(user).cookies[django_settings.SESSION_COOKIE_NAME].value
            for name, user in people.items()
        }
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(built_world, db):
    """Alice's world; what a test changes in it rolls back with the test's own transaction."""
    return built_world


@pytest.fixture(autouse=True)
def _close_the_reader():
    """Close the shared reader's own connection, which the test database's teardown would wait for."""
    yield
    connections["shared_reader"].close()


def signed_in(world, persona: str) -> Client:
    """A client with the persona's session from when the world was built (anonymous: none)."""
    client = Client()
    if persona in world.sessions:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def _assert_security_headers(response, url):
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    csp = response.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, f"{url}: CSP missing or without frame-ancestors"
    assert "default-src 'self'" in csp, url
    assert response.get("X-Content-Type-Options") == "nosniff", url
    assert response.get("Referrer-Policy") == "same-origin", url
    assert response.get("X-Frame-Options") == "DENY", url


def _request(client, route: Route, world):
    url = reverse(route.name, args=route.args(world))
    send = getattr(client, route.method)
    extra = {"content_type": route.content_type} if route.content_type else {}
    return url, send(url, route.data(world), **extra)


# Staff pages read the shared ID database too (the rollup's page), candidates' pages through its reader.
@pytest.mark.django_db(databases=["default", "shared", "shared_reader"])
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_each_role_reaches_only_what_is_theirs(route, world):
    outcomes = {}
    for persona in PERSONAS:
        client = signed_in(world, persona)
        url, response = _request(client, route, world)
        _assert_security_headers(response, url)
        location = response.get("Location", "")
        if persona in WITHOUT_MFA and not route.mfa_exempt:
            ok = response.status_code == 302 and location.startswith(reverse("mfa_activate_totp"))
            expected = "MFA set-up redirect"
        elif persona in route.allowed:
            ok = response.status_code in route.ok
            expected = f"one of {route.ok}"
        elif persona in route.read_only:
            ok = response.status_code == 403
            expected = "403 (visible but read-only)"
        elif persona == "anonymous" and route.anonymous:
            ok = response.status_code in route.anonymous
            expected = f"one of {route.anonymous}"
        elif persona == "anonymous":
            ok = response.status_code == 302 and location.startswith(reverse("account_login"))
            expected = "login redirect"
        else:
            ok = response.status_code in route.denied
            expected = f"one of {route.denied}"
        if not ok:
            outcomes[persona] = f"got {response.status_code} {location}, expected {expected}"
    assert not outcomes, f"{route.name}: {outcomes}"


def _admin_url(name: str, world) -> str | None:
    """Reverse an admin route with arguments pointing at alice's own rows."""
    from django.contrib.contenttypes.models import ContentType

    candidates = {
        "object_id": str(world.alice.pk),
        "id": str(world.alice.pk),
        "app_label": "leaders",
        "content_type_id": str(ContentType.objects.get_for_model(User).pk),
    }
    pattern = dict(project_patterns_and_third_party())[name]
    wanted = set(pattern.pattern.regex.groupindex)
    return reverse(name, kwargs={key: candidates[key] for key in wanted})


def project_patterns_and_third_party():
    for namespace, pattern in _walk(get_resolver()):
        if pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def test_only_staff_with_mfa_reach_the_admin(world):
    names = [name for name in third_party_names() if name.startswith(ADMIN_FAMILY)]
    assert "admin:index" in names and "admin:leaders_user_change" in names
    failures = []
    # One signed-in client per persona walks every admin page: no admin GET signs anyone out.
    clients = {persona: signed_in(world, persona) for persona in PERSONAS}
    for name in names:
        url = _admin_url(name, world)
        for persona, client in clients.items():
            response = client.get(url)
            _assert_security_headers(response, url)
            status = response.status_code
            if persona == "sam":
                if status >= 500:
                    failures.append(f"{name} as sam: {status}")
                elif (
                    status == 200
                    and response["Content-Type"].startswith("text/html")
                    and b"img/icon.svg" not in response.content  # else the browser asks for /favicon.ico
                ):
                    failures.append(f"{name} as sam: no icon")
            elif name in ("admin:login", "admin:logout", "admin:jsi18n"):
                # The login page sends everyone to allauth; logout and the JS catalogue expose nothing.
                if status == 200 and name == "admin:login":
                    failures.append(f"{name} as {persona}: served the admin's own login form")
            elif status == 200:
                failures.append(f"{name} as {persona}: 200")
    signed_out = [persona for persona, client in clients.items()
                  if persona != "anonymous" and client.session.get("_auth_user_id") != str(getattr(world, persona).pk)]  # fmt: skip
    assert not signed_out, (
        f"An admin page signed these people out, so later pages saw them anonymous: {signed_out}"
    )
    assert not failures, failures


def test_account_pages_are_reachable_but_mfa_pages_need_a_login(world):
    for name in third_party_names():
        if not name.startswith(ACCOUNT_PREFIXES):
            continue
        pattern = dict(project_patterns_and_third_party())[name]
        kwargs = {key: "x" for key in pattern.pattern.regex.groupindex}
        url = reverse(name, kwargs=kwargs)
        for persona in ("anonymous", "alice", "sam_without_mfa"):
            response = signed_in(world, persona).get(url)
            _assert_security_headers(response, url)
            assert response.status_code < 500, f"{name} as {persona}: {response.status_code}"
            if name.startswith("mfa_") and persona == "anonymous":
                assert response.status_code == 302, f"{name} served MFA pages to an anonymous visitor"

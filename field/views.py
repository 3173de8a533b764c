"""The leader's phone app: home, calls, doors, the knock screen, paper entry and sheets, the sync API."""

import functools
import json
import time
import uuid
from collections.abc import Callable

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from contacts import party
from contacts.attempts import DOOR_RESULTS, PHONE_RESULTS
from contacts.models import (
    ContactAttempt,
    Household,
    Phone,
    Suppression,
    Voter,
    get_households_for,
    get_voters_for,
)
from contacts.services import Recorded, contact_record_many
from events.models import Gathering, Invitation
from events.services import field_record
from field.attempts import AttemptError, read_attempt, read_posted_attempt, scope_errors
from field.forms import ID_CHOICES, PAPER_RESULTS, PaperSheetForm
from field.models import RequestCount
from leaders import views as leader_views
from leaders.models import ApiToken, User
from lib.offline import offline_page, render_pages
from turf.models import Entry, Turf, get_call_entry_for, get_turf_for
from turf.walking import Door, doors_in_walking_order, get_door_for

MAX_BATCH = 100
# The app shell the service worker keeps: every asset a field page loads.
FIELD_STATIC = [
    "css/app.css", "css/turf.css", "css/field.css", "js/htmx-2.0.11.min.js", "js/outbox-1.js",
    "js/session-1.js", "js/attempt-1.js", "js/field-1.js", "js/door-1.js", "img/icon.svg",
]  # fmt: skip
# Assets of the pages kept last (the turf map): fetched after the lists, so they never hold them up.
LATER_STATIC = ["css/leaflet-1.9.4.css", "js/leaflet-1.9.4.js", "js/turf-map.js"]
# What a leader's phone keeps for use without signal, in the order it fetches it, one request each:
# the door list and its knock screens first (a leader walks out soonest), then the calls, then the
# pages read rather than worked from (their lists, gatherings, account and security).
OFFLINE_PARTS = ("doors", "calls", "more")


def _call_entries(turf: Turf):
    return (
        Entry.objects.filter(turf=turf)
        .calls()
        .listed()
        .with_called()
        .select_related("voter")
        .order_by("distance_m", "voter__last_name", "voter__first_name", "voter_id")
    )


def _walkable_doors(turf: Turf | None) -> list[Door]:
    """The doors of a leader's door list that have an address to knock at, in walking order."""
    return [door for door in doors_in_walking_order(turf, Entry.List.DOOR) if door.household] if turf else []


def _door_screens(turf: Turf | None) -> dict[str, Callable]:
    """The knock screens of a leader's door list: {path: draw(request)}, from one load of the list."""
    doors = _walkable_doors(turf)
    return {
        reverse("field:knock", args=[door.household.pk]): functools.partial(
            _knock_page, doors=doors, here=here
        )
        for here, door in enumerate(doors)
    }


def _call_screens(turf: Turf | None) -> dict[str, Callable]:
    """The call screens of a leader's call list: {path: draw(request)}, from one load of the list."""
    if turf is None:
        return {}
    queue = _call_queue(turf)
    voters = {
        voter.pk: voter for voter in _with_likely(Voter.objects.filter(turf_entries__in=_call_entries(turf)))
    }
    return {
        reverse("field:call", args=[voter_id]): functools.partial(
            _call_page, voter=voters[voter_id], queue=queue
        )
        for voter_id, _ in queue
    }


# The two lists' parts of what a leader's phone keeps: their list pages (url names), and their screens.
LIST_PAGES = {"doors": ("home", "field:doors"), "calls": ("field:calls",)}
SCREENS = {"doors": _door_screens, "calls": _call_screens}


def _offline_lists(turf: Turf | None) -> dict[str, dict[str, list[str]]]:
    """The list pages and the screens behind them that a leader's phone keeps, per part: doors, calls."""
    screens = {
        "doors": [reverse("field:knock", args=[door.household.pk]) for door in _walkable_doors(turf)],
        "calls": [reverse("field:call", args=[voter_id]) for voter_id, _ in _call_queue(turf)]
        if turf
        else [],
    }
    return {
        part: {"lists": [reverse(name) for name in LIST_PAGES[part]], "screens": screens[part]}
        for part in SCREENS
    }


def _offline_part(user, part: str) -> tuple[list[str], dict[str, Callable]]:
    """The pages of one part of what a leader's phone keeps, list pages first, and how to draw some."""
    if part in SCREENS:
        turf = Turf.objects.active_for(user).first()
        screens = SCREENS[part](turf)
        return [*(reverse(name) for name in LIST_PAGES[part]), *screens], screens
    gatherings = Gathering.objects.visible_to(user).filter(host=user).upcoming().order_by("starts_at")
    return [
        reverse("turf:mine"),
        *(reverse("events:gathering", args=[gathering.pk]) for gathering in gatherings),
        reverse("account_email"),
        reverse("mfa_index"),
        reverse("leaders:devices"),
    ], {}


def _next_door(turf: Turf) -> Door | None:
    """The first door in walking order that the leader has not knocked yet."""
    door_list = _walkable_doors(turf)
    knocked = turf.knocked_doors(door.household.pk for door in door_list)
    return next((door for door in door_list if door.household.pk not in knocked), None)


# --- home -----------------------------------------------------------------------------------------


def home(request):
    """Leaders get their field home screen; everyone else the page their role starts from."""
    user = request.user
    if user.is_authenticated and (user.is_coordinator or user.is_state_staff):
        return _organizer_home(request)
    if not (user.is_authenticated and user.is_leader):
        return leader_views.home(request)
    return _field_home(request)


def _organizer_home(request):
    """Show a coordinator (or staff) their leaders and what needs them today."""
    user = request.user
    leaders = User.objects.leaders().visible_to(user)
    turf = Turf.objects.visible_to(user).current().active()
    context = {
        "role": user.get_role_display(),
        "leaders": leaders.select_related("voter").order_by("last_name", "first_name", "pk")[:50],
        "leader_count": leaders.count(),
        # A claim to a voter record waits on the turf page until someone in scope approves it.
        "claims": leaders.filter(voter__isnull=False, home_verified_at__isnull=True).order_by(
            "date_joined", "pk"
        )[:20],
        "silent": turf.silent().select_related("leader").order_by("created_at", "pk")[:20],
        "turf_count": turf.count(),
        "pending_reports": Suppression.objects.visible_to(user).pending().count(),
    }
    return render(request, "field/organizer_home.html", context)


@offline_page
def _field_home(request):
    user = request.user
    turf = Turf.objects.active_for(user).first()
    context = {
        "turf": turf,
        "gathering": Gathering.objects.visible_to(user).filter(host=user).upcoming().first(),
    }
    if turf is not None:
        entries = Entry.objects.filter(turf=turf).listed()
        calls = entries.calls().with_called()
        doors = entries.doors().with_knocked()
        # A door is a household, as on the door list; its voters are the detail.
        door_counts = doors.aggregate(
            total=Count("household", distinct=True),
            done=Count("household", distinct=True, filter=Q(knocked=True)),
            voters=Count("pk"),
        )
        context |= {
            "calls_total": calls.count(),
            "calls_done": calls.filter(called=True).count(),
            "doors_total": door_counts["total"],
            "doors_done": door_counts["done"],
            "door_voters": door_counts["voters"],
            "next_call": _call_entries(turf).filter(called=False).first(),
            "next_door": _next_door(turf),
            # What the home screen counts in the phone's cache to say whether it is ready without signal.
            "offline_pages": _offline_lists(turf),
        }
        if not context["calls_total"] and not context["doors_total"]:
            # Emptied since the cut, or empty from the start: the leader is told which.
            context["ever_listed"] = Entry.objects.filter(turf=turf).exists()
    return render(request, "field/home.html", context)


# --- calls ----------------------------------------------------------------------------------------


@login_required
@offline_page
def calls(request):
    """The leader's call list in calling order, nearest first, each marked once called."""
    if not request.user.is_leader:
        raise Http404
    turf = Turf.objects.active_for(request.user).first()
    entries = list(_call_entries(turf)) if turf else []
    return render(request, "field/calls.html", {"turf": turf, "entries": entries})


@login_required
@offline_page
def call(request, voter_id):
    """The call screen: dial by hand, then log the result, the ID, an invitation and a note."""
    entry = get_call_entry_for(request.user, voter_id)
    (voter,) = _with_likely(Voter.objects.filter(pk=entry.voter_id))
    return _call_page(request, voter=voter, queue=_call_queue(entry.turf))


def _with_likely(voters) -> list[Voter]:
    """Load voters for their call screens, each with their likely party and its reason."""
    loaded = list(party.with_party_signals(voters).select_related("household"))
    now = timezone.now()
    for voter in loaded:
        voter.likely = party.likely_party(voter, now=now)
    return loaded


def _call_queue(turf: Turf) -> list[tuple[int, bool]]:
    """The call list in calling order: (voter id, called yet)."""
    return [(entry.voter_id, entry.called) for entry in _call_entries(turf)]


def _call_page(request, *, voter: Voter, queue: list[tuple[int, bool]]):
    """Draw the call screen of one neighbor on the leader's call list, in `queue` order."""
    phones = list(Phone.objects.callable().filter(voter=voter).order_by("-kind", "pk"))
    gatherings = list(Gathering.objects.visible_to(request.user).filter(host=request.user).upcoming()[:1])
    invitations = {
        invitation.gathering_id: invitation
        for invitation in Invitation.objects.filter(voter=voter, gathering__in=gatherings)
    }
    for gathering in gatherings:
        gathering.invitation = invitations.get(gathering.pk)
    order = [pk for pk, _ in queue]
    here = order.index(voter.pk) if voter.pk in order else len(order)
    # Next: the first neighbor not yet called after this one, wrapping round to the top.
    waiting = [pk for pk, called in queue[here + 1 :] + queue[:here] if not called and pk != voter.pk]
    next_url = reverse("field:call", args=[waiting[0]]) if waiting else reverse("field:calls")
    context = {
        "voter": voter,
        "phones": phones,
        "gatherings": gatherings,
        "attempts": ContactAttempt.objects.visible_to(request.user)
        .filter(voter=voter)
        .select_related("leader")
        .order_by("-device_time")[:5],
        "results": [ContactAttempt.Result(result) for result in PHONE_RESULTS if result != "talked"],
        "ids": ID_CHOICES,
        "rsvps": Invitation.Rsvp.choices,
        "client_uuid": uuid.uuid4(),
        "next_url": next_url,
        "position": here + 1,
        "total": len(order),
    }
    return render(request, "field/call.html", context)


# --- doors ----------------------------------------------------------------------------------------


@login_required
@offline_page
def doors(request):
    """The leader's door list by household, in walking order, each door a tap from its knock screen."""
    if not request.user.is_leader:
        raise Http404
    turf = Turf.objects.active_for(request.user).first()
    door_list = doors_in_walking_order(turf, Entry.List.DOOR) if turf else []
    ids = [door.household.pk for door in door_list if door.household]
    knocked = turf.knocked_doors(ids) if turf else set()
    hostile = set(Household.objects.filter(pk__in=ids).hostile().values_list("pk", flat=True))
    for door in door_list:
        door.knocked = bool(door.household) and door.household.pk in knocked
        door.hostile = bool(door.household) and door.household.pk in hostile
    door_voters = sum(len(door.voters) for door in door_list)
    return render(request, "field/doors.html", {"turf": turf, "doors": door_list, "door_voters": door_voters})


@login_required
@offline_page
def knock(request, household_pk):
    """The knock screen: one household result, or an ID for each person talked to."""
    doors_here, here = get_door_for(request.user, household_pk)
    return _knock_page(request, doors=doors_here, here=here)


def _knock_page(request, *, doors: list[Door], here: int):
    """Draw the knock screen of the door at `here` in the leader's door list."""
    door = doors[here]
    following = doors[here + 1 :]
    next_url = (
        reverse("field:knock", args=[following[0].household.pk]) if following else reverse("field:doors")
    )
    attempts = (
        ContactAttempt.objects.visible_to(request.user)
        .filter(Q(household=door.household) | Q(voter__in=door.voters))
        .select_related("voter")
        .order_by("-device_time")[:5]
    )
    context = {
        "door": door,
        "home": door.household,
        "hostile": door.household.is_hostile(),
        "attempts": attempts,
        "results": [
            ContactAttempt.Result(r) for r in DOOR_RESULTS if r not in ("talked", "moved", "deceased")
        ],
        "ids": ID_CHOICES,
        "client_uuid": uuid.uuid4(),
        "next_url": next_url,
        "position": here + 1,
        "total": len(doors),
    }
    return render(request, "field/knock.html", context)


# --- recording ------------------------------------------------------------------------------------


def _sees_all_of(user, item) -> bool:
    """Whether the user sees every voter and household an attempt names (though not on their lists)."""
    attempt = item.attempt
    voters = {person.voter_id for person in attempt.people} | ({attempt.voter_id} - {None})
    if len(get_voters_for(user, voters)) != len(voters):
        return False
    return not attempt.household_id or bool(get_households_for(user, [attempt.household_id]))


@login_required
@require_POST
def record(request):
    """Record one call or knock posted by a page form without JavaScript, then go on to the next."""
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("home")
    try:
        item = read_posted_attempt(request.POST)
    except AttemptError as error:
        messages.error(request, f"Not saved: {error}")
        return redirect(request.META.get("HTTP_REFERER") or next_url)
    if scope_errors(request.user, [item]):
        raise PermissionDenied if _sees_all_of(request.user, item) else Http404
    (outcome,) = field_record(user=request.user, items=[item])
    if outcome.status == Recorded.REJECTED:
        messages.error(request, f"Not saved: {outcome.error}")
    elif outcome.error:
        messages.warning(request, outcome.error)
    else:
        messages.success(request, "Saved.")
    return redirect(next_url)


# --- the sync API ---------------------------------------------------------------------------------


def _api_user(request):
    """Return (user, None) for a bearer token or a session with a valid CSRF token, else (None, response)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = ApiToken.objects.find(header.removeprefix("Bearer ").strip())
        if user is None:
            return None, JsonResponse({"error": "The API token is not valid."}, status=401)
    elif request.user.is_authenticated:
        user = request.user
        # A browser session must prove it comes from our pages; a bearer token cannot be sent by a
        # cross-site form, so only sessions are CSRF-checked.
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return None, JsonResponse({"error": "CSRF check failed: reload the page."}, status=403)
    else:
        return None, JsonResponse({"error": "Sign in first."}, status=401)
    if not (user.is_leader or user.is_coordinator or user.is_state_staff):
        return None, JsonResponse({"error": "Your role does not record contacts."}, status=403)
    return user, None


def _bad_batch(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def read_batch(request) -> tuple[User | None, list, HttpResponse | None]:
    """Sign in, rate-limit and read a phone's JSON batch, `{"attempts": [...], "user"?: id}`.

    Return (user, items, None), or (…, …, the refusal to send back). On a shared phone one account's
    outbox must never be recorded as another's: the field app names whose outbox it sends, and a
    batch entered by someone else is refused whole.
    """
    user, denied = _api_user(request)
    if denied is not None:
        return user, [], denied
    limited = _rate_limited(request, user)
    if limited is not None:
        return user, [], limited
    if request.content_type != "application/json":
        return user, [], _bad_batch("Send JSON (Content-Type: application/json).")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting raises RecursionError
        return user, [], _bad_batch("The body is not valid JSON.")
    items = payload.get("attempts") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        return user, [], _bad_batch(f'Send {{"attempts": [...]}} with 1 to {MAX_BATCH} items.')
    owner = payload.get("user")
    if owner is not None and (type(owner) is not int or owner != user.pk):
        refusal = {"error": "These were entered by another account: sign in as them to send them."}
        return user, [], JsonResponse(refusal, status=409)
    return user, items, None


def _rate_limited(request, user) -> JsonResponse | None:
    """Count the request against its token (or its session's user); answer 429 once the minute's are spent."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        key = "token:" + ApiToken.digest_of(header.removeprefix("Bearer ").strip())
    else:
        key = f"user:{user.pk}"
    wait = RequestCount.over_limit(key, settings.SYNC_RATE_LIMIT_PER_MINUTE, now=time.time())
    if not wait:
        return None
    response = JsonResponse({"error": f"Too many requests: try again in {wait} seconds."}, status=429)
    response["Retry-After"] = str(wait)
    return response


@csrf_exempt
@never_cache
@require_POST
def sync(request):
    """Record a batch of attempts from the field app's outbox; answer per item, after commit.

    Body: {"user"?: the id of the account that entered them (else 409), "attempts": [{"uuid",
    "channel", "result", "device_time", "voter"?, "household"?, "phone"?, "note"?, "latitude"?,
    "longitude"?, "invite"?: {"gathering", "rsvp"}, "people"?: [{"voter", "party_id"?,
    "know_them"?, "do_not_contact"?, "phone"?, "email"?}]}].
    Reply: {"results": [{"uuid", "status": "created" | "duplicate" | "rejected", "error"}]}, in order.
    """
    user, items, refused = read_batch(request)
    if refused is not None:
        return refused
    results: list[dict | None] = [None] * len(items)
    valid, read = [], []
    for index, raw in enumerate(items):
        try:
            read.append(read_attempt(raw))
            valid.append(index)
        except AttemptError as error:
            raw_uuid = raw.get("uuid") if isinstance(raw, dict) else None
            results[index] = {"uuid": str(raw_uuid or ""), "status": Recorded.REJECTED, "error": str(error)}
    scope = scope_errors(user, read)
    to_record = []
    for position, index in enumerate(valid):
        if position in scope:
            uuid_ = str(read[position].attempt.client_uuid)
            results[index] = {"uuid": uuid_, "status": Recorded.REJECTED, "error": scope[position]}
        else:
            to_record.append((index, read[position]))
    outcomes = field_record(user=user, items=[item for _, item in to_record])
    for (index, _), outcome in zip(to_record, outcomes, strict=True):
        results[index] = {"uuid": str(outcome.client_uuid), "status": outcome.status, "error": outcome.error}
    return JsonResponse({"results": results})


# --- paper ----------------------------------------------------------------------------------------


def _editable_turf(user, pk) -> Turf:
    """Fetch turf the user may change: out of scope is 404, a leader's own (read-only) is 403."""
    turf = get_turf_for(user, pk)
    if not turf.can_edit(user):
        raise PermissionDenied
    return turf


def _qr_svg(url: str) -> str:
    """Draw a QR code as one small inline SVG path: a stroke per run of dark modules in a row.

    A hundred of them go on one sheet, so every byte counts: qrcode's own SVG paths, base64 data URIs
    and PNGs all came to several kB a door.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=0)
    code.add_data(url)
    code.make(fit=True)
    rows = code.get_matrix()
    runs = []
    for y, row in enumerate(rows):
        x, end = 0, None  # `end`: where the pen stopped on this row; a relative move from it is shorter
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}.5h{x - start}" if end is None else f"m{start - end} 0h{x - start}")
                end = x
            x += 1
    size = len(rows)
    return format_html(
        '<svg class="qr" viewBox="0 0 {} {}" role="img" aria-label="Code for this door">'
        '<path d="{}" stroke="#000" stroke-width="1" shape-rendering="crispEdges"/></svg>',
        size, size, "".join(runs),
    )  # fmt: skip


def _sheet(request, pk, list_name: str, template: str, results: list[str]):
    turf = get_turf_for(request.user, pk)
    doors = doors_in_walking_order(turf, list_name, phones=list_name == Entry.List.CALL)
    # Numbered as the paper entry page numbers its rows: the doors with an address, in walking order.
    numbered = (door for door in doors if door.household is not None)
    for number, door in enumerate(numbered, start=1):
        door.number = number
        door.qr = _qr_svg(request.build_absolute_uri(reverse("turf:household", args=[door.household.pk])))
    return render(
        request,
        template,
        {
            "turf": turf,
            "doors": doors,
            "results": results,
            "ids": ["1", "2", "3", "4", "5", "R"],
            "printed_at": timezone.now(),
            "voter_count": sum(len(door.voters) for door in doors),
        },
    )


@login_required
def call_sheet(request, pk):
    """The call list on paper: phone numbers (the one page that shows them), tick boxes, QR codes."""
    results = [ContactAttempt.Result(result).label for result in PHONE_RESULTS]
    return _sheet(request, pk, Entry.List.CALL, "field/call_sheet.html", results)


@login_required
def walk_sheet(request, pk):
    """The door list on paper, in walking order, with tick boxes and a QR code per door."""
    # The door's result is ticked once; who moved or died is ticked by their name, as paper entry reads it.
    return _sheet(
        request, pk, Entry.List.DOOR, "field/walk_sheet.html", [label for _, label in PAPER_RESULTS]
    )


@login_required
def paper(request, pk):
    """Enter a leader's walk sheet from paper: a row per household, keyboard only, safe to resubmit."""
    turf = _editable_turf(request.user, pk)
    door_list = [door for door in doors_in_walking_order(turf, Entry.List.DOOR) if door.household]
    form = PaperSheetForm(request.POST or None, doors=door_list, leader=turf.leader)
    if request.method == "POST" and form.is_valid():
        # The doors are this turf's own, so every voter is in scope; the contacts are the leader's.
        outcomes = contact_record_many(leader=turf.leader, attempts=form.attempts(), entered_by=request.user)
        created = sum(outcome.created for outcome in outcomes)
        again = sum(outcome.status == Recorded.DUPLICATE for outcome in outcomes)
        refused = [outcome.error for outcome in outcomes if outcome.status == Recorded.REJECTED]
        messages.success(request, f"Saved {created} result{pluralize(created)} from the sheet"
                                  + (f"; {again} {'was' if again == 1 else 'were'} saved before." if again else "."))  # fmt: skip
        for error in refused:
            messages.error(request, error)
        return redirect("field:paper", turf.pk)
    return render(request, "field/paper.html", {"turf": turf, "form": form, "doors": form.door_rows()})


# --- offline --------------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
@gzip_page
def offline_bundle(request, part):
    """Answer one part of the pages a leader's phone keeps, as JSON {"pages": {path: html}, "aliases"}.

    The service worker unpacks it into its cache: a door list and its knock screens reach the phone
    in one compressed response instead of a request per screen.
    """
    if not request.user.is_leader or part not in OFFLINE_PARTS:
        raise Http404
    get_token(request)  # the kept pages' forms carry the token this response's cookie holds
    paths, screens = _offline_part(request.user, part)
    pages, aliases = render_pages(request, paths, screens)
    return JsonResponse({"part": part, "pages": pages, "aliases": aliases})


@require_GET
@gzip_page
def service_worker(request):
    """Serve the service worker from the site root, so it may control every leader page."""
    assets = [staticfiles_storage.url(name) for name in FIELD_STATIC]
    later = [staticfiles_storage.url(name) for name in LATER_STATIC]
    # The cache name changes whenever an asset's hashed URL does, so a deploy replaces the cache.
    version = uuid.uuid5(uuid.NAMESPACE_URL, "|".join(assets + later)).hex[:12]
    context = {
        "assets": json.dumps(assets),
        "later_assets": json.dumps(later),
        "bundles": json.dumps([reverse("field:offline_bundle", args=[part]) for part in OFFLINE_PARTS]),
        "lists": json.dumps(
            {"home": reverse("home"), "doors": reverse("field:doors"), "calls": reverse("field:calls")}
        ),
        "stylesheet": staticfiles_storage.url("css/app.css"),
        "outbox_scripts": json.dumps(
            [staticfiles_storage.url(f"js/{name}") for name in ("outbox-1.js", "attempt-1.js")]
        ),
        "record_url": reverse("field:record"),
        "version": version,
    }
    body = render_to_string("field/sw.js", context)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response

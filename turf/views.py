"""Turf pages: a leader's lists, staff and coordinator tools, the household log page."""

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts import party
from contacts.models import ContactAttempt, Voter, get_household_for, get_voters_for
from leaders.models import User, get_leader_for
from turf import services
from turf.forms import (
    AddVotersForm,
    ChosenVotersForm,
    ClaimDecisionForm,
    FindMeForm,
    LinkHomeForm,
    LockForm,
    MoveVotersForm,
)
from turf.models import Change, Cycle, Entry, Turf, get_turf_for
from turf.walking import Door, doors_in_walking_order


def _staff_or_coordinator(user) -> None:
    if not (user.is_state_staff or user.is_coordinator):
        raise Http404


def _editable_turf(request, pk) -> Turf:
    """Fetch turf the user may change: out of scope is 404, a leader's own (read-only) is 403."""
    turf = get_turf_for(request.user, pk)
    if not turf.can_edit(request.user):
        raise PermissionDenied
    return turf


def _map_points(turf: Turf, lists: dict[str, list[Door]]) -> dict:
    points = []
    for list_name, doors in lists.items():
        for door in doors:
            household = door.household
            if household is None or not household.is_geocoded:
                continue
            points.append(
                {
                    "lat": household.latitude,
                    "lon": household.longitude,
                    "list": list_name,
                    "label": household.street_line,
                    "voters": len(door.voters),
                    "url": reverse("turf:household", args=[household.pk]),
                }
            )
    home = {"lat": turf.latitude, "lon": turf.longitude} if turf.latitude is not None else None
    return {
        "home": home,
        "points": points,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }


# --- pages ----------------------------------------------------------------------------------------


@login_required
def mine(request):
    """Send a leader to their own lists (or to finding their home); staff to the turf table."""
    user = request.user
    if user.is_state_staff or user.is_coordinator:
        return redirect("turf:index")
    if not user.is_leader:
        raise Http404
    turf = Turf.objects.active_for(user).first()
    if turf is not None:
        return redirect("turf:detail", turf.pk)
    if user.voter_id is None:
        return redirect("turf:find_me")
    return render(request, "turf/waiting.html")


@login_required
def index(request):
    """List the turf in the user's counties, and the leaders still waiting for theirs."""
    user = request.user
    _staff_or_coordinator(user)
    cycle = Cycle.current()
    turfs = (
        Turf.objects.visible_to(user)
        .filter(cycle=cycle)
        .select_related("leader")
        .order_by("status", "county", "leader__last_name", "leader__first_name", "pk")
    )
    page = Paginator(turfs, 100).get_page(request.GET.get("page"))
    # List sizes and each turf's best neighbor, only for the rows shown: statewide, counting every
    # leader's entries to show a hundred took most of the page's time.
    shown = [turf.pk for turf in page]
    neighbors = dict(
        Turf.objects.filter(pk__in=shown)
        .with_neighbor_door_median()
        .values_list("pk", "neighbor_door_median_m")
    )
    # Counted as the leader sees them: without voters who moved, died or left the file since the cut.
    sizes = dict.fromkeys(shown, (0, 0))
    for pk, calls, doors in (
        Entry.objects.filter(turf__in=shown)
        .listed()
        .values("turf")
        .annotate(
            calls=Count("pk", filter=Q(list=Entry.List.CALL)),
            doors=Count("pk", filter=Q(list=Entry.List.DOOR)),
        )
        .values_list("turf", "calls", "doors")
    ):
        sizes[pk] = (calls, doors)
    for turf in page:
        (turf.calls, turf.doors), turf.neighbor_door_median_m = sizes[turf.pk], neighbors[turf.pk]
    waiting = (
        User.objects.leaders()
        .visible_to(user)
        .filter(voter__isnull=False)
        .exclude(turfs__cycle=cycle)
        .select_related("voter__household", "profile__recruiter", "home_verified_by")
        .order_by(F("home_verified_at").asc(nulls_first=True), "date_joined", "pk")[:200]
    )
    return render(
        request,
        "turf/index.html",
        {"cycle": cycle, "page": page, "waiting": waiting},
    )


@login_required
def detail(request, pk):
    """Show one leader's call list and door list on a map and in tables; staff tools below."""
    turf = get_turf_for(request.user, pk)
    lists = {
        Entry.List.CALL: doors_in_walking_order(turf, Entry.List.CALL),
        Entry.List.DOOR: doors_in_walking_order(turf, Entry.List.DOOR),
    }
    can_edit = turf.can_edit(request.user) and turf.is_active
    context = {
        "turf": turf,
        "calls": lists[Entry.List.CALL],
        "doors": lists[Entry.List.DOOR],
        "call_count": sum(len(door.voters) for door in lists[Entry.List.CALL]),
        "door_count": sum(len(door.voters) for door in lists[Entry.List.DOOR]),
        "map": _map_points(turf, lists),
        "can_edit": can_edit,
        "changes": Change.objects.filter(turf=turf).select_related("actor")[:30],
    }
    if can_edit:
        context |= {
            "add_form": AddVotersForm(),
            "move_targets": _move_targets(request.user, turf),
            "lock_form": LockForm(initial={"locked": "0" if turf.locked else "1"}),
        }
    return render(request, "turf/detail.html", context)


def _move_targets(user, turf: Turf):
    return (
        Turf.objects.visible_to(user)
        .filter(cycle=turf.cycle, status=Turf.Status.ACTIVE, locked=False)
        .exclude(pk=turf.pk)
        .select_related("leader")
        .order_by("leader__last_name", "leader__first_name")
    )


def _back(turf: Turf):
    return redirect("turf:detail", turf.pk)


def _run(request, turf: Turf, action, success: str):
    try:
        action()
    except services.TurfError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _back(turf)


@login_required
@require_POST
def add_voters(request, pk):
    turf = _editable_turf(request, pk)
    form = AddVotersForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return _back(turf)
    ids = form.cleaned_data["voter_ids"]
    voters = get_voters_for(request.user, ids)
    missing = sorted(set(ids) - {voter.pk for voter in voters})
    if missing:
        messages.error(request, f"No voter you may list has the ID {', '.join(map(str, missing[:5]))}.")
        return _back(turf)
    list_name = form.cleaned_data["list"]
    return _run(
        request,
        turf,
        lambda: services.turf_add_voters(turf=turf, voters=voters, list_name=list_name, actor=request.user),
        f"Added {len(voters)} to the {Entry.List(list_name).label.lower()}.",
    )


@login_required
@require_POST
def remove_voters(request, pk):
    turf = _editable_turf(request, pk)
    form = ChosenVotersForm(request.POST, turf=turf)
    if not form.is_valid():
        messages.error(request, "Tick the voters to take off the lists.")
        return _back(turf)
    chosen = form.cleaned_data["voters"]
    return _run(
        request,
        turf,
        lambda: services.turf_remove_voters(turf=turf, voter_ids=chosen, actor=request.user),
        f"Took {len(chosen)} off the lists; they are free for other leaders.",
    )


@login_required
@require_POST
def move_voters(request, pk):
    turf = _editable_turf(request, pk)
    form = MoveVotersForm(request.POST, turf=turf, targets=_move_targets(request.user, turf))
    if not form.is_valid():
        messages.error(request, "Tick the voters to move and choose the leader to move them to.")
        return _back(turf)
    target, chosen = form.cleaned_data["target"], form.cleaned_data["voters"]
    return _run(
        request,
        turf,
        lambda: services.turf_move_voters(source=turf, target=target, voter_ids=chosen, actor=request.user),
        f"Moved {len(chosen)} to {target.leader}.",
    )


@login_required
@require_POST
def lock(request, pk):
    turf = _editable_turf(request, pk)
    form = LockForm(request.POST)
    if not form.is_valid():
        return _back(turf)
    locked = form.cleaned_data["locked"]
    return _run(
        request,
        turf,
        lambda: services.turf_set_locked(turf=turf, actor=request.user, locked=locked),
        "Locked: no cut or edit changes these lists until they are unlocked." if locked else "Unlocked.",
    )


@login_required
@require_POST
def recut(request, pk):
    turf = _editable_turf(request, pk)
    return _run(
        request,
        turf,
        lambda: services.turf_recut(turf=turf, actor=request.user),
        "Cut again from the voters nobody else has.",
    )


@login_required
@require_POST
def quit(request, pk):
    turf = _editable_turf(request, pk)
    return _run(
        request,
        turf,
        lambda: services.turf_quit(turf=turf, actor=request.user),
        "Closed: their neighbors are back in the pool for other leaders.",
    )


@login_required
@require_POST
def start(request, user_pk):
    """Approve a leader's claim to their voter record and cut their turf, or reject the claim."""
    _staff_or_coordinator(request.user)
    leader = get_leader_for(request.user, user_pk)
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to approve or reject.")
        return redirect("turf:index")
    try:
        if form.cleaned_data["decision"] == "reject":
            services.turf_reject_claim(leader=leader, actor=request.user)
        else:
            turf = services.turf_approve_leader(leader=leader, actor=request.user)
    except services.TurfError as error:
        messages.error(request, str(error))
        return redirect("turf:index")
    if form.cleaned_data["decision"] == "reject":
        messages.success(request, f"Rejected {leader}'s claim: they may look for their record again.")
        return redirect("turf:index")
    messages.success(request, f"Approved {leader} and cut their turf.")
    return redirect("turf:detail", turf.pk)


@login_required
def link_home(request, user_pk):
    """Link a leader to their own voter record by its Voter ID (staff, or coordinators for their counties)."""
    _staff_or_coordinator(request.user)
    leader = get_leader_for(request.user, user_pk)
    form = LinkHomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        voter = next(iter(get_voters_for(request.user, [form.cleaned_data["voter_id"]])), None)
        if voter is None:
            form.add_error("voter_id", "No voter you may see has that ID.")
        else:
            try:
                services.turf_link_home(leader=leader, voter=voter, actor=request.user)
            except services.TurfError as error:
                form.add_error("voter_id", str(error))
            else:
                messages.success(
                    request, f"Linked {leader} to {voter.display_name}, {voter.household or ''}."
                )
                return redirect("turf:index")
    return render(request, "turf/link_home.html", {"leader": leader, "form": form})


def _find_me_allowed(request) -> bool:
    """Count an attempt against the account's, the client address's and everyone's allowance.

    Return False once any is spent: a second account, or many, from one place stop with the first.
    """
    # allauth's limiter counts under a lock: the database cache's incr is a read then a write, so a
    # burst of tries all read the same count and all got through. Its address is the client behind
    # ALLAUTH_TRUSTED_PROXY_COUNT proxies, an IPv6 one cut to its network (every phone holds a /64).
    allowed = True
    for rate in (
        f"{settings.FIND_ME_DAILY_LIMIT}/1d/user",
        f"{settings.FIND_ME_IP_DAILY_LIMIT}/1d/ip",
        f"{settings.FIND_ME_HOURLY_TOTAL}/1h/key",
    ):
        # Each allowance counts the try even when another is spent already.
        used = ratelimit.consume(request, app="turf", action="find_me", config={"find_me": rate}, key="all")
        allowed = bool(used) and allowed
    return allowed


def _the_one_voter(data: dict) -> Voter | None:
    """Return the one unclaimed registered voter matching everything the person typed, else None."""
    candidates = (
        Voter.objects.registered()
        .filter(
            first_name__iexact=data["first_name"].strip(),
            last_name__iexact=data["last_name"].strip(),
            birth_year=data["birth_year"],
            household__house_number=data["house_number"],
            household__zip_code__startswith=data["zip_code"],
            account__isnull=True,
        )
        .select_related("household")[:10]
    )
    matches = [voter for voter in candidates if voter.household.is_on_street(data["street"])]
    return matches[0] if len(matches) == 1 else None


@login_required
def find_me(request):
    """Let a new leader claim their own voter record: the answer is "found" or "not found", nothing more.

    A claim shows them nothing of the record: staff or their county's coordinator approve it when
    they cut the leader's turf.
    """
    user = request.user
    if not user.is_leader:
        raise Http404
    if user.voter_id is not None:
        return render(request, "turf/find_me.html", {"claimed": True, "verified": user.home_is_verified})
    form = FindMeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _find_me_allowed(request):
            messages.error(request, "That is enough tries for today: ask your coordinator to link you.")
            return render(request, "turf/find_me.html", {"form": form}, status=429)
        voter = _the_one_voter(form.cleaned_data)
        if voter is not None:
            try:
                services.turf_claim_home(leader=user, voter=voter)
            except services.TurfError:
                voter = None  # claimed by another account meanwhile: the same answer as no match
        if voter is None:
            return render(request, "turf/find_me.html", {"form": form, "not_found": True})
        messages.success(
            request, "Found you. State staff or your coordinator will confirm it and cut your neighbors."
        )
        return redirect("turf:find_me")
    return render(request, "turf/find_me.html", {"form": form})


@login_required
def household(request, pk):
    """One door's log page: its voters (those the user may see), their likely party, attempts so far."""
    home = get_household_for(request.user, pk)
    voters = list(
        party.with_party_signals(Voter.objects.visible_to(request.user).filter(household=home)).order_by(
            "last_name", "first_name"
        )
    )
    now = timezone.now()
    for voter in voters:
        voter.likely = party.likely_party(voter, now=now)
    attempts = (
        ContactAttempt.objects.visible_to(request.user)
        .filter(Q(household=home) | Q(voter__in=[voter.pk for voter in voters]))
        .select_related("voter", "leader", "entered_by")
        .order_by("-device_time")[:50]
    )
    entry = Entry.objects.filter(household=home, cycle__is_active=True).select_related("turf__leader").first()
    return render(
        request,
        "turf/household.html",
        {"home": home, "voters": voters, "attempts": attempts, "entry": entry},
    )

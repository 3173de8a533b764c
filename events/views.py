"""Gatherings: a leader plans one, invites neighbors, sees who is coming, changes or cancels it;
an invitee answers through their private link; anyone emailed can unsubscribe."""

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from contacts.models import ContactAttempt
from events import services
from events.calendar import ics
from events.forms import AnswerForm, GatheringForm, InviteForm
from events.mailings import address_from_unsubscribe_token, address_stop
from events.models import (
    Gathering,
    Invitation,
    LinkRefused,
    StoppedAddress,
    get_gathering_for,
    get_invitation_by_link,
    get_invitation_for,
)
from lib.offline import offline_page
from turf.models import Entry, Turf

# --- the host's pages -----------------------------------------------------------------------------


def _hosted_by(request, pk) -> Gathering:
    """Fetch a gathering the user sees; only its host may change it (others who see it get 403)."""
    gathering = get_gathering_for(request.user, pk)
    if gathering.host_id != request.user.pk:
        raise PermissionDenied
    return gathering


@login_required
def gathering_new(request):
    """Plan a gathering to invite neighbors to."""
    if not request.user.is_leader:
        raise Http404
    form = GatheringForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        gathering = services.gathering_create(host=request.user, gathering=form.save(commit=False))
        messages.success(request, "Gathering planned: now invite your neighbors.")
        return redirect("events:gathering", gathering.pk)
    return render(request, "events/gathering_form.html", {"form": form})


def _invitable(gathering: Gathering) -> list[tuple[int, str]]:
    """The host's neighbors not invited yet: their call list, and door-list neighbors they talked to."""
    host = gathering.host
    talked = (
        ContactAttempt.objects.reached()
        .filter(leader=host)
        .filter(Q(voter=OuterRef("voter")) | Q(voter__isnull=True, household=OuterRef("household")))
    )
    invited = Invitation.objects.filter(gathering=gathering, voter=OuterRef("voter"))
    entries = (
        Entry.objects.filter(turf__in=Turf.objects.active_for(host))
        .listed()
        .filter(Q(list=Entry.List.CALL) | Q(Exists(talked)))
        .exclude(Exists(invited))
        .select_related("voter")
        .order_by("list", "voter__last_name", "voter__first_name")
    )
    return [
        (
            entry.voter_id,
            f"{entry.voter.display_name} ({'call list' if entry.list == 'call' else 'talked at the door'})",
        )
        for entry in entries
    ]


@login_required
@offline_page
def gathering(request, pk):
    """A gathering, who is invited and what they answered; its host invites more and hands out links."""
    gathering = get_gathering_for(request.user, pk)
    invitations = list(
        gathering.invitations.with_mail_news()
        .select_related("voter", "attempt")
        .order_by("rsvp", "waitlisted_at", "voter__last_name")
    )
    counts = {choice: 0 for choice, _ in Invitation.Rsvp.choices}
    waitlisted = 0
    for invitation in invitations:
        counts[invitation.rsvp] += 1
        waitlisted += invitation.is_waitlisted
    is_host = gathering.host_id == request.user.pk
    can_invite = is_host and not gathering.is_cancelled and not gathering.is_over
    return render(
        request,
        "events/gathering.html",
        {
            "gathering": gathering,
            "invitations": invitations,
            "counts": counts,
            "waitlisted": waitlisted,
            "seated": counts["yes"] - waitlisted,
            "is_host": is_host,
            "can_edit": gathering.can_edit(request.user),
            "invite_form": InviteForm(choices=_invitable(gathering)) if can_invite else None,
            # Who came, and whether the voter file knows them: staff's and coordinators' to see,
            # never the host's (the walk-in form would otherwise tell a host who is registered).
            "attendees": []
            if is_host
            else gathering.attendees.select_related("voter").order_by("checked_in_at", "pk"),
        },
    )


@login_required
def gathering_edit(request, pk):
    """Change a gathering's time, place, room or notes; only its host may, before it ends."""
    gathering = _hosted_by(request, pk)
    if not gathering.can_edit(request.user):
        raise PermissionDenied
    form = GatheringForm(request.POST or None, instance=gathering)
    if request.method == "POST" and form.is_valid():
        try:
            services.gathering_update(gathering=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Gathering updated. Guests who gave an email hear about a new time or place."
            )
            return redirect("events:gathering", gathering.pk)
    return render(request, "events/gathering_form.html", {"form": form, "gathering": gathering})


@login_required
def gathering_cancel(request, pk):
    """Ask, then call off a gathering; guests who gave an email get a cancellation."""
    gathering = _hosted_by(request, pk)
    if not gathering.can_edit(request.user):
        raise PermissionDenied
    if request.method == "POST":
        services.gathering_cancel(gathering=gathering)
        messages.success(request, "Gathering cancelled. Guests who gave an email are told.")
        return redirect("events:gathering", gathering.pk)
    return render(request, "events/gathering_cancel.html", {"gathering": gathering})


@login_required
@require_POST
def gathering_invite(request, pk):
    """Invite the neighbors the host ticked; the form only offers the host's own."""
    gathering = _hosted_by(request, pk)
    if not gathering.can_edit(request.user):
        raise PermissionDenied
    form = InviteForm(request.POST, choices=_invitable(gathering))
    if form.is_valid():
        count = services.invitations_create(
            gathering=gathering, voter_ids=form.cleaned_data["voters"], invited_by=request.user
        )
        messages.success(request, f"Invited {count}. Give each their own link below.")
    else:
        messages.error(
            request, "Tick the neighbors to invite: some you ticked are not on your lists any more."
        )
    return redirect("events:gathering", gathering.pk)


@login_required
def invitation_link(request, pk, invitation_pk):
    """Show the host one invitee's private link to text or read out; POST replaces it (old links stop)."""
    gathering = _hosted_by(request, pk)
    invitation = get_invitation_for(request.user, invitation_pk)
    if invitation.gathering_id != gathering.pk:
        raise Http404
    if request.method == "POST":
        services.invitation_new_link(invitation=invitation)
        messages.success(request, "A new link: the old one no longer works.")
        return redirect("events:invitation_link", gathering.pk, invitation.pk)
    url = request.build_absolute_uri(reverse("events:rsvp", args=[invitation.link_token()]))
    return render(
        request, "events/invitation_link.html", {"gathering": gathering, "invitation": invitation, "url": url}
    )


# --- the invitee's page (no account) --------------------------------------------------------------


def _rate_limited(request) -> HttpResponse | None:
    rate = f"{settings.RSVP_RATE_LIMIT_PER_MINUTE}/1m/ip"
    if ratelimit.consume(request, app="events", action="rsvp", config={"rsvp": rate}, limit_get=True):
        return None
    response = render(
        request, "events/rsvp_refused.html", {"problem": "Too many tries from here. Wait a minute."}
    )
    response.status_code = 429
    response["Retry-After"] = "60"
    return response


def _by_link(request, token) -> Invitation | HttpResponse:
    """The invitation a link names, or the page saying why not.

    Each address's refused links and answers are counted (guessing links, hammering answers); a
    valid link read again is not: the signature check is cheaper than the count, and a link cannot
    be guessed, so counting every view would only slow down the invitee's own page.
    """
    try:
        invitation = get_invitation_by_link(token)
    except LinkRefused as refused:
        limited = _rate_limited(request)
        return limited or render(request, "events/rsvp_refused.html", {"problem": str(refused)}, status=410)
    if request.method != "GET" and (limited := _rate_limited(request)) is not None:
        return limited
    return invitation


def rsvp(request, token):
    """The invitee's private page: what, when, where, and yes / no / maybe with an optional email."""
    invitation = _by_link(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    gathering = invitation.gathering
    form = None
    if not gathering.is_cancelled:
        initial = {"rsvp": invitation.rsvp if invitation.rsvp != Invitation.Rsvp.INVITED else None}
        initial |= {"email": invitation.email, "phone": invitation.phone}
        form = AnswerForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            invitation = services.invitation_answer(invitation=invitation, **form.cleaned_data)
            return redirect("events:rsvp", token)
    elif request.method == "POST":
        return render(
            request, "events/rsvp_refused.html", {"problem": "This gathering is cancelled."}, status=410
        )
    stopped = bool(invitation.email) and StoppedAddress.objects.filter(address=invitation.email).exists()
    response = render(
        request,
        "events/rsvp.html",
        {
            "gathering": gathering,
            "invitation": invitation,
            "host_first_name": gathering.host.first_name,
            "first_name": invitation.voter.first_name.title(),
            "form": form,
            "token": token,
            "stopped": stopped,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def rsvp_calendar(request, token):
    """The gathering as an .ics file for the invitee's calendar."""
    invitation = _by_link(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    url = request.build_absolute_uri(reverse("events:rsvp", args=[token]))
    response = HttpResponse(
        ics(invitation.gathering.calendar_event(url=url), now=timezone.now()), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="gathering.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt  # mail clients' one-click unsubscribe POSTs without a form; the signed token is the proof
def unsubscribe(request, token):
    """Confirm, then stop every email to an address: GET asks, POST (a click or a mail client) does it."""
    address = address_from_unsubscribe_token(token)
    if address is None:
        return render(
            request,
            "events/rsvp_refused.html",
            {"problem": "This unsubscribe link is not valid."},
            status=400,
        )
    if request.method == "POST":
        address_stop(address=address, reason=StoppedAddress.Reason.UNSUBSCRIBED)
        return render(request, "events/unsubscribe.html", {"address": address, "done": True})
    return render(request, "events/unsubscribe.html", {"address": address, "done": False})

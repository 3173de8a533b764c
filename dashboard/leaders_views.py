"""Managing leaders: the list and its export, one leader's history, coordinator, deactivation, invite files."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.exports import audited_csv_response
from contacts.models import ContactAttempt, Export
from dashboard import leader_import, services
from dashboard.leader_forms import CoordinatorForm, DeactivateForm, InviteFileForm, LeaderFilterForm
from dashboard.progress import scope_for
from events.models import Gathering
from leaders.models import LeaderProfile, get_profile_for
from turf.models import Turf
from turf.services import leader_deactivate

# The checked file waits in the session between the preview and the confirmation.
INVITE_FILE_SESSION_KEY = "dashboard_invite_file"


def _leaders(request):
    form = LeaderFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = LeaderProfile.objects.visible_to(request.user).select_related(
        "user__voter", "coordinator", "recruiter"
    )
    if chosen.get("stage"):
        rows = rows.filter(stage=chosen["stage"])
    if chosen.get("q"):
        q = chosen["q"]
        rows = rows.filter(
            Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
            | Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q) | Q(user__email__icontains=q)
        )  # fmt: skip
    return form, chosen, rows.order_by("-stage_changed_at", "-pk")


@login_required
def index(request):
    """Every leader and prospect in the user's scope, filtered by stage or name."""
    scope = scope_for(request.user)
    form, _, rows = _leaders(request)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"scope": scope, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "dashboard/leaders.html", context)


@login_required
def export(request):
    """Download the leader list as a spreadsheet-safe CSV; each download is recorded in the export audit."""
    scope_for(request.user)  # before the password prompt: leaders and candidates get a 404
    return _export(request)


@reauthentication_required
def _export(request):
    _, chosen, rows = _leaders(request)

    def lines():
        for profile in rows.iterator(chunk_size=2000):
            home = profile.user.voter.county if profile.user_id and profile.user.voter_id else profile.county
            phone = profile.user.phone if profile.user_id else profile.phone
            yield [
                profile.name, profile.contact_email, phone, home, profile.get_stage_display(),
                timezone.localdate(profile.stage_changed_at).isoformat(), profile.coordinator or "",
                profile.recruiter or "",
            ]  # fmt: skip

    return audited_csv_response(
        request,
        kind=Export.Kind.LEADERS,
        file_name=f"leaders-{timezone.localdate()}.csv",
        filters={key: str(value) for key, value in chosen.items() if value},
        header=["Name", "Email", "Phone", "County", "Stage", "Since", "Coordinator", "Recruited by"],
        rows=lines(),
    )


@login_required
def detail(request, pk):
    """One leader's history: stages, turf, contacts, gatherings and recruits; and what staff may do."""
    scope_for(request.user)
    profile = get_profile_for(request.user, pk)
    user = profile.user
    context = {
        "profile": profile,
        "stages": profile.stage_changes.select_related("by").order_by("at", "pk"),
        "coordinator_changes": profile.coordinator_changes.select_related("coordinator", "by"),
        "turfs": [],
        "contacts": [],
        "gatherings": [],
        "recruits": [],
        "coordinator_form": CoordinatorForm(profile=profile),
        "deactivate_form": DeactivateForm(),
    }
    if user is not None:
        context["recruits"] = (
            LeaderProfile.objects.visible_to(request.user).filter(recruiter=user).select_related("user")
        )
        context["turfs"] = (
            Turf.objects.filter(leader=user)
            .select_related("cycle")
            .annotate(listed=Count("entries"))
            .order_by("-cycle__election_date")
        )
        context["contacts"] = (
            ContactAttempt.objects.filter(leader=user)
            .order_by()
            .values("channel", "result")
            .annotate(n=Count("pk"))
            .order_by("channel", "-n")
        )
        context["gatherings"] = (
            Gathering.objects.filter(host=user).annotate(came=Count("attendees")).order_by("-starts_at")
        )
    return render(request, "dashboard/leader.html", context)


@login_required
@require_POST
def coordinator(request, pk):
    """Give a leader the coordinator who looks after them (one covering their county), or none."""
    scope_for(request.user)
    profile = get_profile_for(request.user, pk)
    form = CoordinatorForm(request.POST, profile=profile)
    if not form.is_valid():
        messages.error(request, "Choose a coordinator who covers their county.")
        return redirect("dashboard:leader", profile.pk)
    coordinator = form.cleaned_data["coordinator"]
    try:
        services.assign_coordinator(profile=profile, coordinator=coordinator, by=request.user)
    except services.CoordinatorError as error:
        messages.error(request, str(error))
        return redirect("dashboard:leader", profile.pk)
    messages.success(request, f"{profile} is looked after by {coordinator or 'nobody in particular'} now.")
    return redirect("dashboard:leader", profile.pk)


@login_required
@require_POST
def deactivate(request, pk):
    """Mark a leader inactive: their turf goes back to the pool, their account stays."""
    scope_for(request.user)
    profile = get_profile_for(request.user, pk)
    if profile.user is None:
        raise PermissionDenied  # a prospect has no turf: quit them from their pipeline page
    if not profile.user.is_leader:
        raise PermissionDenied  # staff or a coordinator whose own yes at a door gave them a profile
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why, in a few words.")
        return redirect("dashboard:leader", profile.pk)
    leader_deactivate(leader=profile.user, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"{profile} is inactive; their neighbors are back in the pool.")
    return redirect("dashboard:leader", profile.pk)


@login_required
def invite_file(request):
    """Upload a CSV of people to invite: a dry run shows each row, or each bad row and why."""
    scope = scope_for(request.user)
    posted = request.method == "POST"
    form = InviteFileForm(request.POST if posted else None, request.FILES if posted else None)
    checked = None
    if request.method == "POST" and form.is_valid():
        try:
            checked = leader_import.check(form.cleaned_data["file"], by=request.user)
        except leader_import.ImportRefused as error:
            form.add_error("file", str(error))
        else:
            if checked.ok:
                request.session[INVITE_FILE_SESSION_KEY] = form.cleaned_data["file"].decode("utf-8-sig")
    status = 400 if form.errors or (checked and not checked.ok) else 200
    context = {"scope": scope, "form": form, "checked": checked, "columns": leader_import.COLUMNS}
    return render(request, "dashboard/invite_file.html", context, status=status)


@login_required
@require_POST
def invite_file_confirm(request):
    """Add everyone in the checked file as a prospect and email them; a bad row adds nobody."""
    scope = scope_for(request.user)
    text = request.session.pop(INVITE_FILE_SESSION_KEY, None)
    if text is None:
        messages.error(request, "Upload the file again: nothing was checked to confirm.")
        return redirect("dashboard:invite_file")
    try:
        checked, invited = leader_import.invite_all(
            text.encode(), by=request.user, site_url=request.build_absolute_uri("/")
        )
    except leader_import.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("dashboard:invite_file")
    if invited is None:
        context = {
            "scope": scope,
            "form": InviteFileForm(),
            "checked": checked,
            "columns": leader_import.COLUMNS,
        }
        return render(request, "dashboard/invite_file.html", context, status=409)
    messages.success(
        request, f"Sent {len(invited.sent)} sign-up link{'s' if len(invited.sent) != 1 else ''}."
    )
    for profile, reason in invited.not_sent:
        messages.error(request, f"{profile}: {reason} They are on the follow-up list.")
    return redirect("dashboard:followup")

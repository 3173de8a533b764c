"""Staff pages for races, candidacies, approvals and the audit logs; the candidate's own page; the VAN export."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates import services, van
from candidates.eligibility import eligibility
from candidates.forms import CandidacyForm, RaceForm, VanExportForm
from candidates.models import (
    Approval,
    Candidacy,
    Change,
    Race,
    candidate_accounts_visible_to,
    get_candidacy_for,
    get_candidate_account_for,
    get_race_for,
)
from contacts.exports import audited_csv_response
from contacts.models import Export, get_export_for
from lib.decorators import only, staff_only

candidates_only = only(lambda user: user.is_candidate)
staff_and_candidates = only(lambda user: user.is_state_staff or user.is_candidate)


# --- races and candidacies (staff) -----------------------------------------------------------------


@staff_only
@require_GET
def races(request):
    """List the races, newest election first."""
    found = Race.objects.visible_to(request.user).prefetch_related("candidacies")
    return render(request, "candidates/races.html", {"races": found})


@staff_only
@require_http_methods(["GET", "POST"])
def race_new(request):
    """Create a race."""
    form = RaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        race = services.race_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Created {race.label}.")
        return redirect("candidates:race", race.pk)
    return render(request, "candidates/race_form.html", {"form": form}, status=400 if form.errors else 200)


@staff_only
@require_GET
def race(request, pk: int):
    """Show a race: its candidacies, each with its eligibility today, and the race's change history."""
    race = get_race_for(request.user, pk)
    candidacies = [
        (candidacy, eligibility(candidacy))
        for candidacy in race.candidacies.select_related("candidate", "race")
    ]
    changes = Change.objects.visible_to(request.user).filter(race=race).select_related("actor")[:100]
    return render(
        request, "candidates/race.html", {"race": race, "candidacies": candidacies, "changes": changes}
    )


@staff_only
@require_http_methods(["GET", "POST"])
def race_edit(request, pk: int):
    """Change a race's office, district or dates."""
    race = get_race_for(request.user, pk)
    form = RaceForm(request.POST if request.method == "POST" else None, instance=race)
    if request.method == "POST" and form.is_valid():
        services.race_update(actor=request.user, race=race, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("candidates:race", race.pk)
    context = {"form": form, "race": race}
    return render(request, "candidates/race_form.html", context, status=400 if form.errors else 200)


@staff_only
@require_http_methods(["GET", "POST"])
def candidacy_new(request, race_pk: int):
    """Add a candidacy to a race: the party's candidate with their account, or an opponent by name."""
    race = get_race_for(request.user, race_pk)
    form = CandidacyForm(
        request.POST if request.method == "POST" else None, race=race, instance=Candidacy(race=race)
    )
    if request.method == "POST" and form.is_valid():
        candidacy = services.candidacy_create(actor=request.user, race=race, **form.cleaned_data)
        messages.success(request, f"Added {candidacy.name}.")
        return redirect("candidates:race", race.pk)
    context = {"form": form, "race": race}
    return render(request, "candidates/candidacy_form.html", context, status=400 if form.errors else 200)


@staff_only
@require_http_methods(["GET", "POST"])
def candidacy_edit(request, pk: int):
    """Change a candidacy: the primary's result, a withdrawal, incumbency."""
    candidacy = get_candidacy_for(request.user, pk)
    form = CandidacyForm(
        request.POST if request.method == "POST" else None, race=candidacy.race, instance=candidacy
    )
    if request.method == "POST" and form.is_valid():
        services.candidacy_update(actor=request.user, candidacy=candidacy, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("candidates:race", candidacy.race_id)
    context = {"form": form, "race": candidacy.race, "candidacy": candidacy}
    return render(request, "candidates/candidacy_form.html", context, status=400 if form.errors else 200)


# --- candidate accounts (staff) ---------------------------------------------------------------------


@staff_only
@require_GET
def accounts(request):
    """List candidate accounts with their approval, to approve or revoke."""
    people = candidate_accounts_visible_to(request.user).order_by("last_name", "first_name", "email")
    approvals = {
        a.candidate_id: a for a in Approval.objects.filter(candidate__in=people).select_related("approved_by")
    }
    rows = [(person, approvals.get(person.pk)) for person in people]
    return render(request, "candidates/accounts.html", {"rows": rows})


@staff_only
@require_POST
@reauthentication_required  # it opens voter data to someone: the password again first, as for exports
def account_approve(request, pk: int):
    """Approve a candidate account, as of now."""
    person = get_candidate_account_for(request.user, pk)
    services.account_approve(actor=request.user, candidate=person)
    messages.success(request, f"Approved {person}.")
    return redirect("candidates:accounts")


@staff_only
@require_POST
def account_revoke(request, pk: int):
    """Withdraw a candidate account's approval."""
    person = get_candidate_account_for(request.user, pk)
    services.account_revoke(actor=request.user, candidate=person)
    messages.success(request, f"{person} can no longer export.")
    return redirect("candidates:accounts")


@staff_only
@require_GET
def changes(request):
    """The change log of races, candidacies and approvals, newest first."""
    log = Change.objects.visible_to(request.user).select_related("actor", "race")
    page = Paginator(log, 50).get_page(request.GET.get("page"))
    return render(request, "candidates/changes.html", {"page": page})


# --- the candidate's own pages ---------------------------------------------------------------------


@candidates_only
@require_GET
def mine(request):
    """A candidate's candidacies, each with whether exports are open today and why."""
    candidacies = (
        Candidacy.objects.visible_to(request.user).select_related("race").order_by("-race__general_date")
    )
    rows = [(candidacy, eligibility(candidacy)) for candidacy in candidacies]
    return render(request, "candidates/mine.html", {"rows": rows})


@staff_and_candidates
@require_GET
def candidacy(request, pk: int):
    """One candidacy and its eligibility today, for its candidate and for staff."""
    candidacy = get_candidacy_for(request.user, pk)
    context = {"candidacy": candidacy, "decision": eligibility(candidacy)}
    return render(request, "candidates/candidacy.html", context)


# --- exports and their audit (staff) ---------------------------------------------------------------


@staff_only
@require_GET
def van_export(request):
    """Choose the dates of a VAN export; see the latest ones."""
    form = VanExportForm(request.GET or None)
    recent = Export.objects.visible_to(request.user).filter(kind=Export.Kind.VAN).select_related("user")[:20]
    return render(request, "candidates/van_export.html", {"form": form, "recent": recent})


@staff_only
@require_GET
@reauthentication_required
def van_download(request):
    """Stream the contact results of the chosen dates as a VAN bulk-upload file, audited."""
    form = VanExportForm(request.GET)
    if not form.is_valid():
        recent = Export.objects.visible_to(request.user).filter(kind=Export.Kind.VAN)[:20]
        return render(request, "candidates/van_export.html", {"form": form, "recent": recent}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return audited_csv_response(
        request,
        kind=Export.Kind.VAN,
        file_name=f"van-contacts-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        filters={"start": start.isoformat(), "end": end.isoformat()},
        header=van.HEADER,
        rows=van.van_rows(start, end),
    )


@staff_only
@require_GET
def exports(request):
    """The export audit: who sent which file of voter data, when, from where, and its hash."""
    log = Export.objects.visible_to(request.user).select_related("user")
    page = Paginator(log, 50).get_page(request.GET.get("page"))
    return render(request, "candidates/exports.html", {"page": page})


@staff_only
@require_GET
def export(request, pk: int):
    """One export's audit row in full."""
    return render(request, "candidates/export.html", {"export": get_export_for(request.user, pk)})


AUDIT_HEADER = [
    "id", "started_at", "finished_at", "user", "kind", "purpose", "filters", "rows", "sha256", "ip", "file_name",
]  # fmt: skip


def _audit_rows(user, asked):
    # The audit as it stood when asked for: not the row of the download in progress.
    log = Export.objects.visible_to(user).filter(started_at__lte=asked).select_related("user")
    for row in log.iterator():
        yield [
            row.pk, row.started_at.isoformat(), row.finished_at.isoformat() if row.finished_at else "",
            row.user.email, row.kind, row.purpose, json.dumps(row.filters, sort_keys=True),
            "" if row.rows is None else row.rows, row.sha256, row.ip or "", row.file_name,
        ]  # fmt: skip


@staff_only
@require_GET
@reauthentication_required
def exports_csv(request):
    """Download the export audit as a formula-safe CSV, itself audited like every export."""
    return audited_csv_response(
        request,
        kind=Export.Kind.AUDIT,
        file_name=f"export-audit-{timezone.localdate():%Y%m%d}.csv",
        filters={},
        header=AUDIT_HEADER,
        rows=_audit_rows(request.user, timezone.now()),
    )

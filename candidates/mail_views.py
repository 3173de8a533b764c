"""The candidate's pages: their district's counts, the mail list builder with its live count, and the mail export."""

from datetime import datetime, time

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from candidates import mail, services
from candidates.district import district_summary
from candidates.eligibility import eligibility
from candidates.forms import MailListForm
from candidates.models import Candidacy, get_candidacy_for
from candidates.views import candidates_only
from contacts.exports import audited_csv_response
from contacts.models import Export


def _mail_exports(user, candidacy: Candidacy):
    return Export.objects.visible_to(user).filter(kind=Export.Kind.MAIL, filters__candidacy=candidacy.pk)


def _exports_today(candidacy: Candidacy) -> int:
    midnight = datetime.combine(timezone.localdate(), time.min, tzinfo=timezone.get_current_timezone())
    return Export.objects.filter(
        kind=Export.Kind.MAIL, filters__candidacy=candidacy.pk, started_at__gte=midnight
    ).count()


def _count(candidacy: Candidacy, form: MailListForm) -> dict | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    voters = mail.mail_voters(candidacy.race, data["purpose"], data["tiers"])
    return {"voters": voters.count(), "households": mail.households_count(voters)}


def _page(request, candidacy: Candidacy, form: MailListForm, *, status: int = 200, refusal: str = ""):
    context = {
        "candidacy": candidacy,
        "form": form,
        "count": _count(candidacy, form),
        "decision": eligibility(candidacy),
        "refusal": refusal,
        "exports": _mail_exports(request.user, candidacy).select_related("user")[:50],
        "per_day": settings.MAIL_EXPORTS_PER_DAY,
    }
    return render(request, "candidates/mail.html", context, status=status)


@candidates_only
@require_GET
def district(request, pk: int):
    """The candidate's district: voters by ID tier, by precinct (the part inside the district), turnout."""
    candidacy = get_candidacy_for(request.user, pk)
    context = {"candidacy": candidacy, "summary": district_summary(candidacy.race)}
    return render(request, "candidates/district.html", context)


@candidates_only
@require_GET
def mail_list(request, pk: int):
    """Build a mail list: purpose and tiers, the count it would send, and the candidate's past downloads."""
    candidacy = get_candidacy_for(request.user, pk)
    form = MailListForm(request.GET or {"purpose": mail.PERSUASION})
    return _page(request, candidacy, form, status=400 if form.errors else 200)


@candidates_only
@require_GET
def mail_count(request, pk: int):
    """The live count of a mail list as it is being built: an HTML fragment for htmx."""
    candidacy = get_candidacy_for(request.user, pk)
    form = MailListForm(request.GET)
    context = {"form": form, "count": _count(candidacy, form)}
    return render(request, "candidates/_mail_count.html", context, status=400 if form.errors else 200)


@candidates_only
@require_GET
def mail_download(request, pk: int):
    """Stream the list's households as a mail-house CSV, if the candidacy is eligible now and under its daily cap."""
    # Someone else's candidacy is not found, before any password is asked for.
    return _download(request, get_candidacy_for(request.user, pk))


@reauthentication_required
def _download(request, candidacy: Candidacy):
    form = MailListForm(request.GET)
    if not form.is_valid():
        return _page(request, candidacy, form, status=400)
    with transaction.atomic():
        services.lock_for_export(candidacy)  # so the daily cap holds under double clicks
        decision = eligibility(candidacy)
        if not decision:
            return _page(request, candidacy, form, status=403, refusal=decision.reason)
        if _exports_today(candidacy) >= settings.MAIL_EXPORTS_PER_DAY:
            refusal = f"This candidacy has made its {settings.MAIL_EXPORTS_PER_DAY} mail exports for today; more open tomorrow."
            return _page(request, candidacy, form, status=429, refusal=refusal)
        purpose, tiers = form.cleaned_data["purpose"], form.cleaned_data["tiers"]
        return audited_csv_response(
            request,
            kind=Export.Kind.MAIL,
            purpose=purpose,
            file_name=f"mail-{purpose}-{candidacy.race.district_code or 'statewide'}-{timezone.localdate():%Y%m%d}.csv".replace(
                " ", "-"
            ),
            filters={
                "candidacy": candidacy.pk,
                "race": candidacy.race_id,
                "purpose": purpose,
                "tiers": tiers,
            },
            header=mail.HEADER,
            rows=mail.mail_rows(mail.mail_voters(candidacy.race, purpose, tiers)),
        )

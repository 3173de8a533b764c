from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leaders.forms import InvitationForm
from leaders.models import INVITATION_SESSION_KEY, ApiToken, Invitation, get_token_for, get_token_holder_for
from leaders.services import InvitationError, invitation_for_token, invitation_send


def home(request):
    """Show each role where to start; anonymous visitors see what the program is."""
    if not request.user.is_authenticated:
        return render(request, "leaders/welcome.html")
    return render(request, "leaders/home.html", {"role": request.user.get_role_display()})


@login_required
def invitations(request):
    """Invite a person by name and email (staff anywhere, coordinators into their counties)."""
    user = request.user
    if not (user.is_state_staff or user.is_coordinator):
        raise Http404
    form = InvitationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_send(
                invited_by=user, **form.cleaned_data, site_url=request.build_absolute_uri("/")
            )
        except InvitationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Sent {invitation.first_name} a sign-up link at {invitation.email}.")
            return redirect("leaders:invitations")
    sent = Invitation.objects.visible_to(user).select_related("invited_by", "account")[:100]
    context = {"form": form, "sent": sent, "days": settings.INVITATION_DAYS}
    return render(request, "leaders/invitations.html", context, status=400 if form.errors else 200)


def join(request, token):
    """Open sign-up for the person an emailed link was sent to, once, before it expires."""
    try:
        invitation = invitation_for_token(token)
    except InvitationError as error:
        return render(request, "leaders/join_refused.html", {"reason": str(error)}, status=error.status)
    if request.user.is_authenticated:
        messages.info(
            request, "You are signed in already: sign out first to use a sign-up link for someone else."
        )
        return redirect("home")
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return redirect("account_signup")


# --- devices (API tokens) -------------------------------------------------------------------------


@login_required
def devices(request):
    """The signed-in person's devices: the API tokens they hold, with when each was last used."""
    return _devices_page(request, request.user)


@login_required
def person_devices(request, user_id):
    """Someone's devices, for staff and the coordinator of a leader's county."""
    holder = get_token_holder_for(request.user, user_id)
    return _devices_page(request, holder)


def _devices_page(request, holder):
    tokens = ApiToken.objects.visible_to(request.user).filter(user=holder).order_by("-created_at")
    return render(request, "leaders/devices.html", {"holder": holder, "tokens": tokens})


@login_required
@require_POST
def device_revoke(request, pk):
    """Revoke an API token: the device it is on can no longer sync."""
    token = get_token_for(request.user, pk)
    token.revoke(by=request.user)
    messages.success(request, f"{token.name} can no longer sync.")
    if token.user_id == request.user.pk:
        return redirect("leaders:devices")
    return redirect("leaders:person_devices", token.user_id)

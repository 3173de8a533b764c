from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from leaders.forms import InvitationForm
from leaders.models import INVITATION_SESSION_KEY, Invitation
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

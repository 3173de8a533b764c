import re

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.db import IntegrityError, transaction
from django.shortcuts import render

from leaders.models import INVITATION_SESSION_KEY, Invitation, LeaderProfile, User
from leaders.pipeline import leader_signed_up
from leaders.services import InvitationError, invitation_accept


def clean_phone(value: str) -> str:
    """Keep the ten digits of a US phone number; refuse anything else."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if digits and len(digits) != 10:
        raise forms.ValidationError("Ten digits, with the area code.")
    return digits


class InvitationForm(forms.Form):
    """Who to invite; a coordinator invites only into their own counties."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    county = forms.CharField(max_length=40, required=False, help_text="Where they live, if you know.")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_coordinator:
            self.fields["county"] = forms.ChoiceField(
                choices=[(county, county) for county in user.counties], help_text="Where they live."
            )


class StageExitForm(forms.Form):
    """Take someone off the ladder (inactive, quit) or bring them back to where they were."""

    BACK = "back"
    stage = forms.ChoiceField(
        choices=[
            (LeaderProfile.Stage.INACTIVE, "Inactive"),
            (LeaderProfile.Stage.QUIT, "Quit"),
            (BACK, "Back where they were"),
        ]
    )
    reason = forms.CharField(max_length=200, required=False)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if "\n" in reason or "\r" in reason:
            raise forms.ValidationError("One line, please.")
        return reason

    def clean(self):
        data = super().clean()
        if data.get("stage") == LeaderProfile.Stage.QUIT and not data.get("reason"):
            self.add_error("reason", "Say why they quit.")
        return data


class SignupForm(AllauthSignupForm):
    """Sign-up with a name (shown in the app instead of the email) and an optional phone.

    Opened from an invitation, the email must be the invited one: the link proved it, so it
    needs no confirmation, and the invitation is used up in the same transaction as the account.
    """

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    phone = forms.CharField(max_length=20, required=False, label="Phone (optional)")
    field_order = ["first_name", "last_name", "email", "phone", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = context.request
        self.invitation = Invitation.objects.pending().in_session(request.session) if request else None
        for name, placeholder in (
            ("first_name", "First name"),
            ("last_name", "Last name"),
            ("phone", "Phone (optional)"),
        ):
            self.fields[name].widget.attrs["placeholder"] = placeholder
        if self.invitation is not None and not self.is_bound:
            self.initial |= {
                "first_name": self.invitation.first_name,
                "last_name": self.invitation.last_name,
                "email": self.invitation.email,
            }

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        email = super().clean_email()
        if self.invitation is not None and email.lower() != self.invitation.email.lower():
            raise forms.ValidationError(
                f"Sign up with the address you were invited at, {self.invitation.email}."
            )
        return email

    def try_save(self, request):
        try:
            with transaction.atomic():
                user, response = super().try_save(request)
                if user is not None and self.invitation is not None:
                    invitation_accept(invitation=self.invitation, user=user)
                elif user is not None:
                    leader_signed_up(user=user)
        except InvitationError as error:
            # Another sign-up used the link first: the account made here is rolled back with it.
            request.session.pop(INVITATION_SESSION_KEY, None)
            return None, render(
                request, "leaders/join_refused.html", {"reason": str(error)}, status=error.status
            )
        except IntegrityError:
            # A double tap: both sign-ups passed the form's email check before either account existed,
            # and the first one made it. Say so, rather than answer the second with a server error.
            request.session.pop(INVITATION_SESSION_KEY, None)
            reason = "An account with this email address was just created: sign in instead."
            return None, render(request, "leaders/join_refused.html", {"reason": reason}, status=409)
        if user is not None:
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user, response

    def signup(self, request, user) -> None:
        user.phone = self.cleaned_data["phone"]
        user.save(update_fields=["phone"])

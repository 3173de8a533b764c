"""The host's door page on a phone: search invitees, check them in, add walk-ins, record the ask; and its sync API.

The page queues every tap in the field app's outbox (static/js/door-1.js), so it works without a
connection; without JavaScript its forms post to door_record. Both ways read items with the same
forms and write through events.checkin.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from contacts.services import Recorded
from contacts.vendor import normalize_phone
from events.checkin import Ask, CheckIn, WalkIn, door_record, usable_address
from events.models import Attendee, Gathering, get_gathering_for
from field.views import read_batch
from lib.offline import offline_page

# --- reading an item --------------------------------------------------------------------------------


class _DoorItemForm(forms.Form):
    uuid = forms.UUIDField(widget=forms.HiddenInput)
    # Without JavaScript the time the server read the form is the time of the tap.
    device_time = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def clean_device_time(self):
        now = timezone.now()
        moment = self.cleaned_data["device_time"]
        # A phone's clock running ahead must not make its answer outrank every later one.
        return now if moment is None or moment > now else moment


class CheckInForm(_DoorItemForm):
    gathering = forms.IntegerField()
    invitation = forms.IntegerField()

    def item(self) -> CheckIn:
        data = self.cleaned_data
        return CheckIn(data["uuid"], data["gathering"], data["invitation"], data["device_time"])


def _one_line(value: str) -> str:
    """Collapse newlines and runs of spaces: what a host types is shown on one line, escaped."""
    return " ".join(value.split())


class WalkInForm(_DoorItemForm):
    gathering = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        max_length=120, label="Name", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    address = forms.CharField(max_length=200, required=False, label="Street address")
    zip_code = forms.CharField(max_length=10, required=False, label="ZIP")
    phone = forms.CharField(max_length=20, required=False, label="Phone")

    def clean_name(self):
        name = _one_line(self.cleaned_data["name"])
        if not any(character.isalpha() for character in name):
            raise forms.ValidationError("Enter the person's name.")
        return name

    def clean_address(self):
        return _one_line(self.cleaned_data["address"])

    def clean_zip_code(self):
        typed = self.cleaned_data["zip_code"].strip()
        if typed and not (typed[:5].isdigit() and len(typed) in (5, 10)):
            raise forms.ValidationError("A ZIP is five digits.")
        return typed[:5]

    def clean_phone(self):
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        number = normalize_phone(typed)
        if number is None:
            raise forms.ValidationError("Enter a ten-digit US phone number, or leave it empty.")
        return number

    def clean(self):
        data = super().clean()
        address, phone = data.get("address", ""), data.get("phone", "")
        if "address" in data and "phone" in data and not phone and not usable_address(address):
            raise forms.ValidationError(
                "Add their street address (house number and street) or a phone number: "
                "that is how we find them in the voter file and reach them again."
            )
        return data

    def item(self) -> WalkIn:
        data = self.cleaned_data
        return WalkIn(
            uuid=data["uuid"],
            gathering_id=data["gathering"],
            name=data["name"],
            device_time=data["device_time"],
            address=data["address"],
            zip_code=data["zip_code"],
            phone=data["phone"],
        )


class AskForm(_DoorItemForm):
    attendee = forms.UUIDField()
    answer = forms.ChoiceField(choices=Attendee.Ask.choices)
    email = forms.EmailField(required=False)

    def item(self) -> Ask:
        data = self.cleaned_data
        return Ask(data["uuid"], data["attendee"], data["answer"], data["device_time"], data["email"])


FORMS = {"check_in": CheckInForm, "walk_in": WalkInForm, "ask": AskForm}


def _read(data) -> tuple[object | None, str]:
    """Return (item, "") for valid item data, else (None, the first error as a sentence)."""
    form_class = FORMS.get(data.get("kind"))
    if form_class is None:
        return None, 'Say what it is: "kind" is check_in, walk_in or ask.'
    form = form_class(data)
    if not form.is_valid():
        errors = form.errors.get("__all__") or next(iter(form.errors.values()))
        return None, errors[0]
    return form.item(), ""


# --- the page -------------------------------------------------------------------------------------


def _host_gathering(user, pk) -> Gathering:
    """Fetch a gathering the user hosts: out of scope is 404, someone else's they may see is 403."""
    gathering = get_gathering_for(user, pk)
    if gathering.host_id != user.pk:  # the door stays the host's after the evening, to finish the answers
        raise PermissionDenied
    return gathering


def _name_matches(words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= Q(voter__first_name__istartswith=word) | Q(voter__last_name__istartswith=word)
    return condition


@login_required
@offline_page
def door(request, pk):
    """Check people in at the door of a gathering and record the ask, on the host's phone."""
    gathering = _host_gathering(request.user, pk)
    query = _one_line(request.GET.get("q", ""))[:60]
    invitations = (
        gathering.invitations.filter(_name_matches(query.split()))
        .select_related("voter", "attendee")
        .order_by("voter__last_name", "voter__first_name", "pk")
    )
    walk_ins = gathering.attendees.filter(origin=Attendee.Origin.WALK_IN)
    form = WalkInForm(initial={"gathering": gathering.pk, "uuid": uuid.uuid4()})
    return render(
        request,
        "field/door.html",
        {
            "gathering": gathering,
            "invitations": invitations,
            "walk_ins": walk_ins,
            "query": query,
            "form": form,
            "answers": Attendee.Ask.choices,
            "cancelled": gathering.is_cancelled,
            "checked_in": gathering.attendees.count(),
            "new_uuid": uuid.uuid4,
        },
    )


@login_required
@require_POST
def door_post(request, pk):
    """Record one check-in, walk-in or answer posted by the page without JavaScript."""
    gathering = _host_gathering(request.user, pk)
    data = request.POST.copy()
    data["gathering"] = str(gathering.pk)
    item, error = _read(data)
    if item is None:
        messages.error(request, f"Not saved: {error}")
        return redirect("field:door", gathering.pk)
    [outcome] = door_record(user=request.user, items=[item])
    if outcome.status == Recorded.REJECTED:
        messages.error(request, f"Not saved: {outcome.error}")
    else:
        messages.success(request, "Saved.")
    return redirect("field:door", gathering.pk)


@csrf_exempt
@never_cache
@require_POST
def door_sync(request):
    """Record check-ins, walk-ins and answers from the outbox; answer per item, after commit.

    Body: {"user"?: the id of the account that entered them (else 409), "attempts": [items]}, the
    outbox's envelope. An item is {"uuid", "kind": "check_in", "gathering", "invitation"} or
    {"uuid", "kind": "walk_in", "gathering", "name", "address"?, "zip_code"?, "phone"?} or
    {"uuid", "kind": "ask", "attendee": the check-in's uuid, "answer": yes|maybe|no|not_asked},
    each with an optional ISO "device_time". Reply: {"results": [{"uuid", "status", "error"}]}, in order.
    """
    user, raw_items, refused = read_batch(request)
    if refused is not None:
        return refused
    results: list[dict | None] = [None] * len(raw_items)
    to_record = []
    for index, raw in enumerate(raw_items):
        item, error = _read(raw) if isinstance(raw, dict) else (None, "Each item is an object.")
        if item is None:
            raw_uuid = raw.get("uuid") if isinstance(raw, dict) else None
            results[index] = {"uuid": str(raw_uuid or ""), "status": Recorded.REJECTED, "error": error}
        else:
            to_record.append((index, item))
    outcomes = door_record(user=user, items=[item for _, item in to_record])
    for (index, _), outcome in zip(to_record, outcomes, strict=True):
        results[index] = {"uuid": str(outcome.client_uuid), "status": outcome.status, "error": outcome.error}
    return JsonResponse({"results": results})

from django.contrib import admin

from events.models import Gathering, Invitation


@admin.register(Gathering)
class GatheringAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "kind", "host", "place", "capacity", "cancelled_at"]
    list_filter = ["kind"]
    search_fields = ["place", "host__email"]
    raw_id_fields = ["host"]
    date_hierarchy = "starts_at"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["gathering", "voter", "rsvp", "invited_by", "answered_at"]
    list_filter = ["rsvp"]
    raw_id_fields = ["gathering", "voter", "invited_by", "attempt"]

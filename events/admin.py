from django.contrib import admin

from events.models import ApiToken, Gathering, Invitation


@admin.register(Gathering)
class GatheringAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "kind", "host", "place", "capacity"]
    list_filter = ["kind"]
    search_fields = ["place", "host__email"]
    raw_id_fields = ["host"]
    date_hierarchy = "starts_at"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["gathering", "voter", "rsvp", "invited_by", "answered_at"]
    list_filter = ["rsvp"]
    raw_id_fields = ["gathering", "voter", "invited_by", "attempt"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py issue_api_token`; leaders revoke theirs on the devices page."""

    list_display = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by"]
    search_fields = ["user__email", "name"]

    def has_add_permission(self, request):
        return False

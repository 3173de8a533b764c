from django.contrib import admin

from turf.models import Change, Cycle, Turf


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "election_date", "is_active", "pool_built_at"]
    # A new active cycle carries every leader's neighbors over: that is `manage.py start_cycle`.
    readonly_fields = ["is_active", "pool_built_at", "created_at"]


@admin.register(Turf)
class TurfAdmin(admin.ModelAdmin):
    """Read-only: every change to a list goes through the turf pages, which record who made it."""

    list_display = [
        "leader",
        "cycle",
        "county",
        "status",
        "locked",
        "call_median_m",
        "door_median_m",
        "cut_at",
    ]
    list_filter = ["cycle", "status", "locked", "anchor"]
    search_fields = ["leader__email", "leader__last_name", "county", "precinct"]
    list_select_related = ["leader", "cycle"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(TurfAdmin):
    list_display = ["created_at", "leader", "actor", "action", "note"]
    list_filter = ["action"]
    search_fields = ["leader__email", "actor__email", "note"]
    list_select_related = ["leader", "actor"]

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from leaders.models import ApiToken, LeaderProfile, StageChange, User
from leaders.pipeline import profile_for
from lib.admin import password_again


class PasswordAgainToWrite:
    """Ask for the password again before any write through these admin pages; reading them does not.

    An account's role, counties, password and second factor decide who sees voter data: writing
    them is as sensitive as an export or a candidate's approval, which ask the same.
    """

    @password_again
    def add_view(self, request, *args, **kwargs):
        return super().add_view(request, *args, **kwargs)

    @password_again
    def change_view(self, request, *args, **kwargs):
        return super().change_view(request, *args, **kwargs)

    @password_again
    def delete_view(self, request, *args, **kwargs):
        return super().delete_view(request, *args, **kwargs)

    @password_again  # the list's actions (delete selected) post here
    def changelist_view(self, request, *args, **kwargs):
        return super().changelist_view(request, *args, **kwargs)


@admin.register(User)
class UserAdmin(PasswordAgainToWrite, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "phone"]}),
        ("Home", {"fields": ["voter", "home_verified_at", "home_verified_by"]}),
        ("Role", {"fields": ["role", "counties", "is_active", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "counties", "password1", "password2"]})
    ]
    readonly_fields = [
        "last_login",
        "date_joined",
        "voter",
        "home_verified_at",
        "home_verified_by",
    ]
    filter_horizontal: list[str] = []

    @password_again
    def user_change_password(self, request, *args, **kwargs):
        return super().user_change_password(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_leader:
            # Every leader account has a profile in the pipeline, however it was made.
            profile_for(obj, origin=LeaderProfile.Origin.STAFF_INVITE)


# allauth's own admin shows an authenticator's data: the TOTP secret and recovery-code seed.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(PasswordAgainToWrite, admin.ModelAdmin):
    """Second factors without their secrets: staff may see who has one and delete a lost one."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py issue_api_token`; leaders revoke theirs on the devices page."""

    list_display = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by"]
    search_fields = ["user__email", "name"]

    def has_add_permission(self, request):
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fields = ["at", "from_stage", "to_stage", "by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LeaderProfile)
class LeaderProfileAdmin(admin.ModelAdmin):
    """Profiles are read here; stages move only through leaders.pipeline, which dates each move."""

    list_display = ["__str__", "county", "stage", "origin", "recruiter", "created_at"]
    list_filter = ["stage", "origin"]
    list_select_related = ["user", "recruiter"]
    search_fields = ["user__email", "email", "first_name", "last_name", "user__last_name"]
    raw_id_fields = ["user", "recruiter", "coordinator"]
    readonly_fields = ["stage", "stage_changed_at", "created_at"]
    inlines = [StageChangeInline]

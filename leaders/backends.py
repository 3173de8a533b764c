"""Permissions that follow the role: state staff may use every admin page, nobody else any."""

from django.contrib.auth.backends import BaseBackend


class StaffRoleBackend(BaseBackend):
    """Grant active state staff every model permission, as `is_staff` follows the same role.

    Staff run the program (DESIGN.md section 2: they manage people, roles and data); the admin's
    own rules (read-only admins, no add) still apply. No other role gets a permission here.
    """

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and user_obj.is_authenticated and user_obj.is_state_staff

    def has_module_perms(self, user_obj, app_label):
        return self.has_perm(user_obj, f"{app_label}.*")

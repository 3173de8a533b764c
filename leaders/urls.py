from django.urls import path

from leaders import views

app_name = "leaders"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("join/<str:token>/", views.join, name="join"),
    path("prospects/", views.prospects, name="prospects"),
    path("prospects/<int:pk>/invite/", views.prospect_invite, name="prospect_invite"),
    path("pipeline/<int:pk>/", views.profile, name="profile"),
    path("pipeline/<int:pk>/stage/", views.profile_stage, name="profile_stage"),
    path("devices/", views.devices, name="devices"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
    path("people/<int:user_id>/devices/", views.person_devices, name="person_devices"),
]

from django.urls import path

from leaders import views

app_name = "leaders"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("join/<str:token>/", views.join, name="join"),
    path("devices/", views.devices, name="devices"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
    path("people/<int:user_id>/devices/", views.person_devices, name="person_devices"),
]

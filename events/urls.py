from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("calls/", views.calls, name="calls"),
    path("calls/<int:voter_id>/", views.call, name="call"),
    path("record/", views.record, name="record"),
    path("api/v1/contacts/sync", views.sync, name="sync"),
    path("devices/", views.devices, name="devices"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
    path("people/<int:user_id>/devices/", views.person_devices, name="person_devices"),
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/<int:pk>/", views.gathering, name="gathering"),
    path("gatherings/<int:pk>/edit/", views.gathering_edit, name="gathering_edit"),
    path("sw.js", views.service_worker, name="service_worker"),
]

from django.urls import path

from field import checkin, views

app_name = "field"

# The same paths the pages had in events and turf: leaders' bookmarks and phones' kept pages still open.
urlpatterns = [
    path("calls/", views.calls, name="calls"),
    path("calls/<int:voter_id>/", views.call, name="call"),
    path("record/", views.record, name="record"),
    path("api/v1/contacts/sync", views.sync, name="sync"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("gatherings/<int:pk>/door/", checkin.door, name="door"),
    path("gatherings/<int:pk>/door/record/", checkin.door_post, name="door_post"),
    path("api/v1/door/sync", checkin.door_sync, name="door_sync"),
    path("offline/<slug:part>/", views.offline_bundle, name="offline_bundle"),
    path("turf/doors/", views.doors, name="doors"),
    path("turf/doors/<int:household_pk>/", views.knock, name="knock"),
    path("turf/<int:pk>/paper/", views.paper, name="paper"),
    path("turf/<int:pk>/call-sheet/", views.call_sheet, name="call_sheet"),
    path("turf/<int:pk>/walk-sheet/", views.walk_sheet, name="walk_sheet"),
]

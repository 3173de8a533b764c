from django.urls import path

from events import speaker_views, tree, views

app_name = "events"

urlpatterns = [
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/<int:pk>/", views.gathering, name="gathering"),
    path("gatherings/<int:pk>/edit/", views.gathering_edit, name="gathering_edit"),
    path("gatherings/<int:pk>/speaker/", speaker_views.gathering_speaker, name="gathering_speaker"),
    path("speakers/", speaker_views.speakers, name="speakers"),
    path("speakers/calendar/", speaker_views.speaker_calendar, name="speaker_calendar"),
    path("speakers/<int:pk>/", speaker_views.speaker_edit, name="speaker_edit"),
    path("speakers/bookings/<int:pk>/remove/", speaker_views.booking_remove, name="booking_remove"),
    path("recruits/", tree.tree, name="tree"),
    path("recruits/export.csv", tree.tree_export, name="tree_export"),
]

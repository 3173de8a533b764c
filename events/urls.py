from django.urls import path

from events import speaker_views, tree, views

app_name = "events"

urlpatterns = [
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/<int:pk>/", views.gathering, name="gathering"),
    path("gatherings/<int:pk>/edit/", views.gathering_edit, name="gathering_edit"),
    path("gatherings/<int:pk>/cancel/", views.gathering_cancel, name="gathering_cancel"),
    path("gatherings/<int:pk>/invite/", views.gathering_invite, name="gathering_invite"),
    path(
        "gatherings/<int:pk>/invitations/<int:invitation_pk>/link/",
        views.invitation_link,
        name="invitation_link",
    ),
    # The invitee's private link and the unsubscribe link from every email: no account needed.
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("rsvp/<str:token>/calendar.ics", views.rsvp_calendar, name="rsvp_calendar"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("gatherings/<int:pk>/speaker/", speaker_views.gathering_speaker, name="gathering_speaker"),
    path("speakers/", speaker_views.speakers, name="speakers"),
    path("speakers/calendar/", speaker_views.speaker_calendar, name="speaker_calendar"),
    path("speakers/<int:pk>/", speaker_views.speaker_edit, name="speaker_edit"),
    path("speakers/bookings/<int:pk>/remove/", speaker_views.booking_remove, name="booking_remove"),
    path("recruits/", tree.tree, name="tree"),
    path("recruits/export.csv", tree.tree_export, name="tree_export"),
]

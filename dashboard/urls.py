from django.urls import path

from dashboard import review_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("counties/<slug:county>/", views.index, name="county"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/classes/", views.county_classes, name="county_classes"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
    path("flags/", review_views.flags, name="flags"),
    path("flags/<int:pk>/", review_views.flag, name="flag"),
    path("flags/<int:pk>/confirm/", review_views.flag_confirm_view, name="flag_confirm"),
    path("flags/<int:pk>/roll-back/", review_views.flag_roll_back_view, name="flag_roll_back"),
]

from django.urls import path

from dashboard import followup_views, leaders_views, recognition_views, review_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("counties/<slug:county>/", views.index, name="county"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/classes/", views.county_classes, name="county_classes"),
    path("goals/", views.goals, name="goals"),
    path("goals/defaults/", views.goal_defaults, name="goal_defaults"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
    path("follow-up/", followup_views.index, name="followup"),
    path("follow-up/<slug:name>/", followup_views.one_list, name="followup_list"),
    path("follow-up/yeses/<int:pk>/prospect/", followup_views.yes_to_prospect, name="yes_to_prospect"),
    path("leaders/", leaders_views.index, name="leaders"),
    path("leaders/export.csv", leaders_views.export, name="leaders_export"),
    path("leaders/invite/", leaders_views.invite_file, name="invite_file"),
    path("leaders/invite/confirm/", leaders_views.invite_file_confirm, name="invite_file_confirm"),
    path("leaders/<int:pk>/", leaders_views.detail, name="leader"),
    path("leaders/<int:pk>/coordinator/", leaders_views.coordinator, name="leader_coordinator"),
    path("leaders/<int:pk>/deactivate/", leaders_views.deactivate, name="leader_deactivate"),
    path("recognition/", recognition_views.index, name="recognition"),
    path("recognition/<slug:county>/", recognition_views.index, name="recognition_county"),
    path("standing/", recognition_views.mine, name="standing"),
    path("flags/", review_views.flags, name="flags"),
    path("flags/<int:pk>/", review_views.flag, name="flag"),
    path("flags/<int:pk>/confirm/", review_views.flag_confirm_view, name="flag_confirm"),
    path("flags/<int:pk>/roll-back/", review_views.flag_roll_back_view, name="flag_roll_back"),
]

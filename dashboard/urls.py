from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("counties/<slug:county>/", views.index, name="county"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/classes/", views.county_classes, name="county_classes"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
]

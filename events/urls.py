from django.urls import path

from events import tree, views

app_name = "events"

urlpatterns = [
    path("gatherings/new/", views.gathering_new, name="gathering_new"),
    path("gatherings/<int:pk>/", views.gathering, name="gathering"),
    path("gatherings/<int:pk>/edit/", views.gathering_edit, name="gathering_edit"),
    path("recruits/", tree.tree, name="tree"),
    path("recruits/export.csv", tree.tree_export, name="tree_export"),
]

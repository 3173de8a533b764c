from django.urls import path

from leaders import views

app_name = "leaders"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("join/<str:token>/", views.join, name="join"),
]

from django.urls import path

from leaders import views

urlpatterns = [
    path("", views.home, name="home"),
]

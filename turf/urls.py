from django.urls import path

from turf import views

app_name = "turf"

urlpatterns: list = []

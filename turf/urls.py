from django.urls import path

app_name = "turf"

urlpatterns: list = []

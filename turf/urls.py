from django.urls import path

from turf import views

app_name = "turf"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("all/", views.index, name="index"),
    path("find-me/", views.find_me, name="find_me"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/add/", views.add_voters, name="add_voters"),
    path("<int:pk>/remove/", views.remove_voters, name="remove_voters"),
    path("<int:pk>/move/", views.move_voters, name="move_voters"),
    path("<int:pk>/lock/", views.lock, name="lock"),
    path("<int:pk>/recut/", views.recut, name="recut"),
    path("<int:pk>/quit/", views.quit, name="quit"),
    path("leaders/<int:user_pk>/start/", views.start, name="start"),
    path("leaders/<int:user_pk>/home/", views.link_home, name="link_home"),
    path("households/<int:pk>/", views.household, name="household"),
]

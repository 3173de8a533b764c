from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config import views
from field import views as field_views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Neighborhood Leader administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("voters/", include("contacts.urls")),
    path("races/", include("candidates.urls")),
    # Before turf's: the field app keeps the door list, knock screen, paper entry and sheets at turf/….
    path("", include("field.urls")),
    path("turf/", include("turf.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("", include("leaders.urls")),
    # Leaders start from their field home; field renders it and hands other roles to leaders.
    path("", field_views.home, name="home"),
    path("", include("events.urls")),
]

from django.urls import path

from candidates import mail_views, views

app_name = "candidates"

urlpatterns = [
    path("", views.races, name="races"),
    path("new/", views.race_new, name="race_new"),
    path("<int:pk>/", views.race, name="race"),
    path("<int:pk>/edit/", views.race_edit, name="race_edit"),
    path("<int:race_pk>/candidacies/new/", views.candidacy_new, name="candidacy_new"),
    path("candidacies/<int:pk>/", views.candidacy, name="candidacy"),
    path("candidacies/<int:pk>/edit/", views.candidacy_edit, name="candidacy_edit"),
    path("mine/", views.mine, name="mine"),
    path("candidacies/<int:pk>/district/", mail_views.district, name="district"),
    path("candidacies/<int:pk>/mail/", mail_views.mail_list, name="mail_list"),
    path("candidacies/<int:pk>/mail/count", mail_views.mail_count, name="mail_count"),
    path("candidacies/<int:pk>/mail/download", mail_views.mail_download, name="mail_download"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/approve/", views.account_approve, name="account_approve"),
    path("accounts/<int:pk>/revoke/", views.account_revoke, name="account_revoke"),
    path("changes/", views.changes, name="changes"),
    path("exports/", views.exports, name="exports"),
    path("exports/audit.csv", views.exports_csv, name="exports_csv"),
    path("exports/<int:pk>/", views.export, name="export"),
    path("exports/van/", views.van_export, name="van_export"),
    path("exports/van/download", views.van_download, name="van_download"),
]

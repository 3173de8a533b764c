from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/report", views.import_report, name="import_report"),
    path("imports/<int:pk>/confirm", views.import_confirm, name="import_confirm"),
    path("rollup/", views.rollup, name="rollup"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/confirm", views.report_confirm, name="report_confirm"),
    path("reports/<int:pk>/dismiss", views.report_dismiss, name="report_dismiss"),
    path("reports/<int:pk>/undo", views.report_undo, name="report_undo"),
    path("suppressions/", views.suppressions, name="suppressions"),
    path("suppressions/<int:pk>/lift", views.suppression_lift, name="suppression_lift"),
]

from django.urls import path

import contactpolicy.converters  # noqa: F401  (the export converter)
from oversight import views

# Mounted beside the registers (under /registers/), so that links already sent keep working.
app_name = "oversight"

urlpatterns = [
    path("patterns/", views.patterns, name="patterns"),
    path("audit/", views.audit_history, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("summaries/", views.summary, name="summary"),
    path("summaries/report.<export:fmt>", views.summary_export, name="summary_export"),
    path("summaries/save/", views.summary_save, name="summary_save"),
    path("summaries/saved/<int:pk>/", views.summary_snapshot, name="summary_snapshot"),
    path(
        "summaries/saved/<int:pk>/report.<export:fmt>",
        views.summary_snapshot_export,
        name="summary_snapshot_export",
    ),
]

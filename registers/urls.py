from django.urls import path, register_converter

from registers import views


class ExportFormat:
    regex = "csv|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export")

app_name = "registers"

urlpatterns = [
    path("", views.index, name="index"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/", views.staff_file, name="staff_file"),
    path("staff/<int:pk>/file.<export:fmt>", views.staff_file_export, name="staff_file_export"),
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<int:pk>/", views.pupil_file, name="pupil_file"),
    path("pupils/<int:pk>/file.<export:fmt>", views.pupil_file_export, name="pupil_file_export"),
    path("entries/<int:pk>/correct/", views.entry_correct, name="entry_correct"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("correspondence/", views.correspondence_register, name="correspondence"),
    path("contact-details/", views.contact_details_register, name="contact_details"),
    path("key-people/", views.key_people, name="key_people"),
    path("key-people/<int:pk>/", views.key_person_allocate, name="key_person"),
    path("patterns/", views.patterns, name="patterns"),
    path("audit/", views.audit_history, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/answers/<int:pk>/", views.round_respond, name="round_respond"),
    path("summaries/", views.summary, name="summary"),
    path("summaries/report.<export:fmt>", views.summary_export, name="summary_export"),
    path("summaries/save/", views.summary_save, name="summary_save"),
    path("summaries/saved/<int:pk>/", views.summary_snapshot, name="summary_snapshot"),
    path(
        "summaries/saved/<int:pk>/report.<export:fmt>",
        views.summary_snapshot_export,
        name="summary_snapshot_export",
    ),
    path("summaries/terms/", views.term_dates, name="term_dates"),
]

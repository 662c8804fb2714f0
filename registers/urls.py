from django.urls import path

import contactpolicy.converters  # noqa: F401  (the export converter)
from registers import views

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
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/answers/<int:pk>/", views.round_respond, name="round_respond"),
]

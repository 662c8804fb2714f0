from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("decided/", views.decided, name="decided"),
    path("waiting-on-others/", views.waiting_on_others, name="waiting_on_others"),
    path("<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/log/", views.request_dsl_log, name="request_dsl_log"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.request_attachment,
        name="request_attachment",
    ),
]

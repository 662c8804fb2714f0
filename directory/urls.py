from django.urls import path

from directory import views
from directory.imports import mis_views

app_name = "directory"

urlpatterns = [
    path("calendar/terms/", views.term_dates, name="term_dates"),
    path("people/roles-waiting/", views.role_requests, name="role_requests"),
    # The school's MIS through Wonde (R38, #20).
    path("mis/", mis_views.mis_connection, name="mis_connection"),
    path("mis/test/", mis_views.mis_connection_test, name="mis_connection_test"),
    path("mis/sync/", mis_views.mis_sync_start, name="mis_sync_start"),
    path("mis/syncs/<int:pk>/", mis_views.mis_sync, name="mis_sync"),
]

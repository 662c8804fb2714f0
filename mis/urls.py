"""The MIS connection's pages, under /people/mis/ (R38, #20)."""

from django.urls import path

from mis import views

app_name = "mis"

urlpatterns = [
    path("people/mis/", views.mis_connection, name="connection"),
    path("people/mis/test/", views.mis_connection_test, name="connection_test"),
    path("people/mis/sync/", views.mis_sync_start, name="sync_start"),
    path("people/mis/syncs/<int:pk>/", views.mis_sync, name="sync"),
]

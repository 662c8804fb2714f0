"""Onboarding's pages, under /people/ beside the directory's."""

from django.urls import path

from onboarding import views
from onboarding.imports import mis_views
from onboarding.imports import views as imports
from onboarding.invitations import views as invitations

app_name = "onboarding"

urlpatterns = [
    path("people/new-school-year/", views.new_school_year, name="new_school_year"),
    path("people/imports/", imports.imports, name="imports"),
    path("people/imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("people/imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("people/imports/<int:pk>/cancel/", imports.import_cancel_view, name="import_cancel"),
    path("people/imports/<int:pk>/rows/<int:row>/", imports.import_row, name="import_row"),
    path("people/invitations/", invitations.going_live, name="invitations"),
    # The school's MIS through Wonde (R38, #20).
    path("people/mis/", mis_views.mis_connection, name="mis_connection"),
    path("people/mis/test/", mis_views.mis_connection_test, name="mis_connection_test"),
    path("people/mis/sync/", mis_views.mis_sync_start, name="mis_sync_start"),
    path("people/mis/syncs/<int:pk>/", mis_views.mis_sync, name="mis_sync"),
    # The link in an invitation (going live, #20): the product's own page, not allauth's.
    path(
        "accounts/invitation/<int:pk>/<str:token>/",
        invitations.invitation_page,
        name="invitation_accept",
    ),
]

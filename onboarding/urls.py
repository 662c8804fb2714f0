"""Onboarding's pages, under /people/ beside the directory's."""

from django.urls import path

from onboarding.imports import views as imports

app_name = "onboarding"

urlpatterns = [
    path("people/imports/", imports.imports, name="imports"),
    path("people/imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("people/imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("people/imports/<int:pk>/cancel/", imports.import_cancel_view, name="import_cancel"),
    path("people/imports/<int:pk>/rows/<int:row>/", imports.import_row, name="import_row"),
]

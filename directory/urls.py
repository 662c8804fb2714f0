from django.urls import path

from directory import views
from directory.invitations import views as invitations

app_name = "directory"

urlpatterns = [
    path("calendar/terms/", views.term_dates, name="term_dates"),
    path("people/roles-waiting/", views.role_requests, name="role_requests"),
    path("people/invitations/", invitations.going_live, name="invitations"),
]

from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("calendar/terms/", views.term_dates, name="term_dates"),
    path("people/roles-waiting/", views.role_requests, name="role_requests"),
]

from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("people/roles-waiting/", views.role_requests, name="role_requests"),
]

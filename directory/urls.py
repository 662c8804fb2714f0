from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("terms/", views.term_dates, name="term_dates"),
]

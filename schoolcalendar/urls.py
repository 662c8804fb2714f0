"""The school calendar's pages."""

from django.urls import path

from schoolcalendar import views

app_name = "schoolcalendar"

urlpatterns = [
    path("calendar/terms/", views.term_dates, name="term_dates"),
    path("people/new-school-year/", views.new_school_year, name="new_school_year"),
]

from django.apps import AppConfig


class SchoolCalendarConfig(AppConfig):
    """The school calendar (R39, R38): terms and half-terms, closure days, bank
    holidays and school days, the school years the summaries are cut by, and the start of
    each new school year. The approvals count due dates on it and the oversight cuts its
    periods by it, so it sits low, on the directory alone."""

    default = True
    name = "schoolcalendar"
    verbose_name = "School calendar"

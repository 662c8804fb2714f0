"""The queue of background work in the administration screens (the platform's
operators: Django's own permissions, which only superusers hold), with a filter for the
emails that could not be sent."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from contactpolicy.tasks import EmailNotSent, EmailUndelivered


def _path(exception: type[Exception]) -> str:
    return f"{exception.__module__}.{exception.__qualname__}"


class EmailFailureFilter(admin.SimpleListFilter):
    title = "emails not sent"
    parameter_name = "email"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("undelivered", "Not sent after every try"),
            ("retried", "A try that failed (tried again later)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        exception = {"undelivered": EmailUndelivered, "retried": EmailNotSent}.get(self.value())
        if exception is None:
            return queryset
        return queryset.filter(exception_class_path=_path(exception))


class TaskResultAdmin(DBTaskResultAdmin):
    list_filter = (EmailFailureFilter, *DBTaskResultAdmin.list_filter)


# django-tasks-db registers its own page when its admin module is imported (above).
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)

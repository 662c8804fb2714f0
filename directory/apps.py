from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class DirectoryConfig(AppConfig):
    default = True
    name = "directory"
    verbose_name = "Directory of organisations, people and pupils"

    def ready(self) -> None:
        from contactpolicy.tasks import register_administrators_of
        from directory import home, notifications

        # Told when an email to one of their people could not be sent.
        register_administrators_of(notifications.administrators_for)

        home.register_panel(home.roles_panel)
        home.register_panel(home.administration_panel)
        home.register_panel(home.role_requests_panel)
        home.register_panel(home.todo_panel)
        home.register_todo(home.directory_todos)


class ContactAdminConfig(admin_apps.AdminConfig):
    """Django's admin, entered by administrators and scoped to their organisations."""

    default = False
    default_site = "directory.admin_site.ContactAdminSite"

    def ready(self) -> None:
        super().ready()
        from allauth.mfa.models import Authenticator
        from django.contrib import admin

        # allauth's own page lists everyone's authenticators, secrets in their data:
        # nobody needs it here (R37).
        if admin.site.is_registered(Authenticator):
            admin.site.unregister(Authenticator)

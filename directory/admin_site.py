from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from directory.access import Access
from directory.models import Role


class ContactAdminSite(admin.AdminSite):
    site_header = "Staff contact register: administration"
    site_title = "Administration"
    index_title = "Organisations, people and pupils"
    # allauth registers its table of email addresses here. A person's address is changed
    # on their page in the directory only, where the change is audited and both
    # addresses are told (directory.services.person_email_change).
    # Nor the social accounts' tables: the providers come from the settings and each
    # organisation's page, and who signs in how from the person's page (identity).
    not_administered_here = frozenset(
        {
            "account.emailaddress",
            "socialaccount.socialapp",
            "socialaccount.socialaccount",
            "socialaccount.socialtoken",
        }
    )

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        models = (
            model_or_iterable
            if isinstance(model_or_iterable, list | tuple)
            else [model_or_iterable]
        )
        kept = [
            model for model in models if model._meta.label_lower not in self.not_administered_here
        ]
        if kept:
            super().register(kept, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active or not user.is_authenticated:
            return False
        return user.is_superuser or Access.for_user(user).has_role(Role.ADMINISTRATOR)

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # One way to change a password: the product's page, audited and told to the person.
        return redirect("account_change_password")

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not an administrator: say so, rather than loop through sign-in.
            raise PermissionDenied
        # One way in for everybody: the rate-limited sign-in page.
        return redirect_to_login(
            request.GET.get("next", reverse("admin:index")), reverse("account_login")
        )

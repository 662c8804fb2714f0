from django.contrib import admin
from django.urls import include, path

from directory import views as directory_views

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("health/", directory_views.health, name="health"),
    # Only the allauth pages the product uses, listed one by one (#18): the second
    # factor (R37), single sign-on (R36) and signing in and out (identity/accounts_urls.py).
    path("accounts/2fa/", include("identity.mfa_urls")),
    path("accounts/", include("identity.urls")),
    path("accounts/", include("identity.accounts_urls")),
    path("policy/", include("policies.urls")),
    path("declarations/", include("declarations.urls")),
    path("decisions/", include("approvals.urls")),
    path("registers/", include("registers.urls")),
    path("registers/", include("oversight.urls")),
    path("", include("directory.urls")),
    path("", include("schoolcalendar.urls")),
    path("", include("onboarding.urls")),
    path("", include("mis.urls")),
    path("", include("identity.invitations.urls")),
    path("admin/", admin.site.urls),
]

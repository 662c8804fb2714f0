from django.contrib import admin
from django.urls import include, path

from directory import views as directory_views

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("health/", directory_views.health, name="health"),
    # The second factor's pages, listed one by one (R37); before allauth's own.
    path("accounts/2fa/", include("directory.mfa_urls")),
    # Single sign-on (#18): the allauth views it uses, listed in directory/identity/urls.py.
    path("accounts/", include("directory.identity.urls")),
    path("accounts/", include("directory.accounts_urls")),
    path("policy/", include("policies.urls")),
    path("declarations/", include("declarations.urls")),
    path("decisions/", include("approvals.urls")),
    path("registers/", include("registers.urls")),
    path("registers/", include("oversight.urls")),
    path("", include("directory.urls")),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.urls import include, path

from directory import views as directory_views

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("health/", directory_views.health, name="health"),
    path("accounts/", include("directory.accounts_urls")),
    path("policy/", include("policies.urls")),
    path("declarations/", include("declarations.urls")),
    path("decisions/", include("approvals.urls")),
    path("registers/", include("registers.urls")),
    path("registers/", include("oversight.urls")),
    path("", include("directory.urls")),
    path("admin/", admin.site.urls),
]

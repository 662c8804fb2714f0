"""The single sign-on addresses under /accounts/ (R36): only the allauth views the
product uses. Nothing here signs anybody up, lists or connects accounts."""

from allauth.socialaccount.providers.saml import views as saml_views
from django.urls import path

from identity import views
from identity.oidc import oidc_callback, oidc_login

urlpatterns = [
    # Microsoft Entra ID and Google Workspace: provider_id is "microsoft" or "google".
    path("oidc/<str:provider_id>/login/", oidc_login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        oidc_callback,
        name="openid_connect_callback",
    ),
    # SAML 2.0, one organisation's identity provider by its slug.
    path("saml/<slug:organization_slug>/login/", saml_views.login, name="saml_login"),
    path("saml/<slug:organization_slug>/acs/", saml_views.acs, name="saml_acs"),
    path(
        "saml/<slug:organization_slug>/acs/finish/",
        views.saml_finish_acs,
        name="saml_finish_acs",
    ),
    path("saml/<slug:organization_slug>/metadata/", saml_views.metadata, name="saml_metadata"),
    # Single logout from the identity provider (named in the metadata).
    path("saml/<slug:organization_slug>/sls/", saml_views.sls, name="saml_sls"),
]

"""The second-factor pages the product uses, each named as allauth names it (its views
and templates reverse these names), under /accounts/2fa/. Only these: no passkey-only
sign-in, no passkey sign-up, no "trust this browser". Adding an authenticator counts as
this session's second factor (identity/mfa.py)."""

from allauth.mfa.base import views as base
from allauth.mfa.recovery_codes import views as recovery_codes
from allauth.mfa.totp import views as totp
from allauth.mfa.webauthn import views as webauthn
from django.urls import path

from identity.mfa import counts_as_second_factor

urlpatterns = [
    path("", base.index, name="mfa_index"),
    path("authenticate/", base.authenticate, name="mfa_authenticate"),
    path("reauthenticate/", base.reauthenticate, name="mfa_reauthenticate"),
    path("totp/activate/", counts_as_second_factor(totp.activate_totp), name="mfa_activate_totp"),
    path("totp/deactivate/", totp.deactivate_totp, name="mfa_deactivate_totp"),
    path("recovery-codes/", recovery_codes.view_recovery_codes, name="mfa_view_recovery_codes"),
    path(
        "recovery-codes/generate/",
        recovery_codes.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "recovery-codes/download/",
        recovery_codes.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
    path("webauthn/", webauthn.list_webauthn, name="mfa_list_webauthn"),
    path("webauthn/add/", counts_as_second_factor(webauthn.add_webauthn), name="mfa_add_webauthn"),
    path(
        "webauthn/reauthenticate/",
        webauthn.reauthenticate_webauthn,
        name="mfa_reauthenticate_webauthn",
    ),
    path("webauthn/keys/<int:pk>/remove/", webauthn.remove_webauthn, name="mfa_remove_webauthn"),
    path("webauthn/keys/<int:pk>/edit/", webauthn.edit_webauthn, name="mfa_edit_webauthn"),
]

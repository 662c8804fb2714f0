"""The sign-in pages under /accounts/: only the allauth views the product uses (R36).

allauth's own ``allauth.urls`` also serves sign-up, the email addresses page (add an
address, make it primary, remove the school one), setting a first password, sign-in by
code and "account inactive". None of those belongs here: people are added by an
administrator and only an administrator changes a person's email (in the directory,
audited), so every such address answers 404, and a forged post to one changes nothing.
"""

from allauth.account import views as account
from django.urls import path, re_path

from identity import views

urlpatterns = [
    path("login/", account.login, name="account_login"),
    path("logout/", account.logout, name="account_logout"),
    path("session/", views.session_status, name="session_status"),
    path("reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
    path("password/change/", views.password_change, name="account_change_password"),
    path("password/reset/", account.password_reset, name="account_reset_password"),
    path("password/reset/done/", account.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        account.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
]

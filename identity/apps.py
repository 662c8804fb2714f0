from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Who may sign in and how (R36, R37): passwords and the single sign-on of each
    organisation (OpenID Connect, SAML) through django-allauth, the second factor and
    the roles that must use one, the idle sign-out, and the invitations that bring
    people in when their organisation goes live. It sits on the directory, whose people
    and organisations say who signs in how."""

    default = True
    name = "identity"
    verbose_name = "Signing in: single sign-on, the second factor and invitations"

    def ready(self) -> None:
        from directory import home
        from identity import mfa, sessions  # noqa: F401  (sessions: its receiver)
        from identity.home import invitation_todos

        home.register_todo(invitation_todos)
        mfa.connect_audit_receivers()

from django.http import HttpRequest

from identity import mfa


def second_factor(request: HttpRequest) -> dict:
    """For the two-step sign-in pages (R37): whether this person must use a second
    factor, and whether this session has."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "mfa_required": mfa.mfa_required(user),
        "mfa_session_complete": mfa.session_has_second_factor(request),
    }

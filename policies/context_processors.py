from django.http import HttpRequest

from policies.middleware import outstanding_count


def policy(request: HttpRequest) -> dict:
    """How many policy versions wait for the signed-in person, for the banner (R30)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"policy_outstanding": outstanding_count(request)}

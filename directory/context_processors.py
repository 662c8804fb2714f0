from django.http import HttpRequest

from directory.access import DECIDING_ROLES, Access
from directory.models import Role


def access(request: HttpRequest) -> dict:
    """The signed-in person's access, for navigation by role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    person_access = Access.for_user(user)
    return {
        "access": person_access,
        "can_administer": user.is_superuser or person_access.has_role(Role.ADMINISTRATOR),
        "can_decide": person_access.has_role(*DECIDING_ROLES),
    }

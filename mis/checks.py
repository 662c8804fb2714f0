"""Onboarding's system checks (``manage.py check``, run by ``migrate`` and by
``check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def mis_token_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production refuses to run without the key the MIS access tokens are encrypted
    with (mis/tokens.py): without it they would be kept under a key
    derived from SECRET_KEY, which is not for this."""
    if not settings.PRODUCTION:
        return []
    from mis.tokens import key_problems

    return [
        Error(problem, hint="See the README, Configuration: MIS_TOKEN_KEY.", id="mis.E001")
        for problem in key_problems()
    ]

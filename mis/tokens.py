"""The MIS access tokens, encrypted at rest (R38, #20).

Each organisation's Wonde token is kept in its own connection row, encrypted with Fernet
(``cryptography``) under ``MIS_TOKEN_KEY`` from the environment: a trust of 90 schools
holds 90 tokens, each entered by the school's administrator, which the environment could
not hold one by one; and a copy of the database (a backup, a dump for support) holds
none that can be read without the key, which lives only in the environment.

``MIS_TOKEN_KEY`` may list several keys, comma-separated: the first encrypts, any of
them decrypts, so a key is changed by putting the new one first and re-saving the
tokens (:func:`token_rotate`), then dropping the old one. Production refuses to run
without a key (mis/checks.py); development and tests derive one from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenUnreadable(Exception):
    """A saved token the keys in the environment cannot decrypt; the message says so."""


def configured_keys() -> list[str]:
    return [key.strip() for key in (settings.MIS_TOKEN_KEY or "").split(",") if key.strip()]


def key_problems() -> list[str]:
    """What is wrong with ``MIS_TOKEN_KEY`` for production, in plain words (none: fine)."""
    keys = configured_keys()
    if not keys:
        return [
            "MIS_TOKEN_KEY is not set: the schools' Wonde access tokens are encrypted with "
            'it. Generate one with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"` and keep it in the environment only.'
        ]
    problems = []
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(
                f"Key {number} of MIS_TOKEN_KEY is not a Fernet key (32 bytes, url-safe "
                "base64, 44 characters)."
            )
    return problems


def _fernet() -> MultiFernet:
    keys = configured_keys()
    if not keys:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(key_problems()[0])
        # Development and tests only: a key of their own, from the SECRET_KEY.
        derived = hashlib.sha256(f"mis-token-key:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured("; ".join(key_problems())) from error


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def token_decrypt(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable(
            "The saved access token can no longer be read: the key it was encrypted with "
            "has been changed. Enter the token again from the school's Wonde dashboard."
        ) from None


def token_rotate(stored: str) -> str:
    """``stored`` encrypted again under the first key."""
    return _fernet().rotate(stored.encode()).decode()

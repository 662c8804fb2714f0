"""Settings come from the environment; production refuses to start when misconfigured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-9f8e7d6c5b4a3",
    "ALLOWED_HOSTS": "contact.example.org",
    "DATABASE_URL": "postgres://contact:secret@db.example.org:5432/contact",
    "MIS_TOKEN_KEY": "oXHPpEMuQ_NvqgaGm9S1LkLOsZXRi4d8SDUXJz6u2Xc=",  # a Fernet key
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_ENV",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_DEBUG",
            "MIS_TOKEN_KEY",
        }
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def show(setting_names: str, **env: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print([getattr(settings, name) for name in {setting_names.split()!r}])"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_deploy_check_passes_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DATABASE_URL": None}, "DATABASE_URL must point at the PostgreSQL database"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off in production"),
        ({"SECRET_KEY": "x" * 49}, "SECRET_KEY must be at least 50 random characters"),
    ],
    ids=["no database", "debug on", "short secret key"],
)
def test_production_refuses_to_start_misconfigured_naming_the_setting(change, named, tmp_path):
    """Without DATABASE_URL, production once quietly made an empty SQLite database."""
    env = {**PRODUCTION, **change, "VAR_DIR": str(tmp_path)}
    env = {key: value for key, value in env.items() if value is not None}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert named in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "named"),
    [
        (None, "MIS_TOKEN_KEY is not set"),
        ("not-a-key", "Key 1 of MIS_TOKEN_KEY is not a Fernet key"),
        (f"{PRODUCTION['MIS_TOKEN_KEY']},short", "Key 2 of MIS_TOKEN_KEY is not a Fernet key"),
    ],
    ids=["no key", "not a key", "a second key that is not one"],
)
def test_production_refuses_to_run_without_the_key_of_the_mis_tokens(key, named):
    """The schools' Wonde tokens are encrypted with it (mis/tokens.py)."""
    env = {**PRODUCTION, "MIS_TOKEN_KEY": key}
    env = {name: value for name, value in env.items() if value is not None}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "mis.E001" in result.stderr
    assert named in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {key: value for key, value in PRODUCTION.items() if key != "ALLOWED_HOSTS"}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "url", ["not a url", "mysql://root@localhost/contact", "postgres://host:notaport/db"]
)
def test_a_bad_database_url_stops_the_app_with_a_message_naming_it(url):
    result = run_manage("check", **{**PRODUCTION, "DATABASE_URL": url})

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_settings_are_https_only_with_hsts_and_no_framing():
    output = show(
        "DEBUG SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_SSL_REDIRECT "
        "SECURE_HSTS_SECONDS X_FRAME_OPTIONS SESSION_COOKIE_AGE",
        **PRODUCTION,
    )

    assert output == "[False, True, True, True, 31536000, 'DENY', 28800]"


def test_development_defaults_to_an_embedded_sqlite_database_under_var():
    output = show("DATABASES", DJANGO_ENV="development")

    assert "sqlite3" in output
    assert "var/db.sqlite3" in output


def test_postgresql_connections_turn_jit_off_and_keep_the_urls_own_options():
    """JIT compiling cost the audit trail 40 ms a page (#10); options in DATABASE_URL
    are kept, and a pooler that refuses startup options can switch it off."""
    url = "postgres://app@db.example.org:5432/contact?options=-c%20statement_timeout%3D5000"

    merged = show("DATABASES", DJANGO_ENV="development", DATABASE_URL=url)
    pooled = show("DATABASES", DJANGO_ENV="development", DATABASE_URL=url, DATABASE_JIT_OFF="no")

    assert "'options': '-c statement_timeout=5000 -c jit=off'" in merged
    assert "jit=off" not in pooled
    assert "statement_timeout=5000" in pooled

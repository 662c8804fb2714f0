"""Security headers on every response (DESIGN.md's security baseline)."""

import re

import pytest
from django.urls import reverse

from tests.conftest import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def test_content_security_policy_allows_scripts_only_from_self_or_by_nonce(client, person):
    sign_in_with_mfa(client, person)

    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    # every script tag on the page is either external or carries the nonce
    for tag in re.findall(r"<script[^>]*>", response.text):
        assert "src=" in tag or f'nonce="{nonce}"' in tag
    assert "frame-ancestors 'none'" in policy


def test_pages_cannot_be_framed_and_content_types_are_not_sniffed(client):
    response = client.get(reverse("account_login"))

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_for_a_signed_in_person_are_never_cached(client, person):
    sign_in_with_mfa(client, person)

    response = client.get("/")

    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_session_cookie_is_http_only_and_same_site(client, person):
    client.post(
        reverse("account_login"), {"login": person.email, "password": "a-long-test-password"}
    )

    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_every_page_loads_htmx_and_sends_the_csrf_token_with_htmx_requests(client, person):
    sign_in_with_mfa(client, person)

    response = client.get("/")

    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', response.text)
    assert 'hx-headers=\'{"X-CSRFToken"' in response.text


@pytest.mark.parametrize("path", ["/accounts/login/", "/health/", "/a-page-that-is-not-there/"])
def test_every_response_forbids_the_camera_microphone_and_location(client, path):
    response = client.get(path)

    policy = dict(
        part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"
    # Security keys and passkeys work on the product's own pages only.
    assert policy["publickey-credentials-get"] == "(self)"

"""Error pages explain what happened in plain words and show no internals."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import path

from contactpolicy import urls as project_urls
from tests.conftest import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("secret internal detail: table contactpolicy_auditevent")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken),
    path("forbidden/", forbidden),
    *project_urls.urlpatterns,
]


def test_unknown_page_is_a_friendly_404(client, person):
    sign_in_with_mfa(client, person)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Skip to main content" in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_shows_a_plain_page_with_no_internals(client, person):
    client.raise_request_exception = False
    sign_in_with_mfa(client, person)

    response = client.get("/broken/")

    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_forbidden_page_explains_without_detail(client, person):
    sign_in_with_mfa(client, person)

    response = client.get("/forbidden/")

    assert response.status_code == 403
    assert "You cannot do that" in response.text


def test_500_template_renders_without_a_request_or_database():
    html = render_to_string("500.html")

    assert "Sorry, something went wrong" in html

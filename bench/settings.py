"""The production settings, served by gunicorn for the benchmark, plus its floor view.

``bench/run.py`` sets DJANGO_ENV=production, a throwaway SECRET_KEY, ALLOWED_HOSTS and
SECURE_SSL_REDIRECT=false (there is no TLS on 127.0.0.1) before this is imported.
"""

from contactpolicy.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Development only: the scale seeder (`manage.py seed_scale`) and the benchmark.
    Installed outside production and left out of the Docker image."""

    name = "bench"

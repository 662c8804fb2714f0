from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and the local stand-ins for the outside systems (development only, not
    in the Docker image's settings): a federation, a pre-school and a school still to
    import, fifteen months of history made by the real services, a local OpenID Connect
    identity provider and a local Wonde. It sits on every app, as the benchmark does."""

    default = True
    name = "demo"
    verbose_name = "Demo (development only)"

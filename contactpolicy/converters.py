"""Path converters shared by the apps' URLconfs, registered once."""

from django.urls import register_converter


class ExportFormat:
    """The formats a file or report downloads as."""

    regex = "csv|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export")

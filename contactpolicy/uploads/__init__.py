"""Uploaded files (a declaration's attachment, a policy document, a training
certificate): checking one before it is kept (``checks``, ``pdf``, ``office``), keeping
it with its row and handing it back (``storage``), and the nightly sweep of files no row
points at (``sweep``, registered in ``ContactPolicyConfig.ready``). R11, R29, R31."""

from contactpolicy.uploads.checks import UPLOAD_TYPES, upload_check, upload_name
from contactpolicy.uploads.storage import file_download, generated_path, upload_kept

__all__ = [
    "UPLOAD_TYPES",
    "file_download",
    "generated_path",
    "upload_check",
    "upload_kept",
    "upload_name",
]

"""Moving a model to another app without losing a row (#17): the table is renamed in
the old app's migration, the state moves with ``SeparateDatabaseAndState``, and the
content type follows, here, so that the permissions, admin history and audit events
that point at it still find it. Used by migrations: keep it stable."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations


def content_types_follow(models: Iterable[str], *, old: str, new: str) -> migrations.RunPython:
    """The operation that moves the content types of ``models`` (lower-case model names)
    from app ``old`` to app ``new``, and back when the migration is reversed."""
    models = tuple(models)

    def move(apps, schema_editor, source=old, target=new):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=target, model=model).exists():
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    def move_back(apps, schema_editor):
        move(apps, schema_editor, source=new, target=old)

    return migrations.RunPython(move, move_back)

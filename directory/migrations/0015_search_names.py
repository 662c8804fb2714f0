"""Each person, pupil and family member's name as it is searched (#22): lower case,
without accents, apostrophes, hyphens or spaces (directory.search), filled in here for
the rows already held and written with every row from now on."""

from django.db import migrations

import directory.search

BATCH = 2000


def fill(apps, schema_editor):
    for name in ("Person", "Pupil", "FamilyMember"):
        model = apps.get_model("directory", name)
        rows = model.objects.order_by("pk")
        last = 0
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            model.objects.bulk_update(
                directory.search.search_names_refresh(batch), ["search_name"]
            )
            last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0014_split_into_rooms"),
    ]

    operations = [
        migrations.AddField(
            model_name="familymember",
            name="search_name",
            field=directory.search.SearchNameField(
                blank=True, default="", editable=False, max_length=1000
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=directory.search.SearchNameField(
                blank=True, default="", editable=False, max_length=1000
            ),
        ),
        migrations.AddField(
            model_name="pupil",
            name="search_name",
            field=directory.search.SearchNameField(
                blank=True, default="", editable=False, max_length=1000
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

from django.db import migrations

from quiz import search_index


def install(apps, schema_editor):
    search_index.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """The full-text index over card text (FTS5 on SQLite, a generated tsvector column with a
    GIN index on PostgreSQL; see quiz.search_index)."""

    dependencies = [
        ("quiz", "0008_fsrs_optimizer_exam_review"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]

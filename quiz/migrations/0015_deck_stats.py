from importlib import import_module

from django.conf import settings
from django.db import migrations, models

# Adding a column with a default makes Django rebuild the table on SQLite (a new table, copied,
# renamed), and the DeckCounts triggers on the states and cards name it: they are dropped first
# and created again after, exactly as migration 0011 made them.
_deck_counts = import_module("quiz.migrations.0011_deck_counts")


def analyze_index(apps, schema_editor) -> None:
    """Where SQLite's planner has statistics (someone ran ANALYZE), give the rebuilt index its
    own: an index without them looks more selective than any other, and SQLite would prefer it
    even for a learner's states in due order, which it would then sort."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute('ANALYZE "cardstate_user_deck_due"')


class Migration(migrations.Migration):
    """The statistics page's per-deck figures, stored beside the dashboard's counts; the
    (user, deck, due) index also covers what the per-deck due forecast counts."""

    dependencies = [
        ("quiz", "0014_exam_domain_scores"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_deck_counts.drop_triggers, _deck_counts.create_triggers),
        migrations.AddField(
            model_name="deckcounts",
            name="stats",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="deckcounts",
            name="stats_computed",
            field=models.BigIntegerField(default=-1),
        ),
        migrations.AddField(
            model_name="deckcounts",
            name="stats_key",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="deckcounts",
            name="stats_valid_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(_deck_counts.create_triggers, _deck_counts.drop_triggers),
        migrations.RemoveIndex(
            model_name="cardstate",
            name="cardstate_user_deck_due",
        ),
        migrations.AddIndex(
            model_name="cardstate",
            index=models.Index(
                fields=["user", "deck", "due", "suspended", "state", "card"],
                name="cardstate_user_deck_due",
            ),
        ),
        migrations.RunPython(analyze_index, migrations.RunPython.noop),
    ]

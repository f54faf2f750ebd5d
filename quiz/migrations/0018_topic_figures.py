from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Dropping a column may rebuild quiz_deckcounts on SQLite (a new table, copied, renamed), and
# the triggers of migrations 0011 and 0016 name it: dropped first, created again after.
_deck_counts = import_module("quiz.migrations.0011_deck_counts")
_topic_stamps = import_module("quiz.migrations.0016_topic_stamps")


def drop_triggers(apps, schema_editor) -> None:
    _topic_stamps.drop_triggers(apps, schema_editor)
    _deck_counts.drop_triggers(apps, schema_editor)


def create_triggers(apps, schema_editor) -> None:
    _deck_counts.create_triggers(apps, schema_editor)
    _topic_stamps.create_triggers(apps, schema_editor)


def recompute_stats(apps, schema_editor) -> None:
    """Every deck's stored statistics computed whole on its next visit, which writes the
    per-topic rows the deck's sums are then adjusted from."""
    apps.get_model("quiz", "DeckCounts").objects.using(schema_editor.connection.alias).update(
        stats_computed=-1
    )


class Migration(migrations.Migration):
    """The statistics' per-topic figures (and each topic's due forecast) as rows of their own,
    instead of one JSON document per deck read and rewritten whole on every visit."""

    dependencies = [
        ("quiz", "0017_tally_new_cards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers),
        migrations.RemoveField(
            model_name="deckcounts",
            name="stats_topics",
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.CreateModel(
            name="TopicFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.BigIntegerField(default=0)),
                ("figures", models.JSONField(blank=True, default=list)),
                ("forecast", models.JSONField(blank=True, default=list)),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="quiz.topic",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "topic"), name="topicfigures_unique_user_topic"
                    )
                ],
            },
        ),
        migrations.RunPython(recompute_stats, migrations.RunPython.noop),
    ]

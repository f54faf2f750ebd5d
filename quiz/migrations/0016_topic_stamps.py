from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Adding a column with a default rebuilds quiz_deckcounts on SQLite, and the triggers of
# migration 0011 name it: dropped first, created again after (as migration 0015 does). A later
# migration that rebuilds the table must do the same for the triggers below.
_deck_counts = import_module("quiz.migrations.0011_deck_counts")

# Triggers, like 0011's, so no writer can forget them. A write to one of a learner's states
# bumps the stamp of the state's topic (old and new topic when it moves); a state without a
# topic cannot say which topic changed, so its deck's statistics are marked for computing
# whole (stats_computed = -1). Only rows the statistics page created are updated: a stamp
# that does not exist yet belongs to a deck that will be computed whole anyway. A card added,
# deleted, retired, restored or moved changes its deck for every learner: computed whole.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER quiz_topicstamp_state_insert AFTER INSERT ON quiz_cardstate BEGIN
        UPDATE quiz_topicstamp SET generation = generation + 1
        WHERE user_id = NEW.user_id AND topic_id = NEW.topic_id;
        UPDATE quiz_deckcounts SET stats_computed = -1
        WHERE NEW.topic_id IS NULL AND user_id = NEW.user_id AND deck_id = NEW.deck_id;
    END""",
    """CREATE TRIGGER quiz_topicstamp_state_update AFTER UPDATE ON quiz_cardstate BEGIN
        UPDATE quiz_topicstamp SET generation = generation + 1
        WHERE user_id = NEW.user_id AND topic_id = NEW.topic_id;
        UPDATE quiz_topicstamp SET generation = generation + 1
        WHERE user_id = OLD.user_id AND topic_id = OLD.topic_id
          AND (OLD.user_id != NEW.user_id OR OLD.topic_id IS NOT NEW.topic_id);
        UPDATE quiz_deckcounts SET stats_computed = -1
        WHERE (NEW.topic_id IS NULL OR OLD.topic_id IS NULL)
          AND user_id IN (NEW.user_id, OLD.user_id) AND deck_id IN (NEW.deck_id, OLD.deck_id);
    END""",
    """CREATE TRIGGER quiz_topicstamp_state_delete AFTER DELETE ON quiz_cardstate BEGIN
        UPDATE quiz_topicstamp SET generation = generation + 1
        WHERE user_id = OLD.user_id AND topic_id = OLD.topic_id;
        UPDATE quiz_deckcounts SET stats_computed = -1
        WHERE OLD.topic_id IS NULL AND user_id = OLD.user_id AND deck_id = OLD.deck_id;
    END""",
    """CREATE TRIGGER quiz_cardstats_card_insert AFTER INSERT ON quiz_card BEGIN
        UPDATE quiz_deckcounts SET stats_computed = -1 WHERE deck_id = NEW.deck_id;
    END""",
    """CREATE TRIGGER quiz_cardstats_card_update AFTER UPDATE OF status, topic_id, deck_id
        ON quiz_card
        WHEN OLD.status IS NOT NEW.status OR OLD.topic_id IS NOT NEW.topic_id
          OR OLD.deck_id IS NOT NEW.deck_id
    BEGIN
        UPDATE quiz_deckcounts SET stats_computed = -1 WHERE deck_id IN (OLD.deck_id, NEW.deck_id);
    END""",
    """CREATE TRIGGER quiz_cardstats_card_delete AFTER DELETE ON quiz_card BEGIN
        UPDATE quiz_deckcounts SET stats_computed = -1 WHERE deck_id = OLD.deck_id;
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "quiz_topicstamp_state_insert",
        "quiz_topicstamp_state_update",
        "quiz_topicstamp_state_delete",
        "quiz_cardstats_card_insert",
        "quiz_cardstats_card_update",
        "quiz_cardstats_card_delete",
    )
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION quiz_topicstamp_state_changed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN
            IF NEW.topic_id IS NULL THEN
                UPDATE quiz_deckcounts SET stats_computed = -1
                WHERE user_id = NEW.user_id AND deck_id = NEW.deck_id;
            ELSE
                UPDATE quiz_topicstamp SET generation = generation + 1
                WHERE user_id = NEW.user_id AND topic_id = NEW.topic_id;
            END IF;
        END IF;
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.user_id <> NEW.user_id
                OR OLD.topic_id IS DISTINCT FROM NEW.topic_id)) THEN
            IF OLD.topic_id IS NULL THEN
                UPDATE quiz_deckcounts SET stats_computed = -1
                WHERE user_id = OLD.user_id AND deck_id = OLD.deck_id;
            ELSE
                UPDATE quiz_topicstamp SET generation = generation + 1
                WHERE user_id = OLD.user_id AND topic_id = OLD.topic_id;
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER quiz_topicstamp_state AFTER INSERT OR UPDATE OR DELETE ON quiz_cardstate
        FOR EACH ROW EXECUTE FUNCTION quiz_topicstamp_state_changed()""",
    """CREATE FUNCTION quiz_cardstats_card_changed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE quiz_deckcounts SET stats_computed = -1 WHERE deck_id = OLD.deck_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE quiz_deckcounts SET stats_computed = -1 WHERE deck_id = NEW.deck_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER quiz_cardstats_card AFTER INSERT OR DELETE ON quiz_card
        FOR EACH ROW EXECUTE FUNCTION quiz_cardstats_card_changed()""",
    """CREATE TRIGGER quiz_cardstats_card_update AFTER UPDATE OF status, topic_id, deck_id
        ON quiz_card FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.topic_id IS DISTINCT FROM NEW.topic_id
              OR OLD.deck_id IS DISTINCT FROM NEW.deck_id)
        EXECUTE FUNCTION quiz_cardstats_card_changed()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS quiz_topicstamp_state ON quiz_cardstate",
    "DROP TRIGGER IF EXISTS quiz_cardstats_card ON quiz_card",
    "DROP TRIGGER IF EXISTS quiz_cardstats_card_update ON quiz_card",
    "DROP FUNCTION IF EXISTS quiz_topicstamp_state_changed()",
    "DROP FUNCTION IF EXISTS quiz_cardstats_card_changed()",
]


def create_triggers(apps, schema_editor) -> None:
    _deck_counts._run(schema_editor, {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS})


def drop_triggers(apps, schema_editor) -> None:
    _deck_counts._run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    """Per learner and topic, a stamp of writes to its states, so the statistics compute again
    only the topics written to (`quiz.card_stats`)."""

    dependencies = [
        ("quiz", "0015_deck_stats"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_deck_counts.drop_triggers, _deck_counts.create_triggers),
        migrations.AddField(
            model_name="deckcounts",
            name="stats_topics",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(_deck_counts.create_triggers, _deck_counts.drop_triggers),
        migrations.CreateModel(
            name="TopicStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("generation", models.PositiveBigIntegerField(default=0)),
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
                        fields=("user", "topic"), name="topicstamp_unique_user_topic"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

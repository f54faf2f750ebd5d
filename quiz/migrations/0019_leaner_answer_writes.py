from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Every answer updates one state and inserts one log row; each index of those tables is one
# more entry written per answer (on PostgreSQL every index of quiz_cardstate, since the
# update moves `due` and so is never HOT), each row trigger one more call. This migration
# drops the indexes another index already begins with, and on PostgreSQL runs the two row
# triggers of the states (migrations 0011 and 0016) as one.
_deck_counts = import_module("quiz.migrations.0011_deck_counts")
_topic_stamps = import_module("quiz.migrations.0016_topic_stamps")

# --- the learner's own index on each table: the foreign keys' --------------------------------
#
# Only the index is dropped, by hand: altering the field as Django would rebuilds the whole
# table on SQLite (a copy of every state and every log row, and the states' triggers with it)
# and on PostgreSQL drops and re-validates the foreign key.

_FK_INDEXED = (("cardstate", "user"), ("review", "user"))


def _single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    """The plain (not unique, not primary key) indexes of exactly this one column."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
    ]


def drop_fk_indexes(apps, schema_editor) -> None:
    for model_name, field_name in _FK_INDEXED:
        model = apps.get_model("quiz", model_name)
        column = model._meta.get_field(field_name).column
        for name in _single_column_indexes(schema_editor, model._meta.db_table, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_fk_indexes(apps, schema_editor) -> None:
    for model_name, field_name in _FK_INDEXED:
        model = apps.get_model("quiz", model_name)
        field = model._meta.get_field(field_name)
        if not _single_column_indexes(schema_editor, model._meta.db_table, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


def analyze_remaining(apps, schema_editor) -> None:
    """Where SQLite's planner has statistics (someone ran ANALYZE), make sure the indexes that
    now serve the dropped ones' lookups have theirs: one without them looks more selective than
    any other, and SQLite could pick it for a learner's states in due order and sort them."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return
        for index in ("cardstate_user_due_open", "review_user_time_kind"):
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE idx = %s", [index])
            if not cursor.fetchone():
                cursor.execute(f'ANALYZE "{index}"')


# --- one row trigger on the states (PostgreSQL) -------------------------------------------------
#
# The bodies of 0011's quiz_deckcounts_state_changed() then 0016's
# quiz_topicstamp_state_changed(), unchanged and in the order their triggers fired (by name):
# the same writes in the same order, for one trigger call per write instead of two. SQLite's
# triggers stay as they were: there each one is a few statements compiled into the write's
# own program, not a function call.
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION quiz_cardstate_changed() RETURNS trigger AS $$
    BEGIN
        -- The dashboard's stored counts (0011): the deck's generation.
        IF TG_OP <> 'INSERT' THEN
            UPDATE quiz_deckcounts SET generation = generation + 1
            WHERE user_id = OLD.user_id AND deck_id = OLD.deck_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                AND (OLD.user_id <> NEW.user_id OR OLD.deck_id <> NEW.deck_id)) THEN
            UPDATE quiz_deckcounts SET generation = generation + 1
            WHERE user_id = NEW.user_id AND deck_id = NEW.deck_id;
        END IF;
        -- The statistics' stamps (0016): the topic's, or the whole deck for a topic-less state.
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
    """CREATE TRIGGER quiz_cardstate_changed AFTER INSERT OR UPDATE OR DELETE ON quiz_cardstate
        FOR EACH ROW EXECUTE FUNCTION quiz_cardstate_changed()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS quiz_cardstate_changed ON quiz_cardstate",
    "DROP FUNCTION IF EXISTS quiz_cardstate_changed()",
]
# The two triggers (and functions) it replaces: the first two statements of each list.
_SEPARATE = _deck_counts.POSTGRES_TRIGGERS[:2] + _topic_stamps.POSTGRES_TRIGGERS[:2]
_SEPARATE_DROP = [
    "DROP TRIGGER IF EXISTS quiz_deckcounts_state ON quiz_cardstate",
    "DROP TRIGGER IF EXISTS quiz_topicstamp_state ON quiz_cardstate",
    "DROP FUNCTION IF EXISTS quiz_deckcounts_state_changed()",
    "DROP FUNCTION IF EXISTS quiz_topicstamp_state_changed()",
]


def merge_state_triggers(apps, schema_editor) -> None:
    _deck_counts._run(schema_editor, {"postgresql": _SEPARATE_DROP + POSTGRES_TRIGGERS})


def split_state_triggers(apps, schema_editor) -> None:
    _deck_counts._run(schema_editor, {"postgresql": POSTGRES_DROP + _SEPARATE})


# A later migration that rebuilds quiz_deckcounts on SQLite drops and re-creates the triggers
# of 0011 and 0016 there; with these two it leaves PostgreSQL's as this migration made them
# (0011's and 0016's own helpers would add the separate state triggers back beside this one).


def drop_triggers(apps, schema_editor) -> None:
    """Every trigger of 0011 and 0016 and this migration, on either database."""
    _deck_counts.drop_triggers(apps, schema_editor)
    _topic_stamps.drop_triggers(apps, schema_editor)
    _deck_counts._run(schema_editor, {"postgresql": POSTGRES_DROP})


def create_triggers(apps, schema_editor) -> None:
    """The same triggers again: 0011's and 0016's, with the states' two as one on PostgreSQL."""
    _deck_counts.create_triggers(apps, schema_editor)
    _topic_stamps.create_triggers(apps, schema_editor)
    merge_state_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    """Fewer writes per answer: indexes that another index begins with dropped, and the states'
    two row triggers run as one on PostgreSQL."""

    dependencies = [
        ("quiz", "0018_topic_figures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # (user, due) begins (user, due, suspended, state), which serves the same lookups.
        migrations.RemoveIndex(model_name="cardstate", name="cardstate_user_due"),
        # (user, reviewed_at) begins (user, reviewed_at, source, undone).
        migrations.RemoveIndex(model_name="review", name="review_user_time"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="cardstate",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="card_states",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_fk_indexes, create_fk_indexes)],
        ),
        migrations.RunPython(analyze_remaining, migrations.RunPython.noop),
        migrations.RunPython(merge_state_triggers, split_state_triggers),
    ]

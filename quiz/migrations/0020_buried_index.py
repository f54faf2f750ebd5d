from django.conf import settings
from django.db import migrations, models


def analyze_new_index(apps, schema_editor) -> None:
    """Where SQLite's planner has statistics (someone ran ANALYZE), give the new index its own:
    one without them looks more selective than any other to SQLite's planner."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute('ANALYZE "cardstate_user_buried"')


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0019_leaner_answer_writes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="cardstate",
            index=models.Index(
                condition=models.Q(("buried_until__isnull", False)),
                fields=["user", "buried_until"],
                name="cardstate_user_buried",
            ),
        ),
        migrations.RunPython(analyze_new_index, migrations.RunPython.noop),
    ]

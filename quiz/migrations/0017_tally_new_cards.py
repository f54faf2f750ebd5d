from django.db import migrations, models

from quiz import tally


def backfill(apps, schema_editor):
    """Existing installs start exact: the quarter hours recounted from the review log (now with
    the new cards each introduced), then every learner's days recut from them."""
    alias = schema_editor.connection.alias
    tally.rebuild(
        review_model=apps.get_model("quiz", "Review"),
        tally_model=apps.get_model("quiz", "ReviewTally"),
        using=alias,
    )
    tally.rebuild_days(
        tally_model=apps.get_model("quiz", "ReviewTally"),
        day_model=apps.get_model("quiz", "ReviewDay"),
        profile_model=apps.get_model("quiz", "StudyProfile"),
        using=alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0016_topic_stamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewday",
            name="new_cards",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reviewtally",
            name="new_cards",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

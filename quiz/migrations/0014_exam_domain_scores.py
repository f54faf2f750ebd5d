from django.db import migrations, models

from quiz import exams


def backfill(apps, schema_editor):
    """Attempts submitted before the scores were kept get them now, from their questions (their
    answers are final), so the trend reads the same figures for old and new attempts."""
    exams.backfill_domain_scores(
        attempt_model=apps.get_model("quiz", "ExamAttempt"),
        question_model=apps.get_model("quiz", "ExamQuestion"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('quiz', '0013_study_queue_covering_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='examattempt',
            name='domain_scores',
            field=models.JSONField(blank=True, default=None, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

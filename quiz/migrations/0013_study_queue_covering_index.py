from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The study queue's (user, state, due) index also carries what makes a card available, so
    counting the cards due reads the index alone."""

    dependencies = [
        ("quiz", "0012_review_days"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="cardstate",
            index=models.Index(
                fields=["user", "state", "due", "suspended", "buried_until", "card"],
                name="cardstate_user_state_queue",
            ),
        ),
        migrations.RemoveIndex(
            model_name="cardstate",
            name="cardstate_user_state_due",
        ),
    ]

"""Keep when a place took its seat, so a place promoted from the waitlist counts no session
held while it waited. Places already seated took their seat when they were created, as far as
anyone can tell now; those still waiting have none yet."""

from django.db import migrations, models
from django.db.models import F


def seat_existing(apps, schema_editor):
    Enrolment = apps.get_model("training", "Enrolment")
    Enrolment.objects.exclude(status="waitlisted").update(seated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0003_enrolment_required_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="seated_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "When the place took a seat: at enrolment, or when promoted from the waitlist."
                ),
                null=True,
                verbose_name="seated at",
            ),
        ),
        migrations.RunPython(seat_existing, migrations.RunPython.noop),
    ]

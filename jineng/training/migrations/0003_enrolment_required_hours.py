"""Store the hours a trainee needed at completion and stop storing the result as text.

Closing a class wrote the result as a sentence in the closer's language. The numbers stay:
attended and online minutes are already stored, the required hours are read back from the
sentence (either language) or, failing that, from the programme. The sentence is cleared:
Enrolment.result renders it in the viewer's language. Withdrawal reasons are kept.
"""

import re

from django.db import migrations, models

HOURS = re.compile(r"(?:of |/)(\d+) ?(?:hours|学时)")


def store_required_hours(apps, schema_editor):
    Enrolment = apps.get_model("training", "Enrolment")
    closed = Enrolment.objects.filter(
        status__in=["completed", "not_completed"], attended_minutes__isnull=False
    ).select_related("training_class__programme")
    for enrolment in closed.iterator(chunk_size=2000):
        found = HOURS.search(enrolment.result_note or "")
        programme = enrolment.training_class.programme
        enrolment.required_hours = (
            int(found.group(1)) if found else programme.theory_hours + programme.practice_hours
        )
        enrolment.result_note = ""
        enrolment.save(update_fields=["required_hours", "result_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_completion"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="required_hours",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="required hours at completion"
            ),
        ),
        migrations.RunPython(store_required_hours, migrations.RunPython.noop, elidable=True),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_person_hash_collation"),
    ]

    operations = [
        migrations.AddField(
            model_name="targetgroup",
            name="is_sensitive",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Membership reveals sensitive personal information (health, criminal "
                    "justice, financial hardship): organisations never see it on a record."
                ),
                verbose_name="sensitive",
            ),
        ),
    ]

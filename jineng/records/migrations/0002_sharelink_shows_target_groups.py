from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sharelink",
            name="shows_target_groups",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Chosen by the worker when creating the link; off by default. When on, the "
                    "link shows the groups the worker belongs to today, never the evidence "
                    "behind them."
                ),
                verbose_name="shows target groups",
            ),
        ),
    ]

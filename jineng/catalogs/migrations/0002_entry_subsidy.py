import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogs", "0001_initial"),
        ("people", "0005_affiliation_basis"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntrySubsidy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("amount_fen", models.BigIntegerField(verbose_name="subsidy per person (fen)")),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="group_subsidies",
                        to="catalogs.catalogentry",
                        verbose_name="entry",
                    ),
                ),
                (
                    "target_group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.targetgroup",
                        verbose_name="target group",
                    ),
                ),
            ],
            options={
                "verbose_name": "subsidy for a target group",
                "verbose_name_plural": "subsidies for target groups",
                "ordering": ["entry", "target_group__code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entry", "target_group"),
                        name="catalogs_entry_subsidy_one_per_group",
                        violation_error_message="This entry already has a subsidy for this group.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("amount_fen__gte", 0), ("amount_fen__lte", 100000000)),
                        name="catalogs_entry_subsidy_amount_range",
                        violation_error_message="A subsidy must be between 0 and 1,000,000 yuan.",
                    ),
                ],
            },
        ),
    ]

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalogs", "0003_copy_group_subsidies"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="catalogentry",
            name="group_subsidy_fen",
        ),
    ]

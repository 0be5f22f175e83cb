"""Load the five fund sources of the policy from data/sources.json."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from jineng.funds.sources import load_sources

    load_sources(apps.get_model("funds", "FundSource"))


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_ledger")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

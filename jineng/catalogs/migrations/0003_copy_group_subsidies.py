"""Copy every entry's JSON group subsidies ({group code: fen}) into EntrySubsidy rows.

Old data naming a target group that does not exist, or an amount that is not a whole number
of fen between 0 and MAX_SUBSIDY_FEN, stops the migration with the entry's version, key and
the code: nothing is dropped silently.
"""

from django.db import migrations

# The bound the table's check enforces (models.MAX_SUBSIDY_FEN when this was written).
MAX_SUBSIDY_FEN = 100_000_000


def copy_to_rows(apps, schema_editor):
    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    EntrySubsidy = apps.get_model("catalogs", "EntrySubsidy")
    TargetGroup = apps.get_model("people", "TargetGroup")
    groups = {group.code: group.pk for group in TargetGroup.objects.all()}
    problems = []
    rows = []
    entries = CatalogEntry.objects.exclude(group_subsidy_fen={}).exclude(
        group_subsidy_fen__isnull=True
    )
    for entry in entries.order_by("version_id", "key").iterator():
        amounts = entry.group_subsidy_fen
        where = f"entry {entry.key!r} of catalog version id {entry.version_id}"
        if not isinstance(amounts, dict):
            problems.append(f"{where}: group subsidies are not a mapping: {amounts!r}")
            continue
        for code, fen in sorted(amounts.items()):
            if code not in groups:
                problems.append(f"{where}: unknown target group code {code!r}")
            elif isinstance(fen, bool) or not isinstance(fen, int):
                problems.append(f"{where}: amount for {code!r} is not whole fen: {fen!r}")
            elif not 0 <= fen <= MAX_SUBSIDY_FEN:
                problems.append(f"{where}: amount for {code!r} is out of range: {fen!r}")
            else:
                rows.append(
                    EntrySubsidy(entry_id=entry.pk, target_group_id=groups[code], amount_fen=fen)
                )
    if problems:
        raise RuntimeError(
            "Cannot copy catalog group subsidies; fix these entries first:\n" + "\n".join(problems)
        )
    EntrySubsidy.objects.bulk_create(rows, batch_size=1000)


def copy_to_json(apps, schema_editor):
    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    EntrySubsidy = apps.get_model("catalogs", "EntrySubsidy")
    amounts = {}
    for row in EntrySubsidy.objects.select_related("target_group").iterator():
        amounts.setdefault(row.entry_id, {})[row.target_group.code] = row.amount_fen
    for entry_id, by_code in amounts.items():
        CatalogEntry.objects.filter(pk=entry_id).update(
            group_subsidy_fen=dict(sorted(by_code.items()))
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogs", "0002_entry_subsidy"),
    ]

    operations = [
        migrations.RunPython(copy_to_rows, copy_to_json),
    ]

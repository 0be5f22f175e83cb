"""Split the audit trail into streams with keyed hashes (docs/adr/0002-audit-chain.md).

Events written before keep their plain-sha256 hashes in one closed stream, ``legacy``,
numbered in their old order, so they verify as before; the first checkpoint published after
the upgrade anchors that stream's head.
"""

from django.db import migrations, models


def number_legacy_events(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    ids = AuditEvent.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=5000)
    batch = []
    for seq, pk in enumerate(ids, start=1):
        batch.append(AuditEvent(pk=pk, seq=seq))
        if len(batch) == 5000:
            AuditEvent.objects.bulk_update(batch, ["seq"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["seq"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_actor_action_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="stream",
            field=models.CharField(default="legacy", max_length=64, verbose_name="stream"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(default=0, verbose_name="number in stream"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="algorithm",
            field=models.CharField(default="sha256", max_length=40, verbose_name="hash algorithm"),
            preserve_default=False,
        ),
        migrations.RunPython(number_legacy_events, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("stream", "seq"), name="core_audit_stream_seq"
            ),
        ),
    ]

"""Row locks for training delivery: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.training.models import TrainingClass


def class_for_update(class_id: int) -> TrainingClass:
    """Lock a training class row until the transaction ends (enrolment, transitions)."""
    return TrainingClass.objects.select_for_update().select_related("programme").get(pk=class_id)


def classes_for_update(class_ids: list[int]) -> dict[int, TrainingClass]:
    """Lock several classes in id order (transfers), so two transfers never deadlock."""
    rows = TrainingClass.objects.select_for_update().filter(pk__in=class_ids).order_by("pk")
    return {row.pk: row for row in rows}

"""A catalog appeal's decision tells the account that filed it, and nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jineng.catalogs import services
from jineng.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_data", "frozen_today")]


def appeal_notes():
    rows = Notification.objects.filter(kind__startswith="appeal_").order_by("pk")
    return [(n.recipient.username, n.kind, n.params, n.target) for n in rows]


@pytest.mark.parametrize(("upheld", "kind"), [(True, "appeal_upheld"), (False, "appeal_dismissed")])
def test_decision_tells_the_appellant(
    removal, staff_a, evaluator_a, staff_b, publisher, upheld, kind
):
    appeal = services.file_appeal(removal.pk, grounds="Closed class counted.", actor=staff_a)
    services.decide_appeal(appeal.pk, upheld=upheld, decision="Decided.", actor=publisher)
    assert appeal_notes() == [
        ("staff_a", kind, {"key": removal.key}, reverse("catalogs:my_appeals"))
    ]


def test_an_appellant_who_left_the_organisation_is_not_told(removal, staff_a, school_b, publisher):
    appeal = services.file_appeal(removal.pk, grounds="Closed class counted.", actor=staff_a)
    staff_a.organization = school_b
    staff_a.save()
    services.decide_appeal(appeal.pk, upheld=False, decision="Dismissed.", actor=publisher)
    assert appeal_notes() == []

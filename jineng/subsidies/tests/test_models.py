"""A rule set holds one amount per kind, level and group, "any level" and "any group"
included, on SQLite as on PostgreSQL."""

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from jineng.subsidies.choices import AmountUnit, SubsidyKind
from jineng.subsidies.models import RuleAmount, RuleSet


def _amount(rule_set: RuleSet, fen: int, **extra: Any) -> RuleAmount:
    return RuleAmount.objects.create(
        rule_set=rule_set, kind=SubsidyKind.LIVING, unit=AmountUnit.DAY, amount_fen=fen, **extra
    )


@pytest.mark.django_db
def test_a_second_amount_for_any_level_and_group_is_refused(rule_set: RuleSet) -> None:
    _amount(rule_set, 3000)
    with pytest.raises(IntegrityError), transaction.atomic():
        _amount(rule_set, 4000)
    assert list(
        RuleAmount.objects.filter(rule_set=rule_set, kind=SubsidyKind.LIVING).values_list(
            "amount_fen", flat=True
        )
    ) == [3000]

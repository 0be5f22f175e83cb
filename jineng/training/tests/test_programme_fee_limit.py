"""A programme's fee fits its column: fee_fen is a PositiveIntegerField (PostgreSQL integer,
at most 2,147,483,647 fen = 21,474,836.47 yuan). A larger fee is refused with a message by
the form and by the service, never a database error (a 500)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jineng.catalogs.choices import TrainingType
from jineng.core.errors import ValidationFailed
from jineng.core.money import MAX_FEN
from jineng.training import services
from jineng.training.forms import ProgrammeForm
from jineng.training.models import Programme
from jineng.training.tests.helpers import programme

BASE = {
    "name": "电工培训",
    "occupation_code": "6-31-01-03",
    "training_type": "employment",
    "theory_hours": "40",
    "practice_hours": "40",
    "fee_fen": "0",
}
TOO_MUCH = "The amount is at most 21,474,836.47 yuan; {typed} is more."


@pytest.mark.parametrize("typed", ["21474836.48", "30000000", "99999999999999999999"])
def test_the_form_refuses_a_fee_too_large_for_its_column(db, occupations, levels, typed):
    form = ProgrammeForm({**BASE, "fee_fen": typed})
    assert not form.is_valid()
    assert form.errors["fee_fen"] == [TOO_MUCH.format(typed=typed)]


def test_the_form_takes_the_largest_fee(db, occupations, levels):
    form = ProgrammeForm({**BASE, "fee_fen": "21,474,836.47"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fee_fen"] == MAX_FEN


@pytest.mark.parametrize("typed", ["30000000", "99999999999999999999", "12,50"])
def test_a_posted_fee_too_large_or_misread_is_a_message_not_a_500(
    occupations, levels, staff_a, typed
):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_a)

    response = client.post(reverse("training:programmes"), {**BASE, "fee_fen": typed})

    assert response.status_code == 200
    assert response.context["form"].errors["fee_fen"]
    assert not Programme.objects.exists()


def _input(fee_fen: int) -> services.ProgrammeInput:
    return services.ProgrammeInput(
        name="电工培训",
        occupation_code="6-31-01-03",
        training_type=TrainingType.EMPLOYMENT,
        theory_hours=40,
        practice_hours=40,
        fee_fen=fee_fen,
    )


@pytest.mark.parametrize("fee_fen", [MAX_FEN + 1, 10**20])
def test_the_service_refuses_a_fee_too_large_for_its_column(occupations, levels, staff_a, fee_fen):
    with pytest.raises(ValidationFailed) as raised:
        services.create_programme(_input(fee_fen), actor=staff_a)
    assert raised.value.field == "fee_fen"
    assert str(raised.value.detail) == "The fee is at most 21,474,836.47 yuan."
    assert not Programme.objects.exists()


def test_the_service_refuses_it_on_a_change_too(occupations, levels, staff_a):
    existing = programme(staff_a, subsidised=False)
    with pytest.raises(ValidationFailed) as raised:
        services.update_programme(existing.pk, _input(MAX_FEN + 1), actor=staff_a)
    assert raised.value.field == "fee_fen"
    existing.refresh_from_db()
    assert existing.fee_fen == 0
    assert services.create_programme(_input(MAX_FEN), actor=staff_a).fee_fen == MAX_FEN

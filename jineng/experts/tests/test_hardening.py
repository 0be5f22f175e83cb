"""Regressions of the attack on the draw (attack-assess F1, F2, F4, F5, F8): reserved
purposes, the account's organisation, cancelling a session's draw, and the examination span."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.experts import draw, services
from jineng.experts.choices import Exclusion
from jineng.experts.errors import PurposeReserved
from jineng.experts.models import Draw, DrawPick, Expert
from jineng.experts.tests.helpers import DAY, make_expert, make_org, make_person, spec


@pytest.fixture
def keeper(bureau_admin: User, city: Any) -> User:
    return bureau_admin


@pytest.fixture
def three(keeper: User, occupations: Any, levels: Any) -> list[Expert]:
    return [make_expert(n, keeper, occupations["electrician"], levels["level3"]) for n in range(3)]


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _codes(made: Draw) -> dict[int, str]:
    return {e["expert_id"]: e["code"] for e in made.pool}


# F1: the purposes of assessment sessions are reserved.


def test_the_reserved_prefixes_are_the_assessment_sessions() -> None:
    assert services.RESERVED_PURPOSE_PREFIXES == ("assessment-session:",)
    assert services.is_reserved_purpose("assessment-session:12")
    assert services.is_reserved_purpose("  Assessment-Session:12")
    assert not services.is_reserved_purpose("session:12")
    assert not services.is_reserved_purpose("2026年电工三级第一批")


@pytest.mark.parametrize("purpose", ["assessment-session:7", " ASSESSMENT-SESSION:7 "])
def test_a_hand_draw_may_not_take_a_session_purpose(
    keeper: User, three: list[Expert], occupations: Any, levels: Any, purpose: str
) -> None:
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(PurposeReserved) as refused:
        services.draw_examiners(
            keeper, spec(occupations["electrician"], levels["level3"], purpose=purpose)
        )
    assert refused.value.code == "draw_purpose_reserved"
    assert refused.value.field == "purpose"
    assert str(refused.value.detail) == (
        f"The purpose {purpose.strip()} is reserved: examiners for an assessment session are "
        "drawn from the session's page. Name the purpose otherwise."
    )
    assert not Draw.objects.exists()
    assert not DrawPick.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_reserving_app_draws_its_purpose_and_only_its_purpose(
    keeper: User, three: list[Expert], occupations: Any, levels: Any
) -> None:
    made = services.draw_examiners(
        keeper,
        spec(occupations["electrician"], levels["level3"], purpose="assessment-session:7"),
        reserved=True,
    )
    assert made.purpose == "assessment-session:7"
    assert len(made.picked_ids()) == 2
    with pytest.raises(ValidationFailed):
        services.draw_examiners(
            keeper, spec(occupations["electrician"], levels["level3"]), reserved=True
        )
    assert list(Draw.objects.values_list("purpose", flat=True)) == ["assessment-session:7"]


def test_the_draw_page_refuses_a_session_purpose(keeper: User, three: list[Expert]) -> None:
    client = _client(keeper)
    form = {
        "purpose": "assessment-session:3",
        "occupation": "电工",
        "level": "level3",
        "on_date": DAY.isoformat(),
        "count": "2",
    }
    refused = client.post(reverse("experts:draw_create"), form)
    assert refused.status_code == 400
    assert "The purpose assessment-session:3 is reserved" in refused.content.decode()
    assert not Draw.objects.exists()
    shown = client.get(reverse("experts:draw_create")).content.decode()
    assert "purposes beginning with assessment-session: are reserved" in shown


# F4: a session's draw is not cancelled from the judge pool's pages; cancelled picks count.


def test_a_reserved_draw_is_cancelled_only_by_its_app(
    keeper: User, three: list[Expert], occupations: Any, levels: Any
) -> None:
    made = services.draw_examiners(
        keeper,
        spec(occupations["electrician"], levels["level3"], purpose="assessment-session:8"),
        reserved=True,
    )
    with translation.override("en"), pytest.raises(PurposeReserved) as refused:
        services.cancel_draw(made.pk, reason="不满意", actor=keeper)
    assert str(refused.value.detail) == (
        "This draw is for assessment-session:8: it is cancelled or drawn again from the "
        "session's page, not here."
    )
    made.refresh_from_db()
    assert made.cancelled_at is None
    assert not AuditEvent.objects.filter(action="experts.draw.cancelled").exists()
    # The page shows no cancel form and refuses the post.
    client = _client(keeper)
    page = client.get(reverse("experts:draw", args=[made.pk])).content.decode()
    assert "This draw belongs to an assessment session: it is not cancelled here." in page
    assert reverse("experts:draw_cancel", args=[made.pk]) not in page
    posted = client.post(reverse("experts:draw_cancel", args=[made.pk]), {"reason": "x"})
    assert posted.status_code == 400
    made.refresh_from_db()
    assert made.is_standing
    # The assessment app cancels through its own service.
    services.cancel_draw(made.pk, reason="会话无法接受", actor=keeper, reserved=True)
    made.refresh_from_db()
    assert made.cancel_reason == "会话无法接受"
    assert not made.is_standing
    # Still listed and visible, and its picks still count as workload.
    listed = client.get(reverse("experts:draws")).content.decode()
    assert reverse("experts:draw", args=[made.pk]) in listed
    assert client.get(reverse("experts:draw", args=[made.pk])).status_code == 200
    again = services.draw_examiners(
        keeper,
        spec(occupations["electrician"], levels["level3"], purpose="competition:1", count=1),
    )
    assert {e["expert_id"]: e["workload"] for e in again.pool} == {
        e.pk: int(e.pk in made.picked_ids()) for e in three
    }


# F2: the account's organisation is the expert's.


def test_an_account_of_an_organisation_gives_the_expert_its_organisation(
    keeper: User, occupations: Any, levels: Any
) -> None:
    body = make_org(1, "鉴定中心")
    staff = make_user("body_staff", Role.EVALUATOR, organization=body)
    expert = services.create_expert(
        make_person(1, keeper), services.ExpertInput(user=staff), actor=keeper
    )
    assert expert.organization == body
    event = AuditEvent.objects.get(action="experts.expert.created")
    assert event.data["organization"] == body.pk
    assert event.data["user"] == staff.pk


def test_an_account_of_another_organisation_is_refused(
    keeper: User, occupations: Any, levels: Any
) -> None:
    body, school = make_org(1, "鉴定中心"), make_org(2, "培训学校")
    staff = make_user("body_staff", Role.EVALUATOR, organization=body)
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.create_expert(
            make_person(1, keeper),
            services.ExpertInput(organization=school, user=staff),
            actor=keeper,
        )
    assert refused.value.field == "user"
    assert str(refused.value.detail) == (
        "The account body_staff belongs to another organisation (鉴定中心): an expert's "
        "account must belong to the organisation they work for."
    )
    assert not Expert.objects.exists()
    expert = make_expert(
        2, keeper, occupations["electrician"], levels["level3"], organization=school
    )
    with pytest.raises(ValidationFailed):
        services.update_expert(
            expert.pk, services.ExpertInput(organization=school, user=staff), actor=keeper
        )
    expert.refresh_from_db()
    assert (expert.organization_id, expert.user_id) == (school.pk, None)
    # The same organisation, or an account of none, is fine.
    services.update_expert(
        expert.pk, services.ExpertInput(organization=body, user=staff), actor=keeper
    )
    expert.refresh_from_db()
    assert (expert.organization_id, expert.user_id) == (body.pk, staff.pk)


def test_the_edit_page_says_the_account_rule_and_refuses_a_mismatch(
    keeper: User, occupations: Any, levels: Any
) -> None:
    body, school = make_org(1, "鉴定中心"), make_org(2, "培训学校")
    make_user("body_staff", Role.EVALUATOR, organization=body)
    expert = make_expert(
        2, keeper, occupations["electrician"], levels["level3"], organization=school
    )
    client = _client(keeper)
    url = reverse("experts:edit", args=[expert.pk])
    assert "If their account belongs to an organisation, it must be this one" in (
        client.get(url).content.decode()
    )
    refused = client.post(url, {"organization": school.pk, "username": "body_staff"})
    assert refused.status_code == 400
    assert "belongs to another organisation" in refused.content.decode()
    expert.refresh_from_db()
    assert expert.user_id is None


def test_an_expert_whose_account_belongs_to_an_excluded_organisation_is_excluded(
    keeper: User, occupations: Any, levels: Any
) -> None:
    body, other = make_org(1, "鉴定中心"), make_org(2, "另一中心")
    staff = make_user("body_staff", Role.EVALUATOR, organization=other)
    insider = make_expert(1, keeper, occupations["electrician"], levels["level3"], user=staff)
    outsider = make_expert(2, keeper, occupations["electrician"], levels["level3"])
    assert insider.organization == other
    # The account later moves to the evaluating body (the pool reads the account as it is).
    User.objects.filter(pk=staff.pk).update(organization=body)
    made = services.draw_examiners(
        keeper,
        spec(
            occupations["electrician"],
            levels["level3"],
            count=1,
            excluded_organization_ids=frozenset({body.pk}),
        ),
    )
    assert _codes(made) == {insider.pk: Exclusion.SAME_ORGANIZATION, outsider.pk: ""}
    assert made.picked_ids() == [outsider.pk]


# F8: the examiner card must be valid on every examination day.


def test_a_card_ending_during_the_examination_is_not_enough(
    keeper: User, occupations: Any, levels: Any
) -> None:
    last = DAY + datetime.timedelta(days=2)
    lapsing = make_expert(1, keeper, occupations["electrician"], levels["level3"], valid_until=DAY)
    renewed = make_expert(2, keeper, occupations["electrician"], levels["level3"], valid_until=DAY)
    services.add_qualification(
        renewed.pk,
        services.QualificationInput(
            kind="examiner",
            number="KP-RENEWED",
            valid_from=DAY + datetime.timedelta(days=1),
            valid_until=datetime.date(2035, 12, 31),
        ),
        actor=keeper,
    )
    covered = make_expert(3, keeper, occupations["electrician"], levels["level3"])
    made = services.draw_examiners(
        keeper, spec(occupations["electrician"], levels["level3"], count=2, end_date=last)
    )
    assert (made.on_date, made.end_date) == (DAY, last)
    assert _codes(made) == {
        lapsing.pk: Exclusion.NO_VALID_QUALIFICATION,
        renewed.pk: "",
        covered.pk: "",
    }
    assert set(made.picked_ids()) == {renewed.pk, covered.pk}
    with translation.override(settings.LANGUAGE_CODE):
        expected = _(
            "Holds no examiner qualification valid on every day from {first} to {last}."
        ).format(first=DAY.isoformat(), last=last.isoformat())
    assert {e["expert_id"]: e["reason"] for e in made.pool}[lapsing.pk] == expected
    # One day only (no end date): the card ending that day is enough.
    one_day = services.draw_examiners(
        keeper,
        spec(occupations["electrician"], levels["level3"], purpose="session:2", count=3),
    )
    assert one_day.end_date == DAY
    assert set(one_day.picked_ids()) == {lapsing.pk, renewed.pk, covered.pk}
    assert draw.reproduce(made) == made.picked_ids()


def test_the_last_day_cannot_come_before_the_first(
    keeper: User, three: list[Expert], occupations: Any, levels: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.draw_examiners(
            keeper,
            spec(
                occupations["electrician"],
                levels["level3"],
                end_date=DAY - datetime.timedelta(days=1),
            ),
        )
    assert refused.value.field == "end_date"
    assert not Draw.objects.exists()

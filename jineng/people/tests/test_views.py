import datetime

import pytest
from django.utils import timezone

from conftest import ID_A, ID_B
from jineng.core.models import AuditEvent
from jineng.people.models import Affiliation, TargetGroupMembership
from jineng.people.services import PersonInput, add_membership, register_person

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(serial: int, born: str = "19900101") -> str:
    """Return a valid citizen ID of 梅河口市 with a given serial number (GB 11643)."""
    body = f"220581{born}{serial:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def register(actor, id_number, name, region_code="220581001001", phone=""):
    return register_person(
        PersonInput(id_number=id_number, name=name, region_code=region_code, phone=phone),
        actor=actor,
    )


@pytest.fixture
def people(person, bureau_admin, target_groups):
    """张三 (新华社区, 13812345678), 李四 (山城村, 农民工), 张小明 (新华社区, expired 农民工)."""
    li = register(bureau_admin, ID_B, "李四", "220581100201", "13900001111")
    xiaoming = register(bureau_admin, make_id(5), "张小明", "220581001001", "13700002222")
    today = timezone.localdate()
    migrant = target_groups["migrant_worker"]
    add_membership(
        li, migrant, source="bureau", valid_from=today - datetime.timedelta(days=10), actor=None
    )
    add_membership(
        xiaoming,
        migrant,
        source="bureau",
        valid_from=today - datetime.timedelta(days=100),
        valid_until=today - datetime.timedelta(days=1),
        actor=None,
    )
    return {"zhang": person, "li": li, "xiaoming": xiaoming}


def _names(response):
    return [p.name for p in response.context["page"]]


def test_list_without_filters_shows_everyone_in_scope_with_count(client, bureau_admin, people):
    client.force_login(bureau_admin)
    response = client.get("/people/")
    assert response.status_code == 200
    assert _names(response) == ["张小明", "李四", "张三"]
    assert response.context["page"].paginator.count == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "张"}, ["张小明", "张三"]),
        ({"name": "小明"}, ["张小明"]),
        ({"region_code": "220581001"}, ["张小明", "张三"]),
        ({"region_code": "220581100"}, ["李四"]),
        ({"target_group": "migrant_worker"}, ["李四"]),
        ({"name": "张", "region_code": "220581100"}, []),
    ],
)
def test_each_filter_returns_exactly_the_matching_people(
    client, bureau_admin, people, params, expected
):
    client.force_login(bureau_admin)
    response = client.get("/people/", params)
    assert response.status_code == 200
    assert _names(response) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id_number": ID_B}, ["李四"]),
        ({"id_number": ID_A.lower()}, ["张三"]),
        ({"phone": "13812345678"}, ["张三"]),
        ({"phone": "+86 139 0000 1111"}, ["李四"]),
    ],
)
def test_lookup_by_full_number_is_a_post_with_a_purpose(
    client, bureau_admin, people, data, expected
):
    client.force_login(bureau_admin)
    response = client.post("/people/lookup/", {**data, "purpose": "front desk"})
    assert response.status_code == 200
    assert _names(response) == expected
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action="people.person.looked_up")
    assert event.data["purpose"] == "front desk"
    assert event.data["found"] == 1
    assert ID_A not in str(event.data)
    assert ID_B not in str(event.data)


def test_lookup_needs_a_purpose_and_a_whole_number(client, bureau_admin, people):
    client.force_login(bureau_admin)
    no_purpose = client.post("/people/lookup/", {"id_number": ID_A})
    partial = client.post("/people/lookup/", {"id_number": ID_A[:10], "purpose": "x"})
    assert (no_purpose.status_code, partial.status_code) == (400, 400)
    assert no_purpose.context["lookup_form"].errors["purpose"]
    assert partial.context["lookup_form"].errors["id_number"]
    assert not AuditEvent.objects.filter(action="people.person.looked_up").exists()


def test_search_page_no_longer_takes_numbers(client, bureau_admin, people):
    client.force_login(bureau_admin)
    response = client.get("/people/")
    assert "id_number" not in response.context["form"].fields
    assert 'method="post" action="/people/lookup/"' in response.content.decode()
    # A number still sent in the address lists nobody and says where numbers go.
    old_link = client.get("/people/", {"id_number": ID_A})
    assert _names(old_link) == []
    assert old_link.context["form"].non_field_errors()


def test_list_shows_masked_numbers_only(client, bureau_admin, people):
    client.force_login(bureau_admin)
    html = client.get("/people/").content.decode()
    assert "220581**********36" in html
    assert "138******78" in html
    assert ID_A not in html
    assert "13812345678" not in html


def test_list_shows_town_and_current_target_groups(client, bureau_admin, people):
    client.force_login(bureau_admin)
    response = client.get("/people/", {"town": "220581100"})
    row = response.content.decode().split("<tbody>", 1)[1]
    assert "山城镇" in row
    assert "农民工" in row


def test_list_is_paginated_by_fifty(client, bureau_admin, person):
    for serial in range(10, 61):
        register(bureau_admin, make_id(serial), "王五")
    client.force_login(bureau_admin)
    first = client.get("/people/", {"name": "王"})
    second = client.get("/people/", {"name": "王", "page": 2})
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 1
    assert first.context["page"].paginator.count == 51
    assert "name=%E7%8E%8B&amp;page=2" in first.content.decode()


def _count_list_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        response = client.get("/people/", {"name": "王"})
    assert response.status_code == 200
    return response


def test_list_query_count_does_not_grow_with_results(
    client, bureau_admin, person, target_groups, django_assert_num_queries
):
    client.force_login(bureau_admin)
    group = target_groups["migrant_worker"]
    today = timezone.localdate()
    for serial in range(10, 13):
        someone = register(bureau_admin, make_id(serial), "王五")
        add_membership(someone, group, source="bureau", valid_from=today, actor=None)
    # session, user, second-factor policy, device, count, page, memberships, towns, groups,
    # the menu's unread notifications
    _count_list_queries(client, django_assert_num_queries, 10)
    for serial in range(13, 60):
        someone = register(bureau_admin, make_id(serial), "王五")
        add_membership(someone, group, source="bureau", valid_from=today, actor=None)
    response = _count_list_queries(client, django_assert_num_queries, 10)
    assert len(response.context["page"]) == 50


def test_institution_staff_see_only_their_own_people(client, staff_a, staff_b, people):
    own = register(staff_a, make_id(20), "赵六")
    client.force_login(staff_a)
    assert _names(client.get("/people/")) == ["赵六"]
    client.force_login(staff_b)
    assert _names(client.get("/people/")) == []
    assert _names(client.get("/people/", {"id_number": make_id(20)})) == []
    assert own.pk


def test_detail_outside_scope_is_404(client, city, staff_a, staff_b):
    own = register(staff_a, make_id(20), "赵六")
    client.force_login(staff_a)
    assert client.get(f"/people/{own.pk}/").status_code == 200
    client.force_login(staff_b)
    assert client.get(f"/people/{own.pk}/").status_code == 404
    assert client.post(f"/people/{own.pk}/reveal/").status_code == 404
    assert client.get(f"/people/{own.pk + 999}/").status_code == 404


def test_worker_cannot_use_the_register(client, worker):
    client.force_login(worker)
    assert client.get("/people/").status_code == 403


def test_detail_shows_identity_masked_groups_organisations_and_timeline(
    client, bureau_admin, people, school_a
):
    li = people["li"]
    Affiliation.objects.create(
        person=li, organization=school_a, kind="trainee", started_on=datetime.date(2025, 3, 1)
    )
    client.force_login(bureau_admin)
    response = client.get(f"/people/{li.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "220581**********26" in html
    assert ID_B not in html
    assert "13900001111" not in html
    assert "农民工" in html
    assert school_a.name in html
    entries = response.context["record"].entries
    assert [e.day for e in entries] == sorted((e.day for e in entries), reverse=True)
    timeline = html.split('<ol class="timeline"', 1)[1]
    assert timeline.index("2025-03-01") > timeline.index(entries[0].day.isoformat())


def test_reveal_shows_full_numbers_and_writes_an_audit_row(client, bureau_admin, people):
    li = people["li"]
    client.force_login(bureau_admin)
    before = AuditEvent.objects.filter(action="people.person.pii_viewed").count()
    response = client.post(f"/people/{li.pk}/reveal/", {"purpose": "核对补贴申请"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ID_B in html
    assert "13900001111" in html
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.filter(action="people.person.pii_viewed").latest("id")
    assert AuditEvent.objects.filter(action="people.person.pii_viewed").count() == before + 1
    assert (event.actor_id, event.person_id) == (bureau_admin.pk, li.pk)
    assert event.data == {"purpose": "核对补贴申请"}


@pytest.mark.parametrize("data", [{}, {"purpose": "  "}])
def test_reveal_without_a_purpose_shows_nothing_and_asks_for_one(
    client, settings, bureau_admin, people, data
):
    li = people["li"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(bureau_admin)
    before = AuditEvent.objects.filter(action="people.person.pii_viewed").count()
    response = client.post(f"/people/{li.pk}/reveal/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "State why you need the full ID and phone numbers." in html
    assert ID_B not in html
    assert "13900001111" not in html
    assert AuditEvent.objects.filter(action="people.person.pii_viewed").count() == before


def test_reveal_needs_post(client, bureau_admin, people):
    client.force_login(bureau_admin)
    assert client.get(f"/people/{people['li'].pk}/reveal/").status_code == 405


def test_reveal_refused_to_roles_without_full_pii(client, auditor, people):
    li = people["li"]
    client.force_login(auditor)
    page = client.get(f"/people/{li.pk}/").content.decode()
    assert f"/people/{li.pk}/reveal/" not in page
    response = client.post(f"/people/{li.pk}/reveal/")
    assert response.status_code == 403
    assert ID_B not in response.content.decode()
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()


def _membership_post(client, person, **overrides):
    data = {
        "group": "veteran",
        "source": "veterans",
        "evidence": "退役证 2024-001",
        "valid_from": "2024-07-01",
        "valid_until": "",
    }
    data.update(overrides)
    return client.post(f"/people/{person.pk}/memberships/", data)


def test_bureau_adds_a_target_group_membership(client, bureau_admin, people):
    zhang = people["zhang"]
    client.force_login(bureau_admin)
    response = _membership_post(client, zhang)
    assert response.status_code == 302
    membership = TargetGroupMembership.objects.get(person=zhang)
    assert (membership.group.code, membership.source, membership.valid_from) == (
        "veteran",
        "veterans",
        datetime.date(2024, 7, 1),
    )
    event = AuditEvent.objects.get(action="people.membership.created", person_id=zhang.pk)
    assert event.actor_id == bureau_admin.pk


def test_membership_that_ends_before_it_starts_is_refused(client, bureau_admin, people):
    zhang = people["zhang"]
    client.force_login(bureau_admin)
    response = _membership_post(client, zhang, valid_until="2024-06-30")
    assert response.status_code == 400
    assert response.context["membership_form"].errors["valid_until"]
    assert not TargetGroupMembership.objects.filter(person=zhang).exists()


@pytest.mark.parametrize("fixture", ["auditor", "reviewer", "staff_a"])
def test_membership_form_is_for_bureau_staff_only(client, request, people, fixture):
    user = request.getfixturevalue(fixture)
    zhang = people["zhang"]
    if fixture == "staff_a":
        zhang = register(user, make_id(30), "钱七")
    client.force_login(user)
    assert "memberships/" not in client.get(f"/people/{zhang.pk}/").content.decode()
    assert _membership_post(client, zhang).status_code == 403
    assert not TargetGroupMembership.objects.filter(person=zhang).exists()

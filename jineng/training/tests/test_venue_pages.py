"""Venue (培训场地) and teacher (师资) pages: create, edit, validation, scope, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from jineng.core.models import AuditEvent
from jineng.training import services
from jineng.training.models import Teacher, Venue

pytestmark = pytest.mark.django_db

VENUE_POST = {
    "name": "实训楼201",
    "address": "新华街道实训路8号",
    "region_code": "220581001",
    "latitude": "42.530100",
    "longitude": "125.710200",
    "capacity": "45",
}


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def venue_a(staff_a):
    return services.create_venue("一号教室", "新华街道1号", 40, actor=staff_a)


@pytest.fixture
def teacher_a(staff_a):
    return services.create_teacher("王老师", actor=staff_a, qualification="技师")


def venue_state(venue):
    venue.refresh_from_db()
    return (
        venue.organization_id,
        venue.name,
        venue.address,
        venue.region.code if venue.region else None,
        venue.latitude,
        venue.longitude,
        venue.capacity,
    )


def test_staff_creates_a_venue(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("training:venues"), VENUE_POST)
    assert response.status_code == 302
    assert response.url == reverse("training:venues")
    venue = Venue.objects.get()
    assert venue_state(venue) == (
        staff_a.organization_id,
        "实训楼201",
        "新华街道实训路8号",
        "220581001",
        Decimal("42.530100"),
        Decimal("125.710200"),
        45,
    )
    event = AuditEvent.objects.get(action="training.venue.created")
    assert (event.actor_id, event.object_type, event.object_id, event.data) == (
        staff_a.pk,
        "training.venue",
        str(venue.pk),
        {"name": "实训楼201"},
    )
    page = client.get(reverse("training:venues"))
    assert "实训楼201" in page.content.decode()
    assert reverse("training:venue_edit", args=[venue.pk]) in page.content.decode()


def test_staff_edits_a_venue(client, staff_a, venue_a):
    client.force_login(staff_a)
    page = client.get(reverse("training:venue_edit", args=[venue_a.pk]))
    assert page.status_code == 200
    assert 'value="一号教室"' in page.content.decode()
    response = client.post(reverse("training:venue_edit", args=[venue_a.pk]), VENUE_POST)
    assert response.status_code == 302
    assert venue_state(venue_a) == (
        staff_a.organization_id,
        "实训楼201",
        "新华街道实训路8号",
        "220581001",
        Decimal("42.530100"),
        Decimal("125.710200"),
        45,
    )
    event = AuditEvent.objects.get(action="training.venue.updated")
    assert (event.actor_id, event.object_id) == (staff_a.pk, str(venue_a.pk))
    assert event.data == {
        "changed": {
            "name": ["一号教室", "实训楼201"],
            "address": ["新华街道1号", "新华街道实训路8号"],
            "capacity": [40, 45],
            "region": [None, "220581001"],
            "latitude": [None, "42.530100"],
            "longitude": [None, "125.710200"],
        }
    }


def test_saving_an_unchanged_venue_writes_no_audit_row(client, staff_a, venue_a):
    client.force_login(staff_a)
    same = {"name": "一号教室", "address": "新华街道1号", "capacity": "40"}
    response = client.post(reverse("training:venue_edit", args=[venue_a.pk]), same)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="training.venue.updated").exists()


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"latitude": "90.5"}, "latitude", "less than or equal to 90"),
        ({"longitude": "-180.1"}, "longitude", "greater than or equal to -180"),
        ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
        ({"latitude": ""}, "latitude", "Give both latitude and longitude, or neither."),
        ({"region_code": "999999999"}, "region_code", "is not a known township or village"),
        ({"region_code": "220581"}, "region_code", "is not a township or village"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_venue_validation_errors_are_shown_next_to_the_field(
    client, staff_a, changes, field, message
):
    client.force_login(staff_a)
    page = client.post(reverse("training:venues"), {**VENUE_POST, **changes})
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert message in page.content.decode().replace("&quot;", '"')
    assert not Venue.objects.exists()
    assert not AuditEvent.objects.filter(object_type="training.venue").exists()


@pytest.mark.usefixtures("english")
def test_venue_edit_refusal_changes_nothing(client, staff_a, venue_a):
    client.force_login(staff_a)
    before = venue_state(venue_a)
    page = client.post(
        reverse("training:venue_edit", args=[venue_a.pk]), {**VENUE_POST, "capacity": "0"}
    )
    assert page.status_code == 200
    assert list(page.context["form"].errors) == ["capacity"]
    assert venue_state(venue_a) == before
    assert not AuditEvent.objects.filter(action="training.venue.updated").exists()


def test_services_refuse_what_the_form_would(staff_a, venue_a):
    from jineng.core.errors import NotFound, ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        services.update_venue(venue_a.pk, "x", "", 5, actor=staff_a, latitude=Decimal("1"))
    assert caught.value.field == "longitude"
    with pytest.raises(ValidationFailed) as caught:
        services.create_venue("x", "", 0, actor=staff_a)
    assert caught.value.field == "capacity"
    with pytest.raises(ValidationFailed) as caught:
        services.create_venue(
            "x", "", 5, actor=staff_a, latitude=Decimal("-91"), longitude=Decimal("0")
        )
    assert caught.value.field == "latitude"
    with pytest.raises(NotFound):
        services.update_teacher(0, "x", actor=staff_a)
    assert venue_state(venue_a)[1:] == ("一号教室", "新华街道1号", None, None, None, 40)


def test_staff_creates_and_edits_a_teacher(client, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("training:teachers"), {"name": " 李老师 ", "qualification": "高级技师"}
    )
    assert response.status_code == 302
    teacher = Teacher.objects.get()
    assert (teacher.organization_id, teacher.name, teacher.qualification) == (
        staff_a.organization_id,
        "李老师",
        "高级技师",
    )
    created = AuditEvent.objects.get(action="training.teacher.created")
    assert (created.actor_id, created.object_id, created.data) == (
        staff_a.pk,
        str(teacher.pk),
        {"name": "李老师"},
    )
    response = client.post(
        reverse("training:teacher_edit", args=[teacher.pk]),
        {"name": "李老师", "qualification": "技师"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.name, teacher.qualification) == ("李老师", "技师")
    updated = AuditEvent.objects.get(action="training.teacher.updated")
    assert (updated.actor_id, updated.object_id, updated.data) == (
        staff_a.pk,
        str(teacher.pk),
        {"changed": {"qualification": ["高级技师", "技师"]}},
    )


@pytest.mark.usefixtures("english")
def test_teacher_needs_a_name(client, staff_a, teacher_a):
    client.force_login(staff_a)
    page = client.post(
        reverse("training:teacher_edit", args=[teacher_a.pk]), {"name": "", "qualification": ""}
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {"name": ["This field is required."]}
    teacher_a.refresh_from_db()
    assert (teacher_a.name, teacher_a.qualification) == ("王老师", "技师")
    assert not AuditEvent.objects.filter(action="training.teacher.updated").exists()


def test_staff_b_cannot_see_or_edit_staff_a_rows(client, staff_b, venue_a, teacher_a):
    client.force_login(staff_b)
    for name, row in (("venue_edit", venue_a), ("teacher_edit", teacher_a)):
        assert client.get(reverse(f"training:{name}", args=[row.pk])).status_code == 404
        response = client.post(reverse(f"training:{name}", args=[row.pk]), {**VENUE_POST})
        assert response.status_code == 404
    assert "一号教室" not in client.get(reverse("training:venues")).content.decode()
    assert "王老师" not in client.get(reverse("training:teachers")).content.decode()
    assert venue_state(venue_a)[1] == "一号教室"
    teacher_a.refresh_from_db()
    assert teacher_a.name == "王老师"
    assert not AuditEvent.objects.filter(action__endswith=".updated").exists()


@pytest.mark.parametrize(
    "name", ["training:venues", "training:teachers", "training:venue_edit", "training:teacher_edit"]
)
def test_worker_is_refused(client, worker, venue_a, teacher_a, name):
    client.force_login(worker)
    args = {"training:venue_edit": [venue_a.pk], "training:teacher_edit": [teacher_a.pk]}
    url = reverse(name, args=args.get(name, []))
    assert client.get(url).status_code == 403
    assert client.post(url, {**VENUE_POST, "qualification": ""}).status_code == 403
    assert Venue.objects.count() == 1
    assert Teacher.objects.count() == 1
    assert venue_state(venue_a)[1] == "一号教室"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("training:venues"))
    assert response.status_code == 302
    assert "login" in response.url


def test_class_list_links_to_both_pages(client, staff_a, worker):
    client.force_login(staff_a)
    html = client.get(reverse("training:list")).content.decode()
    assert reverse("training:venues") in html
    assert reverse("training:teachers") in html


@pytest.mark.parametrize("count", [1, 6])
def test_list_query_counts_do_not_grow(client, staff_a, staff_b, django_assert_num_queries, count):
    for n in range(count):
        services.create_venue(f"教室{n}", "", 10, actor=staff_a, region_code="220581100")
        services.create_teacher(f"老师{n}", actor=staff_a)
    services.create_venue("乙校教室", "", 10, actor=staff_b)
    services.create_teacher("乙校老师", actor=staff_b)
    client.force_login(staff_a)
    # Session, user, two second-factor checks of the middleware, the one list query, the
    # townships the new-venue form suggests, then the unread notifications of the menu.
    with django_assert_num_queries(7):
        page = client.get(reverse("training:venues"))
    # Each venue's township, and once among the form's suggestions.
    assert page.content.decode().count("山城镇") == count + 1
    assert "乙校教室" not in page.content.decode()
    with django_assert_num_queries(6):
        page = client.get(reverse("training:teachers"))
    assert page.content.decode().count("/edit/") == count
    assert "乙校" not in page.content.decode()

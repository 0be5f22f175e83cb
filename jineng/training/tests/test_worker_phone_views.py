"""The worker's pages on a phone: withdrawal asks first, results tell classes apart, 我的培训班.

Withdrawing gives up a seat (it goes to the waitlist), so a GET, or a POST without
``confirm=yes``, only shows what is lost; the confirmed POST withdraws. Another person's
enrolment answers exactly like a missing one.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import ID_B, make_user
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment

from .helpers import START, approved_class, enrol, member, person, programme

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def open_class(staff_a: Any, bureau_admin: Any, catalog_entry: Any, accredited: Any) -> Any:
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)


@pytest.fixture
def seated(
    worker: Any, person: Any, bureau_admin: Any, target_groups: Any, open_class: Any
) -> Enrolment:
    """The worker holds the class's only seat."""
    member(bureau_admin, person, target_groups["migrant_worker"])
    return enrol(open_class.pk, person, actor=worker)  # type: ignore[no-any-return]


@pytest.fixture
def other(bureau_admin: Any, target_groups: Any) -> Any:
    """Another worker (李四), with an account of their own."""
    someone = person(bureau_admin, ID_B, name="李四")
    member(bureau_admin, someone, target_groups["unemployed"])
    make_user("worker_b", Role.WORKER, person=someone)
    return someone


@pytest.fixture
def waiting(other: Any, staff_a: Any, open_class: Any, seated: Enrolment) -> Enrolment:
    """李四 waits first in line behind the worker's seat."""
    found = enrol(open_class.pk, other, actor=staff_a)
    assert found.status == EnrolmentStatus.WAITLISTED
    return found  # type: ignore[no-any-return]


def _state(*enrolments: Enrolment) -> list[tuple[str, int | None]]:
    return [
        tuple(Enrolment.objects.values_list("status", "waitlist_position").get(pk=e.pk))
        for e in enrolments
    ]


def test_get_shows_what_is_lost_and_changes_nothing(
    client: Any, worker: Any, seated: Enrolment, waiting: Enrolment
) -> None:
    client.force_login(worker)
    events = AuditEvent.objects.count()
    url = reverse("training:withdraw", args=[seated.pk])
    page = client.get(url, **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Withdraw from this class?" in html
    assert seated.training_class.code in html
    assert "The seat goes to the first person on the waitlist (1 waiting)." in html
    # The confirming form posts confirm=yes to the same URL; nothing else withdraws.
    assert f'action="{url}"' in html
    assert 'name="confirm" value="yes"' in html
    assert _state(seated, waiting) == [("enrolled", None), ("waitlisted", 1)]
    assert AuditEvent.objects.count() == events


def test_post_without_confirmation_only_asks(
    client: Any, worker: Any, seated: Enrolment, waiting: Enrolment
) -> None:
    client.force_login(worker)
    events = AuditEvent.objects.count()
    page = client.post(reverse("training:withdraw", args=[seated.pk]), **EN)
    assert page.status_code == 200
    assert "Yes, withdraw" in page.content.decode()
    assert _state(seated, waiting) == [("enrolled", None), ("waitlisted", 1)]
    assert AuditEvent.objects.count() == events


def test_confirmed_post_withdraws_and_the_seat_goes_to_the_waitlist(
    client: Any, worker: Any, seated: Enrolment, waiting: Enrolment
) -> None:
    client.force_login(worker)
    response = client.post(
        reverse("training:withdraw", args=[seated.pk]), {"confirm": "yes", "reason": "工作冲突"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("training:mine")
    assert _state(seated, waiting) == [("withdrawn", None), ("enrolled", None)]
    assert Enrolment.objects.get(pk=seated.pk).result_note == "工作冲突"
    # Asking again about a finished place says so and withdraws nothing more.
    again = client.get(reverse("training:withdraw", args=[seated.pk]), follow=True, **EN)
    assert "This enrolment is Withdrawn already." in again.content.decode()


def test_waitlisted_place_names_its_position(client: Any, other: Any, waiting: Enrolment) -> None:
    client.force_login(other.account)
    html = client.get(reverse("training:withdraw", args=[waiting.pk]), **EN).content.decode()
    assert "The place on the waitlist (#1) is given up" in html
    assert "gives up your seat" not in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_enrolment_answers_like_a_missing_one(
    client: Any, other: Any, seated: Enrolment, waiting: Enrolment, method: str
) -> None:
    client.force_login(other.account)
    send = getattr(client, method)
    theirs = send(reverse("training:withdraw", args=[seated.pk]), {"confirm": "yes"})
    missing = send(reverse("training:withdraw", args=[999_999]), {"confirm": "yes"})
    assert theirs.status_code == missing.status_code == 404
    assert seated.training_class.code not in theirs.content.decode()
    assert _state(seated, waiting) == [("enrolled", None), ("waitlisted", 1)]


def test_other_institution_staff_get_404_and_own_staff_confirm(
    client: Any, staff_a: Any, staff_b: Any, seated: Enrolment, waiting: Enrolment
) -> None:
    client.force_login(staff_b)
    assert client.get(reverse("training:withdraw", args=[seated.pk])).status_code == 404
    client.force_login(staff_a)
    html = client.get(reverse("training:withdraw", args=[seated.pk]), **EN).content.decode()
    assert "from this class?" in html
    assert "The trainee gives up their seat in this class." in html
    done = client.post(reverse("training:withdraw", args=[seated.pk]), {"confirm": "yes"})
    assert done["Location"] == reverse("training:detail", args=[seated.training_class_id])
    assert _state(seated, waiting) == [("withdrawn", None), ("enrolled", None)]


def test_a_role_that_only_sees_the_enrolment_is_refused(
    client: Any, reviewer: Any, seated: Enrolment
) -> None:
    client.force_login(reviewer)
    assert client.get(reverse("training:withdraw", args=[seated.pk])).status_code in (403, 404)
    assert _state(seated) == [("enrolled", None)]


def test_search_results_tell_classes_of_one_programme_apart(
    client: Any, staff_a: Any, bureau_admin: Any, catalog_entry: Any, accredited: Any
) -> None:
    prog = programme(staff_a)
    first = approved_class(staff_a, bureau_admin, prog)
    second = approved_class(staff_a, bureau_admin, prog, start=START + datetime.timedelta(days=14))
    html = client.get(reverse("training:find"), **EN).content.decode()
    results = html.split('class="class-result"')[1:]
    assert len(results) == 2
    for c in (first, second):
        shown = next(r for r in results if c.code in r)
        assert f"{c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d}" in shown
        assert c.region.name in shown
        assert "Class code" in shown
        assert "Township" in shown
        assert "Dates" in shown
    # Each result's link names its class, so a screen reader tells identical titles apart.
    assert html.count(f'{prog.name}<span class="visually-hidden"> ') == 2


def test_my_classes_shows_the_next_session_first_and_folds_the_rest(
    client: Any, worker: Any, seated: Enrolment
) -> None:
    client.force_login(worker)
    html = client.get(reverse("training:mine"), **EN).content.decode()
    sessions = list(seated.training_class.sessions.order_by("starts_at"))
    first = f"{timezone.localtime(sessions[0].starts_at):%Y-%m-%d %H:%M}"
    head, _, rest = html.partition("<details>")
    assert "Next session" in head
    assert first in head
    # Every session is listed, but inside the folded <details>, after the next one.
    assert f"All {len(sessions)} session" in rest
    assert rest.count("<li>") >= len(sessions)
    # Withdrawing starts from a link to the confirmation, never a one-tap form.
    assert f'href="{reverse("training:withdraw", args=[seated.pk])}"' in html
    assert 'action="' + reverse("training:withdraw", args=[seated.pk]) not in html

"""The inbox page, the badge in the menu and the notifications API."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jineng.api.tests.helpers import api_client
from jineng.notifications.models import Notification

from .helpers import note

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
API = "/api/v1/notifications"


def test_inbox_shows_own_notifications_unread_first_with_links(client, staff_a, staff_b):
    read = note(staff_a, "C100", read=True)
    unread = note(staff_a, "C200")
    note(staff_b, "C300")
    client.force_login(staff_a)
    page = client.get(reverse("notifications:inbox"), **EN).content.decode()
    assert page.index("Class C200 was approved") < page.index("Class C100 was approved")
    assert "C300" not in page
    assert reverse("notifications:open", args=[unread.pk]) in page
    assert reverse("notifications:open", args=[read.pk]) in page
    assert page.count("notification-unread") == 1
    assert "1 unread" in page


def test_badge_counts_unread_on_every_page(client, staff_a, staff_b):
    note(staff_a), note(staff_a), note(staff_a, read=True), note(staff_b)
    client.force_login(staff_a)
    page = client.get(reverse("catalogs:index"), **EN).content.decode()
    assert '<span class="badge" aria-hidden="true">2</span>' in page
    assert "(2 unread)" in page
    Notification.objects.filter(recipient=staff_a).update(read_at="2026-01-01T00:00:00Z")
    page = client.get(reverse("catalogs:index"), **EN).content.decode()
    assert 'class="badge"' not in page
    assert reverse("notifications:inbox") in page


def test_badge_costs_one_query(client, staff_a):
    note(staff_a)
    client.force_login(staff_a)
    with CaptureQueriesContext(connection) as counted:
        client.get(reverse("catalogs:index"))
    sql = [q["sql"] for q in counted.captured_queries if "notifications_notification" in q["sql"]]
    assert len(sql) == 1


def test_opening_marks_read_and_goes_to_the_object(client, staff_a):
    own = note(staff_a)
    client.force_login(staff_a)
    response = client.post(reverse("notifications:open", args=[own.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/training/"
    own.refresh_from_db()
    assert own.read_at is not None


def test_a_get_goes_to_the_object_but_changes_nothing(client, staff_a):
    """Another site can make the browser GET the address (an <img>): it must not mark read."""
    own = note(staff_a)
    client.force_login(staff_a)
    response = client.get(reverse("notifications:open", args=[own.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/training/"
    own.refresh_from_db()
    assert own.read_at is None


def _page(response, pk):
    """The body without its CSRF tokens and the id asked for."""
    body = re.sub(
        rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', rb"\1", response.content
    )
    return body.replace(f"/{pk}/".encode(), b"/<id>/")


def test_another_users_notification_answers_like_a_missing_one(client, staff_a, staff_b):
    other = note(staff_b)
    client.force_login(staff_a)
    for name, method in (
        ("notifications:open", "get"),
        ("notifications:open", "post"),
        ("notifications:read", "post"),
    ):
        foreign = getattr(client, method)(reverse(name, args=[other.pk]), **EN)
        missing = getattr(client, method)(reverse(name, args=[other.pk + 1000]), **EN)
        assert foreign.status_code == missing.status_code == 404
        assert _page(foreign, other.pk) == _page(missing, other.pk + 1000)
    other.refresh_from_db()
    assert other.read_at is None


def test_read_and_read_all_buttons(client, staff_a, staff_b):
    first, second = note(staff_a), note(staff_a)
    others = note(staff_b)
    client.force_login(staff_a)
    response = client.post(reverse("notifications:read", args=[first.pk]))
    assert response["Location"] == reverse("notifications:inbox")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.read_at is not None, second.read_at is None) == (True, True)
    client.post(reverse("notifications:read_all"))
    second.refresh_from_db()
    others.refresh_from_db()
    assert (second.read_at is not None, others.read_at) == (True, None)


def test_inbox_needs_a_signed_in_account(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_inbox_is_paginated(client, staff_a):
    for n in range(25):
        note(staff_a, f"P{n:02d}")
    client.force_login(staff_a)
    first = client.get(reverse("notifications:inbox"), **EN).content.decode()
    second = client.get(reverse("notifications:inbox") + "?page=2", **EN).content.decode()
    assert first.count("notification-unread") == 20
    assert second.count("notification-unread") == 5
    assert "Class P24 was approved" in first
    assert "Class P00 was approved" in second


def test_api_lists_own_notifications(staff_a, staff_b):
    read = note(staff_a, "C1", read=True)
    unread = note(staff_a, "C2")
    note(staff_b, "C3")
    response = api_client(staff_a).get(API, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["unread"], body["limit"], body["offset"]) == (2, 1, 50, 0)
    assert [item["id"] for item in body["items"]] == [unread.pk, read.pk]
    item = body["items"][0]
    assert set(item) == {
        "id",
        "kind",
        "title",
        "body",
        "target",
        "created_at",
        "read_at",
        "is_read",
    }
    assert (item["kind"], item["target"], item["read_at"], item["is_read"]) == (
        "class_approved",
        "/training/",
        None,
        False,
    )
    only_unread = api_client(staff_a).get(API, unread="true").json()
    assert [i["id"] for i in only_unread["items"]] == [unread.pk]


def test_api_marks_read_and_refuses_anothers_like_a_missing_one(staff_a, staff_b):
    own, other = note(staff_a), note(staff_b)
    caller = api_client(staff_a)
    response = caller.post(f"{API}/{own.pk}/read")
    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    foreign = caller.post(f"{API}/{other.pk}/read")
    missing = caller.post(f"{API}/{other.pk + 1000}/read")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["code"] == "not_found"
    other.refresh_from_db()
    assert other.read_at is None


def test_api_marks_all_read(staff_a, staff_b):
    note(staff_a), note(staff_a), note(staff_b)
    assert api_client(staff_a).post(f"{API}/read-all").json() == {"marked": 2}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_api_needs_authentication():
    assert api_client(None).get(API).status_code == 401
    assert api_client(None).post(f"{API}/1/read").status_code == 401

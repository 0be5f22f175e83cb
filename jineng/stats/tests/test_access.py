"""Who sees the city-wide statistics: the bureau's roles; institutions 403, anonymous to login."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from jineng.accounts.roles import Role

pytestmark = pytest.mark.django_db
PAGES = [
    ("statistics:dashboard", [], {}),
    ("statistics:export", [], {}),
    ("statistics:monthly_report", ["pdf"], {"month": "2026-11"}),
    ("statistics:monthly_report", ["xlsx"], {"month": "2026-11"}),
]


def _get(client: Client, name: str, args: list[str], query: dict[str, str]) -> Any:
    return client.get(reverse(name, args=args), query)


@pytest.mark.parametrize(("name", "args", "query"), PAGES)
@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.REVIEWER, Role.AUDITOR])
def test_bureau_roles_see_the_statistics(
    city: Any, role: str, name: str, args: list[str], query: dict[str, str]
) -> None:
    client = Client()
    client.force_login(make_user(f"u_{role}", role))
    assert _get(client, name, args, query).status_code == 200


@pytest.mark.parametrize(("name", "args", "query"), PAGES)
@pytest.mark.parametrize(
    "role", [Role.INSTITUTION_STAFF, Role.EVALUATOR, Role.EMPLOYER, Role.WORKER, Role.SYSTEM]
)
def test_other_roles_are_refused(
    school_a: Any, role: str, name: str, args: list[str], query: dict[str, str]
) -> None:
    client = Client()
    in_organization = role in (Role.INSTITUTION_STAFF, Role.EVALUATOR, Role.EMPLOYER)
    extra = {"organization": school_a} if in_organization else {}
    client.force_login(make_user(f"u_{role}", role, **extra))
    assert _get(client, name, args, query).status_code == 403


@pytest.mark.parametrize(("name", "args", "query"), PAGES)
def test_anonymous_visitors_are_sent_to_login(
    db: Any, name: str, args: list[str], query: dict[str, str]
) -> None:
    response = _get(Client(), name, args, query)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_navigation_links_the_statistics_for_the_bureau_only(
    bureau_admin: Any, staff_a: Any
) -> None:
    url = reverse("statistics:dashboard")
    client = Client()
    client.force_login(bureau_admin)
    assert f'href="{url}"' in client.get(reverse("catalogs:index")).content.decode()
    client.force_login(staff_a)
    assert f'href="{url}"' not in client.get(reverse("catalogs:index")).content.decode()

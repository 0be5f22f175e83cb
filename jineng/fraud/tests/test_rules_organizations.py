"""R32 linked entities on planted organisations, staff accounts and one-time codes."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from jineng.accounts.models import OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.organizations.models import Organization, OrganizationKind

load_rules()

_serial = itertools.count(1)


def run(window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY["R32"]
    return list(spec.check({**spec.defaults, **changes}, window or Window()))


def org(
    address: str = "", phone: str = "", kind: str = OrganizationKind.PRIVATE_TRAINING
) -> Organization:
    n = next(_serial)
    return Organization.objects.create(
        credit_code=f"52220581MJ{n:08d}",
        name=f"机构{n}",
        kind=kind,
        address=address or f"梅河口市{n}号",
        contact_phone=phone or f"0435-{n:07d}",
    )


def staff(organization: Organization, phone_hash: str = "") -> User:
    return make_user(
        f"staff{next(_serial)}",
        Role.INSTITUTION_STAFF,
        organization=organization,
        phone_hash=phone_hash,
    )


def code_from(user: User, address_hash: str) -> None:
    now = timezone.now()
    OneTimeCode.objects.create(
        purpose="reset",
        phone_hash="p",
        address_hash=address_hash,
        code_hash="c",
        user=user,
        expires_at=now + datetime.timedelta(minutes=10),
    )


@pytest.fixture
def network(db: Any) -> dict[str, Organization]:
    orgs = {
        # a and b share an address written differently; b and c a phone written differently.
        "a": org(address="梅河口市 新华街 12 号"),
        "b": org(address="梅河口市新华街12号", phone="0435-1234567"),
        "c": org(phone="04351234567", kind=OrganizationKind.ENTERPRISE),
        # d and e: staff accounts with one mobile number.
        "d": org(),
        "e": org(kind=OrganizationKind.ENTERPRISE),
        # f and g: reset codes asked for from one client address.
        "f": org(),
        "g": org(),
        # h is alone: its address differs from a's by one character, its phone by a digit.
        "h": org(address="梅河口市新华街13号", phone="0435-1234568"),
    }
    staff(orgs["d"], "samephone")
    staff(orgs["e"], "samephone")
    staff(orgs["h"], "otherphone")
    code_from(staff(orgs["f"]), "sameaddress")
    code_from(staff(orgs["g"]), "sameaddress")
    code_from(staff(orgs["h"]), "otheraddress")
    # Two staff of one organisation sharing a number link nothing.
    staff(orgs["h"], "otherphone2")
    staff(orgs["h"], "otherphone2")
    return orgs


def test_r32_flags_each_cluster_of_linked_organisations_as_one_hit(
    network: dict[str, Organization],
) -> None:
    a, b, c, d, e, f, g = (network[k].pk for k in "abcdefg")

    hits = run()

    assert [(h.subject, h.subject_id, h.key, h.organization_ids) for h in hits] == [
        ("organization", a, f"cluster:{a}", (a, b, c)),
        ("organization", d, f"cluster:{d}", (d, e)),
        ("organization", f, f"cluster:{f}", (f, g)),
    ]
    assert hits[0].evidence == (
        {"organization_id": a, "shares": "address", "link": 1},
        {"organization_id": b, "shares": "address", "link": 1},
        {"organization_id": b, "shares": "phone", "link": 2},
        {"organization_id": c, "shares": "phone", "link": 2},
    )
    assert hits[0].evidence_count == 4
    assert [row["shares"] for row in hits[1].evidence] == ["staff_phone", "staff_phone"]
    assert [row["shares"] for row in hits[2].evidence] == ["login_address", "login_address"]
    # The evidence names what is shared, never the number or the hash itself.
    assert "samephone" not in repr(hits)
    assert "1234567" not in repr(hits)


def test_r32_thresholds_change_the_clusters(network: dict[str, Organization]) -> None:
    a, b, c = (network[k].pk for k in "abc")

    assert [h.organization_ids for h in run(min_cluster_size=3)] == [(a, b, c)]
    without_phone = run(use_phone=False, use_staff_phone=False, use_login_address=False)
    assert [h.organization_ids for h in without_phone] == [(a, b)]
    assert (
        run(use_address=False, use_phone=False, use_staff_phone=False, use_login_address=False)
        == []
    )


def test_r32_reports_only_clusters_the_window_touches(network: dict[str, Organization]) -> None:
    d, e = network["d"].pk, network["e"].pk
    later = timezone.now() + datetime.timedelta(minutes=1)
    assert run(Window(since=later)) == []
    Organization.objects.filter(pk=e).update(updated_at=later)
    assert [h.organization_ids for h in run(Window(since=later))] == [(d, e)]


def test_r32_runs_a_bounded_number_of_queries(
    network: dict[str, Organization], django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        org(address=f"长街{n // 3}号")
    with django_assert_max_num_queries(4):
        assert len(run()) == 13
    with django_assert_max_num_queries(7):
        run(Window(since=timezone.now()))

"""Certificates in the lifelong record: entries with the verify link and, for the holder,
the PDF and wallet downloads."""

from __future__ import annotations

from django.test import Client

from jineng.certificates import queries
from jineng.certificates.tests.pages_fixtures import NUMBER_A, certs, levels, occupations
from jineng.people.queries import EVERYTHING, RecordScope

__all__ = ["certs", "levels", "occupations"]


def test_record_entries_link_to_the_verify_page_and_downloads(certs) -> None:
    entries = queries.record_entries(certs.a.holder, EVERYTHING)
    assert sorted(e.details["number"] for e in entries) == sorted([NUMBER_A, certs.a2.number])
    entry = next(e for e in entries if e.details["number"] == NUMBER_A)
    assert entry.day == certs.a.issued_on
    assert entry.details["verify_url"] == f"/verify/{NUMBER_A}"
    urls = {link["url"]: link["holder_only"] for link in entry.details["links"]}
    assert urls == {
        f"/verify/{NUMBER_A}": False,
        f"/certificates/{certs.a.pk}/pdf": True,
        f"/certificates/{certs.a.pk}/credential.jwt": True,
        f"/certificates/{certs.a.pk}/credential.json": True,
    }


def test_an_organisations_scope_keeps_only_what_it_issued(certs) -> None:
    scope = RecordScope(organization_ids=frozenset({certs.b.issuer_id}))
    assert queries.record_entries(certs.a.holder, scope) == []


def test_worker_sees_the_links_on_their_record(client: Client, certs) -> None:
    client.force_login(certs.holder)
    html = client.get("/records/mine/").content.decode()
    assert f'href="/verify/{NUMBER_A}"' in html
    assert f'href="/certificates/{certs.a.pk}/credential.jwt"' in html

"""The catalogs API: public reads without a token, bureau-only writes, appeals by organisation."""

import io

import pytest

from jineng.api.tests import helpers
from jineng.catalogs import services
from jineng.catalogs.choices import AppealStatus, CatalogKind, VersionStatus
from jineng.catalogs.models import CatalogAppeal, CatalogEntry, CatalogVersion
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import publish, subsidy
from jineng.core.models import AuditEvent

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
BASE = "/api/v1"
pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


@pytest.fixture
def published(bureau_admin, publisher):
    v1 = publish(
        bureau_admin,
        publisher,
        [subsidy(), subsidy("6-18-02-04", fen=150000, target_groups=("veteran",))],
        effective_from=TODAY,
    )
    draft = services.create_draft(SUBSIDISED, title="draft", actor=bureau_admin)
    return v1, draft


def api_client(user):
    """A bearer-token client (anonymous for None) that asks for English messages."""
    client = helpers.api_client(user)
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def ApiClient(token):  # noqa: N802 - stands in for the helper class
    client = helpers.ApiClient(token)
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def client_of(request, who):
    return api_client(request.getfixturevalue(who) if who else None)


def test_anyone_lists_the_catalogs_without_a_token(published):
    response = ApiClient(None).get(f"{BASE}/catalogs")
    assert response.status_code == 200
    body = response.json()
    assert [c["kind"] for c in body] == CatalogKind.values
    assert body[0]["current"]["number"] == 1
    assert body[0]["upcoming"] is None


def test_current_entries_are_public_and_filterable(published, django_assert_max_num_queries):
    client = ApiClient(None)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/catalogs/{SUBSIDISED}/entries")
    body = response.json()
    assert body["version"]["number"] == 1
    assert body["count"] == 2
    welder = next(e for e in body["items"] if e["occupation"]["code"] == "6-18-02-04")
    assert welder["subsidy_fen"] == 150000
    assert welder["subsidy_yuan"] == "1500"
    assert welder["target_groups"] == ["veteran"]
    assert welder["skill_level"] == {"code": "level5", "name": "五级/初级工"}
    filtered = client.get(f"{BASE}/catalogs/{SUBSIDISED}/entries", occupation="6-31").json()
    assert [e["key"] for e in filtered["items"]] == ["6-31-01-03/level5/employment"]


def test_a_bad_token_is_refused_even_on_public_reads(published):
    client = ApiClient("jn_not-a-token")
    assert client.get(f"{BASE}/catalogs").status_code == 401


@pytest.mark.parametrize(
    ("who", "status"), [(None, 404), ("worker", 404), ("staff_a", 404), ("bureau_admin", 200)]
)
def test_drafts_are_hidden_except_from_the_bureau(request, published, who, status):
    client = client_of(request, who)
    draft = published[1]
    assert client.get(f"{BASE}/catalog-versions/{draft.pk}").status_code == status
    assert client.get(f"{BASE}/catalog-versions/{draft.pk}/entries").status_code == status
    numbers = [v["number"] for v in client.get(f"{BASE}/catalogs/{SUBSIDISED}/versions").json()]
    assert numbers == ([2, 1] if status == 200 else [1])


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("worker", 403), ("staff_a", 403), ("auditor", 403), ("bureau_admin", 201)],
)
def test_only_the_bureau_starts_drafts(request, published, who, status):
    response = client_of(request, who).post(f"{BASE}/catalogs/{SUBSIDISED}/drafts", {"title": "v3"})
    assert response.status_code == status
    assert CatalogVersion.objects.count() == (3 if status == 201 else 2)


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("worker", 404), ("staff_a", 404)])
def test_others_cannot_edit_a_draft(request, published, who, status):
    draft = published[1]
    entry = draft.entries.first()
    client = client_of(request, who)
    before = AuditEvent.objects.count()
    assert client.post(f"{BASE}/catalog-versions/{draft.pk}/entries", {}).status_code == status
    assert client.post(f"{BASE}/catalog-versions/{draft.pk}/submit").status_code == status
    assert client.post(f"{BASE}/catalog-versions/{draft.pk}/publish", {}).status_code == status
    delete = client.client.delete(f"{BASE}/catalog-entries/{entry.pk}", headers=client.headers)
    assert delete.status_code == status
    assert draft.entries.count() == 2
    assert AuditEvent.objects.count() == before


def test_bureau_edits_explains_submits_and_a_second_person_publishes(
    published, bureau_admin, publisher
):
    _v1, draft = published
    editor = api_client(bureau_admin)
    created = editor.post(
        f"{BASE}/catalog-versions/{draft.pk}/entries",
        {
            "occupation_code": "4-10-01-05",
            "level_code": "level4",
            "training_type": "employment",
            "subsidy_fen": 200000,
            "min_hours": 120,
        },
    )
    assert created.status_code == 201
    assert created.json()["key"] == "4-10-01-05/level4/employment"
    missing = editor.post(f"{BASE}/catalog-versions/{draft.pk}/submit")
    assert missing.status_code == 400
    assert missing.json()["code"] == "reasons_missing"
    assert missing.json()["errors"] == [
        {
            "field": "4-10-01-05/level4/employment",
            "detail": "Entry 4-10-01-05/level4/employment was added but has no reason.",
        }
    ]
    reasons = editor.post(
        f"{BASE}/catalog-versions/{draft.pk}/changes",
        {
            "keys": ["4-10-01-05/level4/employment"],
            "reason": "added",
            "grounds_kind": "application",
            "grounds_reference": "民政局申请",
        },
    )
    assert reasons.status_code == 200
    assert reasons.json()[0]["reason"] == "added"
    assert editor.post(f"{BASE}/catalog-versions/{draft.pk}/submit").json()["status"] == "in_review"
    own = editor.post(
        f"{BASE}/catalog-versions/{draft.pk}/publish", {"effective_from": "2026-04-01"}
    )
    assert own.status_code == 403
    assert own.json()["code"] == "four_eyes_required"
    back = api_client(publisher).post(
        f"{BASE}/catalog-versions/{draft.pk}/publish", {"effective_from": "2026-02-01"}
    )
    assert back.status_code == 400
    assert (back.json()["code"], back.json()["field"]) == ("back_dated", "effective_from")
    done = api_client(publisher).post(
        f"{BASE}/catalog-versions/{draft.pk}/publish", {"effective_from": "2026-04-01"}
    )
    assert done.status_code == 200
    assert done.json()["status"] == VersionStatus.PUBLISHED
    diff = ApiClient(None).get(f"{BASE}/catalog-versions/{draft.pk}/diff").json()
    assert [d["key"] for d in diff["added"]] == ["4-10-01-05/level4/employment"]
    assert diff["older"]["number"] == 1
    changes = ApiClient(None).get(f"{BASE}/catalogs/{SUBSIDISED}/changes").json()
    assert changes["items"][0]["key"] == "4-10-01-05/level4/employment"
    assert changes["items"][0]["grounds_reference"] == "民政局申请"


def test_entry_errors_name_their_fields(published, bureau_admin):
    draft = published[1]
    response = api_client(bureau_admin).post(
        f"{BASE}/catalog-versions/{draft.pk}/entries",
        {
            "occupation_code": "9-99-99-99",
            "training_type": "employment",
            "subsidy_fen": -1,
            "min_hours": 10,
        },
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["occupation_code", "subsidy_fen"]


def test_entry_update_and_delete(published, bureau_admin):
    draft = published[1]
    entry = draft.entries.get(key="6-31-01-03/level5/employment")
    client = api_client(bureau_admin)
    body = {
        "occupation_code": "6-31-01-03",
        "level_code": "level5",
        "training_type": "employment",
        "subsidy_fen": 90000,
        "min_hours": 80,
    }
    response = client.client.put(
        f"{BASE}/catalog-entries/{entry.pk}",
        body,
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 200
    assert response.json()["subsidy_fen"] == 90000
    deleted = client.client.delete(f"{BASE}/catalog-entries/{entry.pk}", headers=client.headers)
    assert deleted.status_code == 204
    assert not CatalogEntry.objects.filter(pk=entry.pk).exists()


def test_draft_creation_is_idempotent(published, bureau_admin):
    client = api_client(bureau_admin)
    first = client.post(
        f"{BASE}/catalogs/{SUBSIDISED}/drafts", {"title": "v3"}, headers={"Idempotency-Key": "k-1"}
    )
    again = client.post(
        f"{BASE}/catalogs/{SUBSIDISED}/drafts", {"title": "v3"}, headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first["Location"] == again["Location"]
    assert CatalogVersion.objects.filter(title="v3").count() == 1


def _upload(client, content, name="next.csv", title="2027"):
    return client.client.post(
        f"{BASE}/catalogs/{SUBSIDISED}/imports",
        {"file": _named(content, name), "title": title},
        headers=client.headers,
    )


def _named(content, name):
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


def test_import_through_the_api_lists_every_bad_row(published, bureau_admin):
    client = api_client(bureau_admin)
    bad = "职业编码,技能等级,培训类型,补贴标准,最低课时\n9-99-99-99,初级,就业技能培训,800,80\n"
    response = _upload(client, bad.encode())
    assert response.status_code == 400
    assert response.json()["code"] == "import_failed"
    assert response.json()["errors"] == [
        {"row": 2, "column": "职业编码", "reason": "Unknown occupation code 9-99-99-99."}
    ]
    good = "职业编码,技能等级,培训类型,补贴标准,最低课时\n6-31-01-03,初级,就业技能培训,900,80\n"
    created = _upload(client, good.encode())
    assert created.status_code == 201
    assert created.json()["entries"] == 1
    assert created.json()["unexplained"] == [
        "6-18-02-04/level5/employment",
        "6-31-01-03/level5/employment",
    ]


def test_import_is_for_the_bureau_only(published, worker):
    good = "职业编码,技能等级,培训类型,补贴标准,最低课时\n6-31-01-03,初级,就业技能培训,900,80\n"
    assert _upload(api_client(worker), good.encode()).status_code == 403


@pytest.mark.parametrize(
    ("who", "status"), [("staff_a", 201), ("staff_b", 404), ("worker", 403), (None, 401)]
)
def test_appeals_only_by_the_organisation_concerned(request, removal, who, status):
    response = client_of(request, who).post(
        f"{BASE}/catalog-changes/{removal.pk}/appeals", {"grounds": "We disagree."}
    )
    assert response.status_code == status
    assert CatalogAppeal.objects.count() == (1 if status == 201 else 0)


def test_appeal_list_is_scoped_and_the_bureau_decides(removal, staff_a, staff_b, publisher):
    api_client(staff_a).post(f"{BASE}/catalog-changes/{removal.pk}/appeals", {"grounds": "x"})
    appeal = CatalogAppeal.objects.get()
    assert api_client(staff_a).get(f"{BASE}/catalog-appeals").json()["count"] == 1
    assert api_client(staff_b).get(f"{BASE}/catalog-appeals").json()["count"] == 0
    refused = api_client(staff_a).post(
        f"{BASE}/catalog-appeals/{appeal.pk}/decision", {"upheld": True, "decision": "mine"}
    )
    assert refused.status_code == 403
    decided = api_client(publisher).post(
        f"{BASE}/catalog-appeals/{appeal.pk}/decision", {"upheld": True, "decision": "Restore."}
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == AppealStatus.UPHELD
    log = ApiClient(None).get(f"{BASE}/catalogs/{CatalogKind.TRAINING_INSTITUTIONS}/changes")
    removed = next(c for c in log.json()["items"] if c["id"] == removal.pk)
    assert removed["appeals"][0]["decision"] == "Restore."


def test_entry_history_through_the_api(published):
    response = ApiClient(None).get(
        f"{BASE}/catalogs/{SUBSIDISED}/history", key="6-31-01-03/level5/employment"
    )
    assert response.status_code == 200
    assert [(h["version"], h["entry"]["subsidy_fen"]) for h in response.json()] == [(1, 80000)]
    missing = ApiClient(None).get(f"{BASE}/catalogs/{SUBSIDISED}/history", key="nope")
    assert missing.status_code == 404

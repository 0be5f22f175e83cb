"""Catalog pages: public reading without login, the console for the bureau, appeals by scope."""

import io

import openpyxl
import pytest
from django.urls import reverse

from jineng.catalogs import queries, services
from jineng.catalogs.choices import AppealStatus, CatalogKind, VersionStatus
from jineng.catalogs.models import CatalogAppeal, CatalogVersion
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import draft_with, publish, subsidy
from jineng.core.models import AuditEvent

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


@pytest.fixture
def published(bureau_admin, publisher):
    """Version 1 of the subsidised catalog in force, and a draft version 2."""
    v1 = publish(
        bureau_admin,
        publisher,
        [
            subsidy(target_groups=("veteran",)),
            subsidy("6-18-02-04", training_type="upskilling", fen=150000),
            subsidy("4-10-01-05", level="level4", fen=200000),
        ],
        effective_from=TODAY,
    )
    draft = services.create_draft(SUBSIDISED, title="草稿", actor=bureau_admin)
    return v1, draft


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def test_catalog_index_is_public(client, published):
    response = client.get(reverse("catalogs:index"))
    assert response.status_code == 200
    assert "草稿" not in response.content.decode()
    assert response.context["catalogs"][0]["entries"] == 3


def test_catalog_page_lists_the_current_version_without_login(client, published):
    response = client.get(reverse("catalogs:catalog", args=[SUBSIDISED]))
    assert response.status_code == 200
    assert response.context["version"] == published[0]
    assert [e.key for e in response.context["page"]] == [
        "4-10-01-05/level4/employment",
        "6-18-02-04/level5/upskilling",
        "6-31-01-03/level5/employment",
    ]
    body = response.content.decode()
    assert "1,500" in body
    assert "电工" in body


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"occupation": "6-31"}, ["6-31-01-03/level5/employment"]),
        ({"level": "level4"}, ["4-10-01-05/level4/employment"]),
        ({"training_type": "upskilling"}, ["6-18-02-04/level5/upskilling"]),
        ({"q": "焊工"}, ["6-18-02-04/level5/upskilling"]),
        # Entries naming no target group are open to everyone, so they match any group.
        (
            {"target_group": "migrant_worker"},
            ["4-10-01-05/level4/employment", "6-18-02-04/level5/upskilling"],
        ),
    ],
)
def test_catalog_page_filters(client, published, query, keys):
    response = client.get(reverse("catalogs:catalog", args=[SUBSIDISED]), query)
    assert [e.key for e in response.context["page"]] == keys


def test_catalog_page_query_count_does_not_grow_with_entries(
    client, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalogs:catalog", args=[SUBSIDISED]))
    assert response.status_code == 200


def test_a_day_before_the_first_version_shows_nothing(client, published):
    response = client.get(reverse("catalogs:catalog", args=[SUBSIDISED]), {"on": "2026-03-01"})
    assert response.context["version"] is None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_downloads_are_public(client, published, fmt):
    response = client.get(reverse("catalogs:download", args=[SUBSIDISED, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="subsidised_training-v1.{fmt}"'


def test_change_log_versions_and_history_are_public(client, published):
    v1, _draft = published
    for name in ("changes", "versions"):
        assert client.get(reverse(f"catalogs:{name}", args=[SUBSIDISED])).status_code == 200
    history = client.get(
        reverse("catalogs:history", args=[SUBSIDISED]), {"key": "6-31-01-03/level5/employment"}
    )
    assert history.status_code == 200
    assert client.get(reverse("catalogs:version", args=[v1.pk])).status_code == 200
    assert client.get(reverse("catalogs:compare", args=[v1.pk])).status_code == 200


@pytest.mark.parametrize("name", ["version", "compare"])
@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 404), ("worker", 404), ("staff_a", 404), ("bureau_admin", 200)],
)
def test_drafts_are_hidden_from_everyone_but_the_bureau(
    client, request, published, name, who, status
):
    user = request.getfixturevalue(who) if who else None
    response = client_for(client, user).get(reverse(f"catalogs:{name}", args=[published[1].pk]))
    assert response.status_code == status


def test_draft_downloads_are_hidden_from_the_public(client, published):
    url = reverse("catalogs:version_download", args=[published[1].pk, "csv"])
    assert client.get(url).status_code == 404


CONSOLE_PAGES = ["console", "draft_new", "draft_import", "draft_register", "appeal_queue"]


@pytest.mark.parametrize("name", CONSOLE_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("worker", 403),
        ("staff_a", 403),
        ("auditor", 403),
        ("reviewer", 403),
        ("bureau_admin", 200),
    ],
)
def test_console_is_for_the_bureau_only(client, request, published, name, who, status):
    user = request.getfixturevalue(who) if who else None
    response = client_for(client, user).get(reverse(f"catalogs:{name}"))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [(None, 302), ("worker", 403), ("staff_a", 403), ("bureau_admin", 200)]
)
def test_workbench_is_for_the_bureau_only(client, request, published, who, status):
    user = request.getfixturevalue(who) if who else None
    url = reverse("catalogs:workbench", args=[published[1].pk])
    assert client_for(client, user).get(url).status_code == status


@pytest.mark.parametrize("who", ["worker", "staff_a", "auditor"])
def test_others_cannot_change_drafts(client, request, published, who):
    _v1, draft = published
    entry = draft.entries.first()
    client.force_login(request.getfixturevalue(who))
    before = AuditEvent.objects.count()
    for url in (
        reverse("catalogs:version_submit", args=[draft.pk]),
        reverse("catalogs:version_discard", args=[draft.pk]),
        reverse("catalogs:entry_remove", args=[entry.pk]),
        reverse("catalogs:version_publish", args=[draft.pk]),
    ):
        assert client.post(url, {"effective_from": "2026-04-01"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert draft.entries.count() == 3
    assert AuditEvent.objects.count() == before


def test_editor_changes_an_entry_and_records_its_reason(client, published, bureau_admin):
    _v1, draft = published
    entry = draft.entries.get(key="6-31-01-03/level5/employment")
    client.force_login(bureau_admin)
    page = client.get(reverse("catalogs:entry_edit", args=[entry.pk]))
    assert page.status_code == 200
    # Stored in fen, shown in yuan with two decimals.
    assert page.context["form"].initial["subsidy_yuan"] == 80000
    assert 'name="subsidy_yuan" value="800.00"' in page.content.decode()
    response = client.post(
        reverse("catalogs:entry_edit", args=[entry.pk]),
        {
            "occupation_code": "6-31-01-03",
            "level_code": "level5",
            "training_type": "employment",
            "subsidy_yuan": "1000",
            "min_hours": "80",
            "target_groups": ["veteran"],
            "status": "active",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.subsidy_fen == 100000
    response = client.post(
        reverse("catalogs:reasons_record", args=[draft.pk]),
        {
            "keys": [entry.key],
            "reason": "changed",
            "grounds_kind": "policy",
            "grounds_reference": "吉人社〔2026〕3号",
        },
    )
    assert response.status_code == 302
    assert draft.changes.get().grounds_reference == "吉人社〔2026〕3号"


def test_entry_form_shows_service_errors_on_the_fields(client, published, bureau_admin):
    _v1, draft = published
    client.force_login(bureau_admin)
    # The form knows the classification: an unknown occupation is refused beside the field.
    response = client.post(
        reverse("catalogs:entry_add", args=[draft.pk]),
        {"occupation_code": "9-99-99-99", "training_type": "employment", "status": "active"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["occupation_code"] == ["No occupation has the code or name “9-99-99-99”."]
    # What only the service checks lands on its field too.
    response = client.post(
        reverse("catalogs:entry_add", args=[draft.pk]),
        {"occupation_code": "6-31-01-03", "training_type": "employment", "status": "active"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["subsidy_yuan"] == ["The subsidy amount is required."]
    assert draft.entries.count() == 3


def _xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "职业编码",
            "技能等级",
            "培训类型",
            "补贴标准(元/人)",
            "最低课时",
            "变动原因",
            "依据类型",
            "依据",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "2027.xlsx"
    return buffer


def test_bad_import_shows_every_row_error_and_writes_nothing(client, published, bureau_admin):
    client.force_login(bureau_admin)
    upload = _xlsx(
        [
            ["9-99-99-99", "初级", "就业技能培训", 800, 80],
            ["6-31-01-03", "初级", "就业技能培训", -1, 80],
        ]
    )
    response = client.post(
        reverse("catalogs:draft_import"),
        {"kind": SUBSIDISED, "title": "2027", "file": upload},
    )
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["row_errors"]] == [
        (2, "职业编码"),
        (3, "补贴标准(元/人)"),
    ]
    assert CatalogVersion.objects.count() == 2


def test_next_years_catalog_imported_published_by_another_and_seen_with_its_reasons(
    client, published, bureau_admin, publisher
):
    """The issue's goal: import, a second administrator publishes, the public sees the diff."""
    v1, draft = published
    services.discard_draft(draft.pk, actor=bureau_admin)
    client.force_login(bureau_admin)
    upload = _xlsx(
        [
            [
                "6-31-01-03",
                "初级",
                "就业技能培训",
                1000,
                80,
                "调整",
                "政策调整",
                "吉人社〔2026〕9号",
            ],
            ["6-18-02-04", "初级", "岗位技能提升培训", 1500, 80, "", "", ""],
            ["4-10-01-05", "中级", "就业技能培训", "", "", "退出", "绩效评估", "2026 绩效评估"],
            ["4-03-02-01", "初级", "就业技能培训", 800, 60, "新增", "申请", "餐饮协会申请"],
        ]
    )
    response = client.post(
        reverse("catalogs:draft_import"),
        {
            "kind": SUBSIDISED,
            "title": "2027 年目录",
            "effective_from": "2027-01-01",
            "file": upload,
        },
    )
    v2 = CatalogVersion.objects.get(title="2027 年目录")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogs:workbench", args=[v2.pk])
    assert client.post(reverse("catalogs:version_submit", args=[v2.pk])).status_code == 302
    v2.refresh_from_db()
    assert v2.status == VersionStatus.IN_REVIEW
    # The editor cannot publish; a second administrator can.
    client.post(reverse("catalogs:version_publish", args=[v2.pk]), {"effective_from": "2027-01-01"})
    v2.refresh_from_db()
    assert v2.status == VersionStatus.IN_REVIEW
    client.force_login(publisher)
    client.post(reverse("catalogs:version_publish", args=[v2.pk]), {"effective_from": "2027-01-01"})
    v2.refresh_from_db()
    assert v2.status == VersionStatus.PUBLISHED
    client.logout()
    index = client.get(reverse("catalogs:index"))
    assert index.context["catalogs"][0]["current"] == v1
    assert index.context["catalogs"][0]["upcoming"] == v2
    compare = client.get(reverse("catalogs:compare", args=[v2.pk]))
    assert compare.context["counts"] == {"added": 1, "removed": 1, "changed": 1}
    log = client.get(reverse("catalogs:changes", args=[SUBSIDISED]))
    keys = [(c.key, c.reason) for c in log.context["page"] if c.version_id == v2.pk]
    assert keys == [
        ("4-03-02-01/level5/employment", "added"),
        ("4-10-01-05/level4/employment", "removed"),
        ("6-31-01-03/level5/employment", "changed"),
    ]
    new_year = client.get(reverse("catalogs:catalog", args=[SUBSIDISED]), {"on": "2027-01-01"})
    assert new_year.context["version"] == v2
    assert queries.current_version(SUBSIDISED) == v1


@pytest.mark.parametrize(
    ("who", "status"), [(None, 302), ("worker", 403), ("staff_b", 404), ("staff_a", 200)]
)
def test_only_the_organisation_concerned_may_appeal(client, request, removal, who, status):
    user = request.getfixturevalue(who) if who else None
    url = reverse("catalogs:appeal_file", args=[removal.pk])
    assert client_for(client, user).get(url).status_code == status


def test_staff_file_an_appeal_and_the_bureau_decides_it(
    client,
    removal,
    staff_a,
    publisher,
):
    client.force_login(staff_a)
    mine = client.get(reverse("catalogs:my_appeals"))
    assert [c.pk for c in mine.context["changes"]] == [removal.pk]
    response = client.post(
        reverse("catalogs:appeal_file", args=[removal.pk]), {"grounds": "Closed class counted."}
    )
    assert response.status_code == 302
    appeal = CatalogAppeal.objects.get()
    assert appeal.filed_by == staff_a
    assert client.get(reverse("catalogs:appeal_decide", args=[appeal.pk])).status_code == 403
    client.force_login(publisher)
    response = client.post(
        reverse("catalogs:appeal_decide", args=[appeal.pk]),
        {"upheld": "0", "decision": "The scorecard stands."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (AppealStatus.DISMISSED, publisher)
    client.logout()
    log = client.get(reverse("catalogs:changes", args=[CatalogKind.TRAINING_INSTITUTIONS]))
    assert "The scorecard stands." in log.content.decode()


def test_organisation_page_shows_its_catalog_history(client, removal, school_a, school_b):
    response = client.get(reverse("catalogs:organization", args=[school_a.pk]))
    assert response.status_code == 200
    assert [c.reason for c in response.context["changes"]] == ["removed", "added"]
    # The removal takes effect tomorrow: today school A is still listed.
    assert [e.version.number for e in response.context["entries"]] == [1]


def test_organisation_never_in_a_catalog_has_no_page(client, published, school_a):
    assert client.get(reverse("catalogs:organization", args=[school_a.pk])).status_code == 404


def test_draft_from_list_and_workbench_render_for_the_editor(client, published, bureau_admin):
    client.force_login(bureau_admin)
    draft = draft_with(bureau_admin, [subsidy("4-03-02-01")])
    page = client.get(reverse("catalogs:workbench", args=[draft.pk]))
    assert page.status_code == 200
    assert page.context["can_edit"] is True

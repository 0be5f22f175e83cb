"""REST API for the lifelong record: the document of a person in scope, 404 outside it."""

import datetime

from django.utils import timezone

from jineng.api.tests.helpers import api_client
from jineng.people.services import add_membership


def test_record_document_of_a_person(person, bureau_admin, target_groups, today):
    since = today - datetime.timedelta(days=30)
    add_membership(
        person,
        target_groups["graduate"],
        source="education",
        valid_from=since,
        evidence="毕业证",
        actor=bureau_admin,
    )
    response = api_client(bureau_admin).get(f"/api/v1/people/{person.pk}/record")
    assert response.status_code == 200
    document = response.json()
    generated_at = datetime.datetime.fromisoformat(document.pop("generated_at"))
    assert abs(timezone.now() - generated_at) < datetime.timedelta(minutes=1)
    assert document == {
        "schema": "jineng.training-record/1",
        "person": {
            "id": person.pk,
            "name": "张三",
            "id_number": "220581**********36",
            "phone": "138******78",
            "birth_date": None,
            "age": None,
            "age_band": person.age_band,
            "sex": "M",
            "region": {"code": "220581001001", "name": "新华社区"},
            "town": "新华街道",
            "hukou_type": "unknown",
            "education": "unknown",
            "employment_status": "unknown",
            "target_groups": ["graduate"],
        },
        "entries": [
            {
                "date": timezone.localdate(person.created_at).isoformat(),
                "kind": "identity.registered",
                "title": document["entries"][0]["title"],
                "details": {"region_code": "220581001001"},
            },
            {
                "date": since.isoformat(),
                "kind": "target_group.joined",
                "title": document["entries"][1]["title"],
                "details": {
                    "group": "graduate",
                    "source": document["entries"][1]["details"]["source"],
                    "evidence": "毕业证",
                    "valid_until": None,
                },
            },
        ],
    }
    assert "高校毕业生" in document["entries"][1]["title"]


def test_worker_reads_own_record(worker, person):
    response = api_client(worker).get(f"/api/v1/people/{person.pk}/record")
    assert response.status_code == 200
    assert response.json()["person"]["id"] == person.pk


def test_record_outside_scope_is_404(person, staff_a):
    response = api_client(staff_a).get(f"/api/v1/people/{person.pk}/record")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

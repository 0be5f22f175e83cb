"""Every Django admin page is read-only or audited, the event in the change's transaction."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib import admin
from django.test import RequestFactory

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.admin import AuditedAdminMixin
from jineng.core.models import AuditEvent
from jineng.learning.models import LearningPlatform

PLATFORMS = "/admin/learning/learningplatform/"


@pytest.fixture
def superuser(db):
    return make_user("root_t", Role.BUREAU_ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_adding_a_learning_platform_in_admin_is_audited(admin_client, superuser, school_a):
    response = admin_client.post(
        f"{PLATFORMS}add/",
        {"name": "吉林学习平台", "organization": school_a.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    platform = LearningPlatform.objects.get(name="吉林学习平台")
    event = AuditEvent.objects.get(action="learning.learningplatform.created")
    assert (event.actor_id, event.object_id) == (superuser.pk, str(platform.pk))
    assert event.data["via"] == "admin"
    assert (event.data["name"], event.data["organization"]) == ("吉林学习平台", school_a.pk)
    assert {"name", "organization"} <= set(event.data["fields"])
    assert audit.verify() is None


def test_deleting_a_learning_platform_in_admin_is_audited(admin_client, superuser):
    platform = LearningPlatform.objects.create(name="吉林学习平台")
    response = admin_client.post(f"{PLATFORMS}{platform.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not LearningPlatform.objects.filter(pk=platform.pk).exists()
    event = AuditEvent.objects.get(action="learning.learningplatform.deleted")
    assert (event.actor_id, event.object_id, event.object_repr) == (
        superuser.pk,
        str(platform.pk),
        "吉林学习平台",
    )


def test_deleting_selected_platforms_in_admin_audits_each(admin_client):
    platforms = [LearningPlatform.objects.create(name=f"平台{n}") for n in range(2)]
    response = admin_client.post(
        PLATFORMS,
        {
            "action": "delete_selected",
            "_selected_action": [p.pk for p in platforms],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not LearningPlatform.objects.exists()
    deleted = AuditEvent.objects.filter(action="learning.learningplatform.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(
        str(p.pk) for p in platforms
    )


def test_a_change_whose_event_cannot_be_written_is_not_saved(admin_client):
    with (
        mock.patch("jineng.core.admin.audit.record", side_effect=RuntimeError("no audit")),
        pytest.raises(RuntimeError, match="no audit"),
    ):
        admin_client.post(f"{PLATFORMS}add/", {"name": "吉林学习平台", "is_active": "on"})
    assert not LearningPlatform.objects.exists()


def test_a_read_only_admin_page_refuses_changes(admin_client, city):
    url = f"/admin/regions/region/{city.pk}/change/"
    assert admin_client.post(url, {"code": "220581", "name": "改名"}).status_code == 403
    assert admin_client.post(f"/admin/regions/region/{city.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/learning/statement/add/").status_code == 403
    city.refresh_from_db()
    assert city.name == "梅河口市"


def test_every_admin_page_is_read_only_or_audited(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    open_pages = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]
    assert open_pages == []

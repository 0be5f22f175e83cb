"""Pages of the flagged check-ins: the reviewers' list and the decision form, by role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jineng.attendance import services, tokens
from jineng.attendance.models import Attendance
from jineng.core.models import AuditEvent

from .conftest import START

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def flagged(worker, enrolment, sessions, at_start):
    code = tokens.make_code(sessions[0].pk, START)
    return services.check_in(code, actor=worker, scanned_at=START)


def test_reviewer_lists_flagged_check_ins_and_rejects_one_from_its_page(client, reviewer, flagged):
    client.force_login(reviewer)
    page = client.get(reverse("attendance:flagged"), **EN)
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [flagged]
    review_url = reverse("attendance:review", args=[flagged.pk])
    assert review_url in page.content.decode()
    form = client.get(review_url, **EN)
    assert form.status_code == 200
    assert "No location given" in form.content.decode()
    assert 'value="rejected"' in form.content.decode()
    response = client.post(review_url, {"decision": "rejected", "reason": "本人确认未到场"}, **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:flagged")
    row = Attendance.objects.get(pk=flagged.pk)
    assert (row.review, row.review_reason, row.reviewed_by) == (
        "rejected",
        "本人确认未到场",
        reviewer,
    )
    assert list(client.get(reverse("attendance:flagged"), **EN).context["page"].object_list) == []
    decided = client.get(reverse("attendance:flagged") + "?state=rejected", **EN)
    assert list(decided.context["page"].object_list) == [row]
    # Decided: the page shows the decision and no buttons.
    again = client.get(review_url, **EN).content.decode()
    assert 'value="rejected"' not in again
    assert "本人确认未到场" in again


def test_a_decision_without_a_reason_is_refused_and_nothing_is_written(client, reviewer, flagged):
    client.force_login(reviewer)
    url = reverse("attendance:review", args=[flagged.pk])
    response = client.post(url, {"decision": "rejected", "reason": ""}, **EN)
    assert response.status_code == 400
    assert Attendance.objects.get(pk=flagged.pk).review == ""
    assert not AuditEvent.objects.filter(action__in=["attendance.attendance.rejected"]).exists()


def test_roles_that_may_not_review_get_403_and_other_schools_404_like_missing(
    client, flagged, auditor, staff_a, staff_b, worker
):
    url = reverse("attendance:review", args=[flagged.pk])
    for user in (auditor, staff_a, worker):
        client.force_login(user)
        assert client.get(reverse("attendance:flagged"), **EN).status_code == 403
        assert client.get(url, **EN).status_code == 403
        assert client.post(url, {"decision": "rejected", "reason": "x"}, **EN).status_code == 403
    client.force_login(staff_b)
    other = client.get(url, **EN)
    missing = client.get(reverse("attendance:review", args=[10**9]), **EN)
    assert other.status_code == missing.status_code == 404
    assert Attendance.objects.get(pk=flagged.pk).review == ""


def test_the_sheet_links_a_flagged_cell_to_its_review_for_reviewers_only(
    client, reviewer, staff_a, flagged, training_class
):
    url = reverse("attendance:sheet", args=[training_class.pk])
    review_url = reverse("attendance:review", args=[flagged.pk])
    client.force_login(reviewer)
    assert review_url in client.get(url, **EN).content.decode()
    client.force_login(staff_a)
    assert review_url not in client.get(url, **EN).content.decode()
    services.review_check_in(flagged.pk, decision="rejected", reason="代签", actor=reviewer)
    client.force_login(reviewer)
    page = client.get(url, **EN).content.decode()
    assert review_url not in page
    assert "Rejected" in page
    assert "not counted" in page


def test_a_reviewer_posting_a_decision_on_their_own_check_in_is_refused_on_the_page(
    client, reviewer, flagged, worker
):
    # The reviewer's account is linked to the trainee's person (a bureau employee who trains).
    worker.person = None
    worker.save(update_fields=["person"])
    reviewer.person = flagged.enrolment.person
    reviewer.save(update_fields=["person"])
    client.force_login(reviewer)
    url = reverse("attendance:review", args=[flagged.pk])
    response = client.post(url, {"decision": "accepted", "reason": "属实"}, **EN)
    assert response.status_code == 400
    assert "You may not review a check-in of your own training" in response.content.decode()
    assert Attendance.objects.get(pk=flagged.pk).review == ""
    assert not AuditEvent.objects.filter(action="attendance.attendance.accepted").exists()

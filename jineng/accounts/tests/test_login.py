import datetime

import pytest
import time_machine
from django.urls import reverse

LOGIN = "/accounts/login/"
PASSWORD = "pw-Testing-123"


def _post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_labels_every_field(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_login_with_correct_password_starts_a_session(client, bureau_admin):
    response = _post_login(client, "admin_t", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bureau_admin.pk)


def test_wrong_password_is_refused_with_a_message(client, bureau_admin):
    response = _post_login(client, "admin_t", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()


def test_correct_password_is_refused_after_the_failure_limit(client, bureau_admin, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post_login(client, "admin_t", "wrong-password").status_code == 200
    locked = _post_login(client, "admin_t", "wrong-password")
    assert locked.status_code == 429

    response = _post_login(client, "admin_t", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "accounts/locked_out.html" in [t.name for t in response.templates]


def test_locked_out_page_says_why_and_when_to_retry(client, bureau_admin, settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC), tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = _post_login(client, "admin_t", "wrong-password")
    html = response.content.decode()
    assert "There were 5 failed attempts to log in" in html
    # 30 minutes of cool-off from 08:00 UTC is 16:30 in Asia/Shanghai.
    assert "You can try again in 30 minutes, after 16:30." in html


def test_lockout_ends_after_the_cool_off(client, bureau_admin, settings):
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post_login(client, "admin_t", "wrong-password")
    later = start + datetime.timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        response = _post_login(client, "admin_t", PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(bureau_admin.pk)


def test_home_is_each_roles_workspace(client, bureau_admin, worker):
    # The home page is the workspace (工作台) for every role (jineng/workspace/tests).
    for user in (bureau_admin, worker):
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "workspace/home.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("bureau_admin", ["/people/", "/accounts/audit/", "/accounts/security-policy/"]),
        ("auditor", ["/people/", "/accounts/audit/"]),
        ("staff_a", ["/people/"]),
        ("worker", ["/records/mine/"]),
    ],
)
def test_navigation_shows_the_pages_of_the_role(client, request, fixture, expected):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    html = client.get("/accounts/security/").content.decode()
    nav = html.split('<nav class="container site-nav"', 1)[1].split("</nav>", 1)[0]
    every = ["/people/", "/accounts/audit/", "/accounts/security-policy/", "/records/mine/"]
    shown = [path for path in every if f'href="{path}"' in nav]
    assert shown == sorted(expected, key=every.index)

import re

LOGIN = "/accounts/login/"


def test_chinese_is_the_default_language(client, db):
    html = client.get(LOGIN).content.decode()
    assert '<html lang="zh-CN">' in html
    assert "<h1>登录</h1>" in html
    assert "跳到主要内容" in html
    assert re.search(r'value="zh-hans" lang="zh-CN"\s+aria-current="true"', html)


def test_language_switch_gives_english_pages(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert response.url == LOGIN
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert "Skip to main content" in html
    assert "登录" not in html


def test_switching_back_to_chinese(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": LOGIN})
    assert '<html lang="zh-CN">' in client.get(LOGIN).content.decode()


def test_browser_language_is_honoured_until_the_user_chooses(client, db):
    html = client.get(LOGIN, headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="en">' in html


def test_logged_in_pages_are_translated(client, worker):
    client.force_login(worker)
    chinese = client.get("/records/mine/").content.decode()
    assert "<h1>我的档案</h1>" in chinese
    assert "分享我的档案" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/records/mine/"})
    english = client.get("/records/mine/").content.decode()
    assert "<h1>My record</h1>" in english
    assert "Share my record" in english


def test_target_groups_show_their_english_names_in_english(
    client, bureau_admin, person, target_groups
):
    from jineng.people.services import add_membership

    add_membership(
        person,
        target_groups["veteran"],
        source="veterans",
        valid_from=person.birth_date,
        actor=bureau_admin,
    )
    client.force_login(bureau_admin)
    assert "退役军人" in client.get("/people/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/people/"})
    assert "Veterans" in client.get("/people/").content.decode()

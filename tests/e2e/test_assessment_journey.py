"""Journey of issue 14: from a filed assessment plan to a certificate anyone checks, in a browser.

The world is built through the services: an evaluation body accredited for 职业技能等级认定 of
电工 up to 三级/高级工 around today, three workers who hold a 四级/中级工 certificate and apply
directly, four experts with accounts qualified for 电工, and two bureau administrators.

Then, in the browser: the evaluator plans a 三级/高级工 session starting today, adds the three
applicants and files the plan; the bureau finds it among the filed plans and draws two
examiners, and the draw's page shows its seed and its pool; the examiners sign in and enter
the theory and practical scores (one candidate fails theory); the evaluator closes the
session, after which the score grid refuses any change, and issues the certificates of the
two who passed. The evaluator prints one certificate: the PDF's QR code encodes
``/verify/<number>``, which an anonymous visitor opens and sees valid. The second bureau
administrator revokes it with a reason; the public page and ``GET
/api/v1/certificates/{number}/verify`` then say revoked without the reason, and the bureau's
talent pool lists the other new 高级工 (and no longer the holder of the revoked certificate),
who downloads her credential from her record for a wallet; the API checks it valid.

A second journey starts from the closed session (built through the services): one bureau
administrator asks to change a locked score with a reason, cannot approve it, and a second
administrator approves it; the result is decided again and the certificate can be issued.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.assessment.choices import SessionStatus
from jineng.assessment.models import AssessmentSession, Result, Score
from jineng.assessment.tests import conftest as assessment_fixtures
from jineng.assessment.tests import helpers
from jineng.certificates import keys
from jineng.certificates import pdf as certificate_pdf
from jineng.certificates import services as certificate_services
from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.certificates.queries import mask_name
from jineng.core.models import AuditEvent
from jineng.experts.models import Draw
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.records.tests.test_views import _streams, pdf_text
from tests.e2e.browser import UI

# Reference data and actors of the assessment tests, built the same way (through services).
levels = assessment_fixtures.levels
electrician = assessment_fixtures.electrician
rules = assessment_fixtures.rules
evaluator_org = assessment_fixtures.evaluator_org
evaluator = assessment_fixtures.evaluator
second_admin = assessment_fixtures.second_admin
accredited = assessment_fixtures.accredited

TITLE = "2026年第四批电工三级认定"
VENUE = "梅河口市职业技能鉴定中心实操考场"
REVOKE_REASON = "核查发现理论考试存在替考行为，依规撤销"
# The three applicants: 王伟 passes, 李娜 fails theory, 张敏 passes.
APPLICANTS = ((11, "王伟"), (12, "李娜"), (13, "张敏"))
THEORY = {"王伟": "82", "李娜": "41.5", "张敏": "75"}
PRACTICAL = {"王伟": "70", "李娜": "88", "张敏": "64"}
_KEYS: list[Any] = []


def zh(text: Any) -> str:
    """The text (a msgid or a lazy translation) as the Chinese UI shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


@pytest.fixture(autouse=True)
def _one_signing_key(monkeypatch: Any) -> None:
    """Make the issuer's RSA key once per run: generating one costs seconds."""
    if not _KEYS:
        _KEYS.append(keys.generate_private_key())
    monkeypatch.setattr(keys, "generate_private_key", lambda: _KEYS[0])


@pytest.fixture(autouse=True)
def _public_base_is_the_live_server(settings: Any, live_server: Any) -> None:
    """Certificates (their QR codes and credentials) point at the server under test."""
    settings.JINENG_PUBLIC_BASE_URL = live_server.url.rstrip("/")


class World:
    """What the journey starts from, built through the services."""

    def __init__(
        self,
        evaluator: User,
        admin: User,
        second_admin: User,
        occupation: Any,
        levels: dict[str, Any],
    ) -> None:
        self.evaluator = evaluator
        self.admin = admin
        self.second_admin = second_admin
        self.occupation = occupation
        self.levels = levels
        today = timezone.localdate()
        # Three workers, each with a 四级/中级工 certificate in 电工 (三级's condition).
        self.people: dict[str, Person] = {}
        for n, name in APPLICANTS:
            person = helpers.make_person(n, admin, name=name)
            certificate_services.issue_certificate(
                admin,
                certificate_services.IssueRequest(
                    kind=CertificateKind.SKILL_LEVEL,
                    holder=person,
                    issuer=evaluator.organization,
                    issued_on=today - datetime.timedelta(days=20),
                    basis=f"prior:{n}",
                    occupation=occupation,
                    level=levels["level4"],
                    title="电工四级认定",
                ),
            )
            self.people[name] = person
        # 张敏 has a worker account: the holder who takes the credential into a wallet.
        self.holder = make_user("worker_zm", Role.WORKER, person=self.people["张敏"])
        # Four experts of an enterprise, each with a worker account, qualified for 电工 三级.
        pool_org = Organization.objects.create(
            credit_code="91220581MA00000099",
            name="梅河口市某机械厂",
            kind=OrganizationKind.ENTERPRISE,
        )
        self.experts = [
            helpers.make_expert(200 + n, admin, occupation, levels["level3"], pool_org)
            for n in range(4)
        ]


@pytest.fixture
def world(
    accredited: Any,
    rules: None,
    evaluator: User,
    bureau_admin: User,
    second_admin: User,
    electrician: Any,
    levels: dict[str, Any],
) -> World:
    return World(evaluator, bureau_admin, second_admin, electrician, levels)


# -- reading the printed QR code -------------------------------------------------------------

RECT = re.compile(
    rb"(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+re\s+f\b",
)


def _dark_modules(cells: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    """Shift (row, column) pairs so the top-left dark module is at (0, 0)."""
    top = min(r for r, _c in cells)
    left = min(c for _r, c in cells)
    return frozenset((r - top, c - left) for r, c in cells)


def printed_qr(content: bytes) -> frozenset[tuple[int, int]]:
    """Return the dark modules of the QR code a certificate PDF draws (as a camera sees them).

    pdf.QrCode draws each dark module as a filled square of one size; the squares are read
    back from the page's content stream and laid on their grid.
    """
    squares = []
    for stream in _streams(content):
        for x, y, w, h in RECT.findall(stream):
            width, height = float(w), float(h)
            if 0 < width < 10 and abs(width - height) < 1e-6:
                squares.append((float(x), float(y), width))
    assert squares, "the PDF draws no QR code"
    sizes = {round(w, 4) for _x, _y, w in squares}
    assert len(sizes) == 1, f"the PDF draws squares of several sizes: {sizes}"
    cell = squares[0][2]
    return _dark_modules({(round(-y / cell), round(x / cell)) for x, y, _w in squares})


def qr_of(url: str) -> frozenset[tuple[int, int]]:
    """Return the dark modules of the QR code of ``url`` as the certificates PDF makes it."""
    matrix = certificate_pdf.qr_matrix(url)
    return _dark_modules(
        {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
    )


def scanned_url(content: bytes) -> str:
    """Return the URL the PDF's QR code encodes: the printed link whose QR code it is."""
    shown = printed_qr(content)
    text = pdf_text(content)
    for url in re.findall(r"https?://\S+", text):
        if qr_of(url) == shown:
            return url
    raise AssertionError(f"the PDF's QR code encodes none of the links it prints: {text!r}")


def paste_credential(ui: UI, credential: str) -> None:
    """Paste a credential on /verify/ and have it checked."""
    form = ui.page.locator("main form[method=post][action='/verify/']")
    form.locator("textarea[name=text]").fill(credential)
    ui.follow(form.locator("button[type=submit]"))


# -- the journey ----------------------------------------------------------------------------


def _row(ui: UI, name: str) -> Any:
    return ui.page.locator("main table tbody tr", has_text=name)


def test_evaluator_files_a_session_and_the_public_checks_its_certificate(
    ui: UI,
    open_ui: Callable[..., UI],
    live_server: Any,
    world: World,
    evaluator: User,
    bureau_admin: User,
    second_admin: User,
    electrician: Any,
    levels: dict[str, Any],
) -> None:
    today = timezone.localdate()

    # 1. The evaluator plans a 三级/高级工 session from today and adds the three applicants.
    ui.login(evaluator)
    ui.goto("/assessment/")
    ui.follow(ui.page.locator("main a[href$='/assessment/new']"))
    form = ui.page.locator("main form[method=post]")
    form.locator("select[name=route]").select_option("skill_level")
    form.locator("input[name=occupation]").fill("6-31-01-03")
    form.locator("select[name=level]").select_option(str(levels["level3"].pk))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=starts_on]").fill(today.isoformat())
    form.locator("input[name=ends_on]").fill((today + datetime.timedelta(days=1)).isoformat())
    form.locator("input[name=venue]").fill(VENUE)
    form.locator("input[name=capacity]").fill("30")
    ui.follow(form.locator("button[type=submit]"))
    session = AssessmentSession.objects.get(title=TITLE)
    assert ui.path == f"/assessment/{session.pk}/"
    assert (session.evaluator_id, session.level_id, session.status) == (
        evaluator.organization_id,
        levels["level3"].pk,
        SessionStatus.DRAFT,
    )
    session_path = ui.path

    for n, name in APPLICANTS:
        apply = ui.page.locator("main form[action$='/candidates/apply']")
        apply.locator("input[name=id_number]").fill(helpers.citizen_id(n))
        apply.locator("input[name=name]").fill(name)
        apply.locator("input[name=years_in_occupation]").fill("7")
        ui.follow(apply.locator("button[type=submit]"))
        assert ui.path == session_path
        expect(_row(ui, name)).to_have_count(1)
    candidates = {c.person.name: c for c in session.candidates.select_related("person")}
    assert set(candidates) == {name for _n, name in APPLICANTS}
    assert all("四级" in c.eligibility_reason for c in candidates.values())

    ui.follow(ui.page.locator("main form[action$='/file'] button"))
    session.refresh_from_db()
    assert session.status == SessionStatus.FILED
    assert AuditEvent.objects.filter(action="assessment.session.filed", actor_id=evaluator.pk)
    assert {c.key for c in session.components.all()} == {"theory", "practical"}

    # 2. The bureau finds the filed plan and draws two examiners; the draw shows seed and pool.
    bureau = open_ui()
    bureau.login(bureau_admin)
    bureau.goto("/assessment/plans/")
    bureau.follow(bureau.page.locator(f"main a[href$='/assessment/{session.pk}/']"))
    expect(bureau.page.locator("main")).to_contain_text(VENUE)
    draw_form = bureau.page.locator("main form[action$='/draw']")
    draw_form.locator("input[name=count]").fill("2")
    bureau.follow(draw_form.locator("button[type=submit]"))
    session.refresh_from_db()
    assert session.status == SessionStatus.EXAMINERS_DRAWN
    examiners = [
        e.expert for e in session.examiners.select_related("expert__person", "expert__user")
    ]
    assert len(examiners) == 2
    listed = bureau.page.locator("main section[aria-labelledby=examiners-heading] li")
    expect(listed).to_have_count(2)
    for expert in examiners:
        expect(
            bureau.page.locator("main section[aria-labelledby=examiners-heading]")
        ).to_contain_text(expert.person.name)
    bureau.follow(bureau.page.locator(f"main a[href='/experts/draws/{session.draw_id}/']"))
    draw = Draw.objects.get(pk=session.draw_id)
    expect(bureau.page.locator("main dd.mono")).to_contain_text(draw.seed)
    pool = bureau.page.locator("main section[aria-labelledby=pool-heading] tbody tr")
    expect(pool).to_have_count(len(world.experts))
    for expert in world.experts:
        expect(bureau.page.locator("main section[aria-labelledby=pool-heading]")).to_contain_text(
            expert.person.name
        )
    expect(bureau.page.locator("#reproduce .status-active")).to_have_count(1)

    # 3. Each examiner signs in and enters one component's scores; 李娜 fails theory.
    for expert, component, marks in zip(
        examiners, ("theory", "practical"), (THEORY, PRACTICAL), strict=True
    ):
        examiner = open_ui()
        examiner.login(expert.user)
        examiner.goto("/assessment/mine/")
        examiner.follow(examiner.page.locator(f"main a[href$='/assessment/{session.pk}/']"))
        examiner.follow(
            examiner.page.locator(f"main a[href$='/assessment/{session.pk}/scores/{component}']")
        )
        for name, value in marks.items():
            examiner.page.locator(f"input[name=score_{candidates[name].pk}]").fill(value)
        examiner.follow(examiner.page.locator("main form[method=post] button[type=submit]"))
        assert examiner.path == f"/assessment/{session.pk}/scores/{component}"
        saved = {
            s.candidate.person.name: s.value
            for s in Score.objects.filter(
                candidate__session=session, component__key=component
            ).select_related("candidate__person")
        }
        assert saved == {name: Decimal(value) for name, value in marks.items()}
        assert all(
            s.entered_by_id == expert.pk for s in Score.objects.filter(component__key=component)
        )
        examiner.logout()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCORING

    # 4. An examiner still has the theory grid open when the evaluator closes the session:
    # results decided, scores locked.
    grader = open_ui()
    grader.login(examiners[0].user)
    grid_path = f"/assessment/{session.pk}/scores/theory"
    grader.goto(grid_path)
    save = grader.page.locator("main form[method=post] button[type=submit]")
    expect(save).to_have_count(1)

    ui.goto(session_path)
    ui.follow(ui.page.locator("main form[action$='/close'] button"))
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    results = {
        r.candidate.person.name: r.passed
        for r in Result.objects.select_related("candidate__person")
    }
    assert results == {"王伟": True, "李娜": False, "张敏": True}
    expect(_row(ui, "李娜").locator(".tag")).to_have_text(zh("Not passed"))
    expect(_row(ui, "王伟").locator(".tag")).to_have_text(zh("Passed"))

    # ... so the grid refuses the change the examiner saves from the open page ...
    cell = grader.page.locator(f"input[name=score_{candidates['李娜'].pk}]")
    cell.fill("95")
    grader.follow(save)
    expect(grader.page.locator("main [role=alert]")).to_contain_text(
        zh("The session is closed and its scores are locked; ask the bureau for a change.")
    )
    locked = Score.objects.get(candidate=candidates["李娜"], component__key="theory")
    assert locked.value == Decimal(THEORY["李娜"])
    assert session.closed_at is not None
    assert not AuditEvent.objects.filter(
        action="assessment.score.entered", created_at__gte=session.closed_at
    ).exists()
    # The refused grid should show the locked score, not the refused one (checked at the end).
    shown_after_refusal = cell.input_value()

    # ... and, opened again, it is read-only with the locked scores and no save button.
    grader.goto(grid_path)
    expect(cell).to_have_attribute("readonly", "")
    expect(cell).to_have_value("41.50")
    expect(save).to_have_count(0)
    expect(grader.page.locator("main form[method=post]")).to_contain_text(
        zh("These scores cannot be changed here.")
    )

    # 5. The evaluator issues the certificates of the two who passed.
    ui.goto(session_path)
    ui.follow(ui.page.locator("main form[action$='/issue'] button"))
    session.refresh_from_db()
    assert session.status == SessionStatus.CERTIFIED
    issued = {
        c.holder.name: c
        for c in Certificate.objects.filter(basis__startswith="result:").select_related("holder")
    }
    assert set(issued) == {"王伟", "张敏"}
    revoked_one, kept = issued["王伟"], issued["张敏"]
    assert revoked_one.level_id == levels["level3"].pk
    assert revoked_one.status == CertificateStatus.VALID
    expect(ui.page.locator("main")).to_contain_text(zh("{n} certificates issued.").format(n=2))

    # 6. The evaluator opens the certificate and downloads its PDF through the page's link.
    ui.goto("/certificates/")
    ui.follow(ui.page.locator(f"main a[href$='/certificates/{revoked_one.pk}/']"))
    link = ui.page.locator(f"main a[href$='/certificates/{revoked_one.pk}/pdf']")
    href = link.get_attribute("href")
    assert href
    printed = ui.page.request.get(ui.url(href))
    assert printed.status == 200
    assert printed.headers["content-type"] == "application/pdf"
    content = printed.body()
    assert content.startswith(b"%PDF-")
    verify_url = scanned_url(content)
    assert verify_url == f"{live_server.url.rstrip('/')}/verify/{revoked_one.number}"
    printed_text = pdf_text(content)
    assert mask_name("王伟") in printed_text
    assert "王伟" not in printed_text  # the issuer's staff print the holder masked
    assert revoked_one.number in printed_text

    # 7. Anyone scanning the code sees the certificate valid, the holder masked.
    public = open_ui()
    public.goto(verify_url)
    verdict = public.page.locator("main .message[role=status]")
    expect(verdict).to_contain_text(zh("This certificate is valid."))
    expect(public.page.locator("main")).to_contain_text(revoked_one.number)
    expect(public.page.locator("main")).to_contain_text(mask_name("王伟"))
    expect(public.page.locator("main")).not_to_contain_text("王伟")
    shown_status = public.page.locator("main dl.fields dd").last
    expect(shown_status).to_contain_text(zh(CertificateStatus.VALID.label))
    wording = {"valid": (verdict.inner_text(), shown_status.inner_text())}

    # ... and the credential itself, pasted on the check page, is genuine and valid.
    public.follow(public.page.locator("main a[href='/verify/']"))
    paste_credential(public, revoked_one.credential)
    expect(public.page.locator("main section[aria-labelledby=result-heading]")).to_contain_text(
        zh("The credential is genuine and valid.")
    )

    # 8. The second bureau administrator revokes it with a reason, which the bureau sees.
    revoker = open_ui()
    revoker.login(second_admin)
    revoker.goto(f"/certificates/?number={revoked_one.number}")
    revoker.follow(revoker.page.locator(f"main a[href$='/certificates/{revoked_one.pk}/']"))
    revoke = revoker.page.locator("main form[action$='/revoke']")
    revoke.locator("textarea[name$=reason], input[name$=reason]").fill(REVOKE_REASON)
    revoker.follow(revoke.locator("button[type=submit]"))
    revoked_one.refresh_from_db()
    assert (revoked_one.status, revoked_one.status_reason) == (
        CertificateStatus.REVOKED,
        REVOKE_REASON,
    )
    assert AuditEvent.objects.filter(action__endswith="revoked", actor_id=second_admin.pk)
    expect(revoker.page.locator("main")).to_contain_text(REVOKE_REASON)

    # ... the public page now says revoked, never why; so does the API.
    public.goto(verify_url)
    expect(verdict).to_contain_text(zh("This certificate has been revoked: it is no longer valid."))
    expect(public.page.locator("main")).not_to_contain_text(REVOKE_REASON)
    answer = public.page.request.get(
        public.url(f"/api/v1/certificates/{revoked_one.number}/verify")
    )
    assert answer.status == 200
    body = answer.json()
    assert (body["number"], body["status"]) == (revoked_one.number, "revoked")
    assert REVOKE_REASON not in answer.text()
    assert body["holder"] == mask_name("王伟")
    wording["revoked"] = (verdict.inner_text(), shown_status.inner_text())

    # ... and its credential, pasted on the check page or posted to the API, fails on status.
    public.goto("/verify/")
    paste_credential(public, revoked_one.credential)
    result = public.page.locator("main section[aria-labelledby=result-heading]")
    expect(result).to_contain_text(zh("The credential did not pass every check."))
    expect(result.locator("li", has_text=zh("This certificate has been revoked."))).to_have_count(1)
    checked = public.page.request.post(
        public.url("/api/v1/certificates/verify"), data={"credential": revoked_one.credential}
    )
    assert checked.status == 200, checked.text()
    outcome = checked.json()
    assert outcome["valid"] is False
    assert outcome["number"] == revoked_one.number
    assert [c["name"] for c in outcome["checks"] if not c["passed"]] == ["status"]
    assert REVOKE_REASON not in checked.text()

    # 9. The bureau's talent pool lists the new 高级工 whose certificate stands.
    bureau.goto("/talent/")
    search = bureau.page.locator("main form[role=search]")
    search.locator("input[name=occupation]").fill("6-31-01-03")
    bureau.follow(search.locator("button[type=submit]"))
    row = _row(bureau, "张敏")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(levels["level3"].name)
    expect(row).to_contain_text(kept.issued_on.isoformat())
    expect(bureau.page.locator("main table")).not_to_contain_text("王伟")
    expect(bureau.page.locator("main table")).not_to_contain_text("李娜")

    # ... and 张敏, on her record, takes the credential into a wallet; it checks valid.
    holder = open_ui()
    holder.login(world.holder)
    holder.goto("/records/mine/")
    entry = holder.page.locator("main ol.timeline li", has_text=kept.number)
    expect(entry).to_have_count(1)
    wallet = entry.locator(f"a[href$='/certificates/{kept.pk}/credential.json']")
    wallet_href = wallet.get_attribute("href")
    assert wallet_href
    download = holder.page.request.get(holder.url(wallet_href))
    assert download.status == 200
    assert download.headers["content-type"].startswith("application/json")
    document = download.json()
    assert document["jwt"] == kept.credential
    assert "OpenBadgeCredential" in document["credential"]["type"]
    checked = public.page.request.post(
        public.url("/api/v1/certificates/verify"), data={"credential": document["jwt"]}
    )
    assert checked.status == 200, checked.text()
    assert (checked.json()["valid"], checked.json()["number"]) == (True, kept.number)

    # 10. What is checked last, so that it does not hide the steps after it: the refused
    # grid showed the locked score, and the public page says it in the words of the issue.
    problems = []
    if Decimal(shown_after_refusal or "-1") != Decimal(THEORY["李娜"]):
        problems.append(
            f"POST {grid_path} after closing: the refusal re-renders the read-only grid "
            f"with the refused value {shown_after_refusal!r} instead of the locked "
            f"{THEORY['李娜']}"
        )
    expected = {
        ("valid", "headline"): "有效",
        ("valid", "status"): "有效",
        ("revoked", "headline"): "撤销",
        ("revoked", "status"): "已撤销",
    }
    for (state, part), word in expected.items():
        text = dict(zip(("headline", "status"), wording[state], strict=True))[part]
        if word not in text:
            problems.append(f"/verify/<number>, {state}: the {part} {text!r} lacks {word}")
    # The status in words, not a column header's 有效期 (period of validity).
    if wording["valid"][1].split("(")[0].strip() != "有效":
        problems.append(f"/verify/<number>, valid: the status reads {wording['valid'][1]!r}")
    assert not problems, "\n  ".join(["problems at the end of the journey:", *problems])


def closed_session(world: World) -> AssessmentSession:
    """The journey's session up to closing, through the services (the same steps and data)."""
    from jineng.assessment import services

    today = timezone.localdate()
    session = services.create_session(
        world.evaluator,
        services.SessionInput(
            route="skill_level",
            occupation=world.occupation,
            level=world.levels["level3"],
            title=TITLE,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=1),
            venue=VENUE,
            capacity=30,
        ),
    )
    for n, name in APPLICANTS:
        services.add_applicant(
            world.evaluator,
            session.pk,
            services.ApplicantInput(
                id_number=helpers.citizen_id(n), name=name, years_in_occupation=7
            ),
        )
    services.file_plan(world.evaluator, session.pk)
    services.draw_session_examiners(world.admin, session.pk, count=2)
    candidates = {c.person.name: c.pk for c in session.candidates.select_related("person")}
    examiners = helpers.drawn_users(session)
    for user, component, marks in zip(
        examiners, ("theory", "practical"), (THEORY, PRACTICAL), strict=True
    ):
        services.enter_scores(
            user, session.pk, component, {candidates[k]: v for k, v in marks.items()}
        )
    return services.close_session(world.evaluator, session.pk)


def test_a_locked_score_changes_only_with_a_second_bureau_users_approval(
    ui: UI,
    open_ui: Callable[..., UI],
    world: World,
    evaluator: User,
    bureau_admin: User,
    second_admin: User,
) -> None:
    session = closed_session(world)
    failed = Result.objects.get(candidate__session=session, candidate__person__name="李娜")
    assert not failed.passed
    score = Score.objects.get(candidate=failed.candidate, component__key="theory")
    reason = "复核发现理论试卷第三大题漏记 20 分"

    # 1. A bureau administrator asks to change 李娜's locked theory score, with the reason.
    ui.login(bureau_admin)
    ui.goto(f"/assessment/{session.pk}/")
    change = ui.page.locator("main form[action$='/changes']")
    change.locator("select[name=score]").select_option(str(score.pk))
    change.locator("input[name=new_value]").fill("61.5")
    change.locator("textarea[name=reason]").fill(reason)
    ui.follow(change.locator("button[type=submit]"))
    assert ui.path == f"/assessment/{session.pk}/"
    score.refresh_from_db()
    assert score.value == Decimal("41.5")  # nothing changes before the second approval
    requested = AuditEvent.objects.get(action="assessment.score_change.requested")
    assert (requested.actor_id, requested.data["reason"]) == (bureau_admin.pk, reason)

    # ... which they cannot approve themselves: their queue does not offer it.
    ui.goto("/assessment/changes/")
    expect(ui.page.locator("main article")).to_have_count(0)

    # 2. The second administrator approves it; the result is decided again.
    second = open_ui()
    second.login(second_admin)
    second.goto("/assessment/changes/")
    item = second.page.locator("main article", has_text="李娜")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(reason)
    item.locator("textarea[name=note]").fill("已核对原始试卷")
    second.follow(item.locator("button[name=decision][value=approve]"))
    assert second.path == "/assessment/changes/"
    expect(second.page.locator("main article")).to_have_count(0)
    score.refresh_from_db()
    failed.refresh_from_db()
    assert (score.value, failed.passed) == (Decimal("61.5"), True)
    approved = AuditEvent.objects.get(action="assessment.score_change.approved")
    assert approved.actor_id == second_admin.pk
    assert approved.data["requested_by"] == bureau_admin.pk

    # 3. The evaluator's page shows 李娜 passed, and issuing now certifies all three.
    staff = open_ui()
    staff.login(evaluator)
    staff.goto(f"/assessment/{session.pk}/")
    expect(_row(staff, "李娜").locator(".tag")).to_have_text(zh("Passed"))
    staff.follow(staff.page.locator("main form[action$='/issue'] button"))
    holders = set(
        Certificate.objects.filter(basis__startswith="result:").values_list(
            "holder__name", flat=True
        )
    )
    assert holders == {"王伟", "李娜", "张敏"}

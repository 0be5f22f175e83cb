"""Attachments (xAPI 1.0.3 Part Two 2.4.11, Part Three 1.5.2): multipart/mixed in and out,
fileUrl-only JSON, the validation rules and their storage, once per platform and hash."""

import email.policy
import hashlib
import json
from email.parser import BytesParser

import pytest

from jineng.learning import services
from jineng.learning.models import Attachment, Statement
from jineng.learning.tests.conftest import Lrs, new_id, statement

TEXT = b"here is a simple attachment"
TEXT_SHA = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
BOUNDARY = "abcABC0123'()+_,-./:=?"


def declaration(content: bytes = TEXT, **overrides) -> dict:
    data = {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "description": {"en-US": "A test attachment (description)"},
        "contentType": "text/plain; charset=ascii",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }
    data.update(overrides)
    return data


def part(content: bytes, *, sha2: str | None = None, headers: dict | None = None) -> bytes:
    lines = {
        "Content-Type": "text/plain",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": sha2 or hashlib.sha256(content).hexdigest(),
    }
    lines.update(headers or {})
    head = "".join(f"{k}:{v}\r\n" for k, v in lines.items() if v is not None)
    return head.encode() + b"\r\n" + content


def multipart(statements, *parts: bytes, first_type: str = "application/json") -> bytes:
    """Build a body the way the specification's example does (CRLF, boundary, raw bytes)."""
    delimiter = b"--" + BOUNDARY.encode()
    chunks = [
        delimiter
        + f"\r\nContent-Type:{first_type}\r\n\r\n".encode()
        + json.dumps(statements).encode()
    ]
    chunks += [b"\r\n" + delimiter + b"\r\n" + p for p in parts]
    return b"".join(chunks) + b"\r\n" + delimiter + b"--"


def post_multipart(lrs: Lrs, body: bytes, params: dict | None = None, method: str = "post"):
    return getattr(lrs, method)(
        "statements", body, params, content_type=f'multipart/mixed; boundary="{BOUNDARY}"'
    )


def test_the_specifications_example_is_stored_with_its_attachment(lrs, platform):
    data = statement(attachments=[declaration()])
    response = post_multipart(lrs, multipart(data, part(TEXT)))
    assert response.status_code == 200
    [sid] = response.json()
    stored = Statement.objects.get()
    assert str(stored.statement_id) == sid
    assert stored.data["attachments"] == [declaration()]
    attachment = Attachment.objects.get()
    assert attachment.sha2 == TEXT_SHA
    assert bytes(attachment.content) == TEXT
    assert attachment.content_type == "text/plain; charset=ascii"
    assert attachment.length == 27
    assert attachment.platform == platform


def test_put_takes_a_multipart_statement(lrs):
    sid = new_id()
    body = multipart(statement(attachments=[declaration()]), part(TEXT))
    response = post_multipart(lrs, body, {"statementId": sid}, method="put")
    assert response.status_code == 204
    assert str(Statement.objects.get().statement_id) == sid
    assert Attachment.objects.count() == 1


def test_binary_bytes_survive_exactly(lrs):
    content = bytes(range(256)) * 40 + b"\r\n--" + b"\r" + b"\n\n"
    data = statement(attachments=[declaration(content, contentType="image/png")])
    response = post_multipart(
        lrs, multipart(data, part(content, headers={"Content-Type": "image/png"}))
    )
    assert response.status_code == 200
    assert bytes(Attachment.objects.get().content) == content


def test_one_part_serves_every_statement_that_declares_it_and_is_stored_once(lrs):
    batch = [statement(attachments=[declaration()]), statement(attachments=[declaration()])]
    assert post_multipart(lrs, multipart(batch, part(TEXT))).status_code == 200
    assert post_multipart(lrs, multipart(statement(attachments=[declaration()]), part(TEXT)))
    assert Statement.objects.count() == 3
    assert Attachment.objects.count() == 1


def test_same_bytes_of_two_platforms_are_kept_apart(lrs, bureau_admin):
    other_platform = services.create_platform("另一平台", actor=bureau_admin)
    credential, secret = services.create_credential(other_platform, actor=bureau_admin)
    other = Lrs((credential.key, secret))
    body = multipart(statement(attachments=[declaration()]), part(TEXT))
    assert post_multipart(lrs, body).status_code == 200
    assert post_multipart(other, body).status_code == 200
    assert sorted(Attachment.objects.values_list("platform__name", flat=True)) == [
        "另一平台",
        "在线学习平台",
    ]


def test_json_statement_whose_attachments_all_have_a_file_url_is_accepted(lrs):
    data = statement(attachments=[declaration(fileUrl="http://example.com/files/essay.txt")])
    response = lrs.post("statements", data)
    assert response.status_code == 200
    assert Statement.objects.get().data["attachments"][0]["fileUrl"].endswith("essay.txt")
    assert not Attachment.objects.exists()


def test_json_statement_with_an_attachment_without_file_url_is_400(lrs):
    response = lrs.post("statements", statement(attachments=[declaration()]))
    assert response.status_code == 400
    assert response.json()["field"] == "attachments[0]"
    assert not Statement.objects.exists()


def test_multipart_without_attachments_is_accepted(lrs):
    assert post_multipart(lrs, multipart(statement())).status_code == 200
    data = statement(attachments=[declaration(fileUrl="http://example.com/f.txt")])
    assert post_multipart(lrs, multipart(data)).status_code == 200
    assert Statement.objects.count() == 2


@pytest.mark.parametrize(
    ("build", "field"),
    [
        # A declared attachment with neither data nor fileUrl.
        (lambda: multipart(statement(attachments=[declaration()])), "attachments[0]"),
        # A part that no statement declares.
        (
            lambda: multipart(statement(attachments=[declaration()]), part(TEXT), part(b"other")),
            "attachments",
        ),
        # The same attachment sent twice.
        (
            lambda: multipart(statement(attachments=[declaration()]), part(TEXT), part(TEXT)),
            "part[2]",
        ),
        # Data that does not match its hash header.
        (
            lambda: multipart(statement(attachments=[declaration()]), part(b"x", sha2=TEXT_SHA)),
            "part[1]",
        ),
        # No hash header.
        (
            lambda: multipart(
                statement(attachments=[declaration()]),
                part(TEXT, headers={"X-Experience-API-Hash": None}),
            ),
            "part[1]",
        ),
        # An encoding other than binary.
        (
            lambda: multipart(
                statement(attachments=[declaration()]),
                part(TEXT, headers={"Content-Transfer-Encoding": "base64"}),
            ),
            "part[1]",
        ),
        # A declared length other than the data's.
        (
            lambda: multipart(statement(attachments=[declaration(length=26)]), part(TEXT)),
            "attachments[0].length",
        ),
        # A part whose Content-Type differs from the declaration's contentType.
        (
            lambda: multipart(
                statement(attachments=[declaration()]),
                part(TEXT, headers={"Content-Type": "image/png"}),
            ),
            "attachments[0].contentType",
        ),
        # The statements part is not JSON.
        (
            lambda: multipart(statement(), first_type="text/plain"),
            "part[0]",
        ),
    ],
)
def test_multipart_rules_refuse_with_400_and_store_nothing(lrs, build, field):
    response = post_multipart(lrs, build())
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response["X-Experience-API-Consistent-Through"]
    assert not Statement.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"usageType": "not an iri"}, "attachments[0].usageType"),
        ({"display": None}, "attachments[0].display"),
        ({"display": {"not a tag!": "x"}}, "attachments[0].display.not a tag!"),
        ({"contentType": "plain text"}, "attachments[0].contentType"),
        ({"contentType": None}, "attachments[0].contentType"),
        ({"length": "27"}, "attachments[0].length"),
        ({"length": -1}, "attachments[0].length"),
        ({"sha2": "abc"}, "attachments[0].sha2"),
        ({"sha2": None}, "attachments[0].sha2"),
        ({"fileUrl": "no scheme"}, "attachments[0].fileUrl"),
        ({"colour": "blue"}, "attachments[0]"),
    ],
)
def test_attachment_objects_are_checked(lrs, change, field):
    item = declaration(fileUrl="http://example.com/f.txt")
    for key, value in change.items():
        if value is None:
            item.pop(key)
        else:
            item[key] = value
    response = lrs.post("statements", statement(attachments=[item]))
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_request_larger_than_the_upload_limit_is_413(lrs, settings):
    settings.JINENG_MAX_UPLOAD_BYTES = 1000
    content = b"x" * 2000
    data = statement(attachments=[declaration(content)])
    response = post_multipart(lrs, multipart(data, part(content)))
    assert response.status_code == 413
    assert not Statement.objects.exists()


def _parts(response) -> list:
    raw = b"".join(response.streaming_content)
    head = f"Content-Type: {response['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    assert message.is_multipart()
    return message.get_payload()


def test_get_with_attachments_answers_multipart_with_each_attachment_once(lrs):
    other = b"second attachment"
    batch = [
        statement(attachments=[declaration()]),
        statement(attachments=[declaration(), declaration(other)]),
        statement(attachments=[declaration(b"elsewhere", fileUrl="http://example.com/e")]),
    ]
    post_multipart(lrs, multipart(batch, part(TEXT), part(other)))
    response = lrs.get("statements", {"attachments": "true"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("multipart/mixed; boundary=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Experience-API-Consistent-Through"]
    first, *rest = _parts(response)
    assert first.get_content_type() == "application/json"
    result = json.loads(first.get_payload(decode=True))
    assert len(result["statements"]) == 3
    assert [(p["X-Experience-API-Hash"], p.get_payload(decode=True)) for p in rest] == sorted(
        [(TEXT_SHA, TEXT), (hashlib.sha256(other).hexdigest(), other)],
        key=lambda pair: [TEXT_SHA, hashlib.sha256(other).hexdigest()].index(pair[0]),
    )
    assert all(p["Content-Transfer-Encoding"] == "binary" for p in rest)
    assert rest[0].get_content_type() == "text/plain"
    assert rest[0].get_param("charset") == "ascii"


def test_get_one_statement_with_attachments(lrs):
    [sid] = post_multipart(
        lrs, multipart(statement(attachments=[declaration()]), part(TEXT))
    ).json()
    response = lrs.get("statements", {"statementId": sid, "attachments": "true"})
    first, only = _parts(response)
    assert json.loads(first.get_payload(decode=True))["id"] == sid
    assert only.get_payload(decode=True) == TEXT


def test_get_without_attachments_answers_json(lrs):
    post_multipart(lrs, multipart(statement(attachments=[declaration()]), part(TEXT)))
    response = lrs.get("statements")
    assert response["Content-Type"] == "application/json"
    assert response.json()["statements"][0]["attachments"] == [declaration()]


def test_the_more_link_keeps_asking_for_attachments(lrs):
    post_multipart(lrs, multipart([statement(), statement()]))
    first, *_rest = _parts(lrs.get("statements", {"attachments": "true", "limit": 1}))
    more = json.loads(first.get_payload(decode=True))["more"]
    assert more.endswith("&attachments=true")
    following = lrs.client.get(more, **lrs.headers)
    assert following.status_code == 200
    assert following["Content-Type"].startswith("multipart/mixed")


def test_a_platform_never_gets_another_platforms_attachment_bytes(lrs, bureau_admin):
    other_platform = services.create_platform("另一平台", actor=bureau_admin)
    credential, secret = services.create_credential(other_platform, actor=bureau_admin)
    other = Lrs((credential.key, secret))
    post_multipart(lrs, multipart(statement(attachments=[declaration()]), part(TEXT)))
    # The other platform declares the same hash by fileUrl, without ever sending the bytes.
    data = statement(attachments=[declaration(fileUrl="http://example.com/f.txt")])
    assert other.post("statements", data).status_code == 200
    first, *rest = _parts(other.get("statements", {"attachments": "true"}))
    assert len(json.loads(first.get_payload(decode=True))["statements"]) == 1
    assert rest == []


def test_a_substatements_attachments_are_checked_and_matched(lrs):
    sub = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:sub@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://example.com/q1"},
        "attachments": [declaration()],
    }
    assert post_multipart(lrs, multipart(statement(object=sub))).status_code == 400
    response = post_multipart(lrs, multipart(statement(object=sub), part(TEXT)))
    assert response.status_code == 200
    assert Statement.objects.get().data["object"]["attachments"] == [declaration()]
    assert Attachment.objects.count() == 1
    bad = {**sub, "attachments": [declaration(sha2="nope")]}
    response = post_multipart(lrs, multipart(statement(object=bad), part(TEXT)))
    assert response.json()["field"] == "object.attachments[0].sha2"

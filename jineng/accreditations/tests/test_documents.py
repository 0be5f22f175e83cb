"""Application documents: checked by content and size, stored privately, served by scope."""

from __future__ import annotations

import hashlib
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jineng.accreditations import services, uploads
from jineng.accreditations.models import ApplicationDocument
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

from .helpers import apply, approval

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def add(
    application, actor, name: str = "licence.pdf", content: bytes = PDF, title: str = "办学许可证"
):
    file = upload(name, content)
    return services.add_document(
        application.pk, file, name=file.name, size=file.size, title=title, actor=actor
    )


def stored_files(root) -> list:
    folder = root / "private" / "accreditations"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def application(staff_a, occupations, levels, private_media):
    return apply(staff_a, occupations["electrician"], levels["level3"])


@pytest.fixture
def document(application, staff_a) -> ApplicationDocument:
    return add(application, staff_a)


def test_document_is_stored_privately_under_a_random_name(document, private_media, staff_a):
    (path,) = stored_files(private_media)
    assert path == uploads.path_of(document.storage_name)
    assert path.read_bytes() == PDF
    assert "licence" not in document.storage_name
    assert document.storage_name.endswith(".pdf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (document.original_name, document.content_type, document.size) == (
        "licence.pdf",
        "application/pdf",
        len(PDF),
    )
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    (event,) = AuditEvent.objects.filter(action="accreditations.document.added")
    assert event.actor == staff_a
    assert event.data["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("photo.JPG", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
        ("noext", PDF, "application/pdf"),
    ],
)
def test_jpeg_png_and_pdf_are_accepted_by_content(application, staff_a, name, content, mime):
    assert add(application, staff_a, name=name, content=content).content_type == mime


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("licence.pdf", HTML, "is not a PDF, JPEG or PNG"),
        ("licence.pdf", PNG, "is named .pdf but its content is a PNG"),
        ("evil.html", PDF, "is named .html but its content is a PDF"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_disguised_unknown_and_empty_files_are_refused(
    application, staff_a, private_media, name, content, reason
):
    with pytest.raises(ValidationFailed, match=reason) as error:
        add(application, staff_a, name=name, content=content)
    assert error.value.field == "file"
    assert stored_files(private_media) == []
    assert ApplicationDocument.objects.count() == 0
    assert not AuditEvent.objects.filter(action="accreditations.document.added").exists()


def test_oversize_files_are_refused(application, staff_a, private_media, settings):
    settings.JINENG_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationFailed, match="at most 1024 B"):
        add(application, staff_a, content=PDF + b"\x00" * 1024)
    assert stored_files(private_media) == []
    assert ApplicationDocument.objects.count() == 0


def test_oversize_is_counted_even_when_the_declared_size_lies(
    application, staff_a, private_media, settings
):
    settings.JINENG_MAX_UPLOAD_BYTES = 1024
    file = upload("big.pdf", PDF + b"\x00" * 2048)
    with pytest.raises(ValidationFailed, match="larger than 1024 B"):
        services.add_document(
            application.pk, file, name=file.name, size=10, title="x", actor=staff_a
        )
    assert stored_files(private_media) == []


def test_only_the_applicant_adds_documents_while_pending(
    application, staff_b, bureau_admin, staff_a, private_media
):
    with pytest.raises(NotFound):
        add(application, staff_b)
    with pytest.raises(PermissionDenied):
        add(application, bureau_admin)
    services.reject_application(application.pk, reasons="材料不全", actor=bureau_admin)
    with pytest.raises(InvalidTransition):
        add(application, staff_a)
    assert stored_files(private_media) == []
    assert ApplicationDocument.objects.count() == 0


def test_stored_names_cannot_leave_the_private_folder(private_media):
    with pytest.raises(ValidationFailed):
        uploads.path_of("../../settings.py")


def _url(document: ApplicationDocument) -> str:
    return reverse(
        "accreditations:document",
        kwargs={"application_id": document.application_id, "document_id": document.pk},
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff_a", 200),
        ("bureau_admin", 200),
        ("reviewer", 200),
        ("auditor", 200),
        ("staff_b", 404),
        ("evaluator", 404),
        ("worker", 404),
    ],
)
def test_document_download_matrix(client, request, document, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.get(_url(document))
    assert response.status_code == status
    if status == 200:
        # Consuming the stream closes the file (and the test client's request).
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "inline" in response["Content-Disposition"]


def test_document_download_as_attachment(client, staff_a, document):
    client.force_login(staff_a)
    response = client.get(_url(document) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="licence.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_anonymous_is_sent_to_login(client, document):
    response = client.get(_url(document))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_document_under_another_application_is_not_found(
    client, staff_a, bureau_admin, document, occupations, levels
):
    other = apply(staff_a, occupations["welder"], levels["level5"])
    services.approve_application(other.pk, approval(*_dates()), actor=bureau_admin)
    client.force_login(bureau_admin)
    url = reverse(
        "accreditations:document", kwargs={"application_id": other.pk, "document_id": document.pk}
    )
    assert client.get(url).status_code == 404


def test_media_root_is_not_served(client, staff_a, document):
    client.force_login(staff_a)
    assert client.get("/media/private/accreditations/" + document.storage_name).status_code == 404


def _dates():
    import datetime

    return datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)

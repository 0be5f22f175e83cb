"""Catalog files: the role is checked before a byte is read, sizes and encodings are refused
with 400, the errors listed are bounded, and public downloads run no formula."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.urls import reverse

from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.importers import export
from jineng.catalogs.models import CatalogVersion
from jineng.catalogs.tests.conftest import TODAY
from jineng.catalogs.tests.helpers import publish, subsidy
from jineng.catalogs.tests.test_api import _upload, api_client

SUBSIDISED = CatalogKind.SUBSIDISED_TRAINING
HEADER = "职业编码,技能等级,培训类型,补贴标准,最低课时\n"
GOOD = HEADER + "6-31-01-03,初级,就业技能培训,900,80\n"
LINK = '=HYPERLINK("http://example.com/login","点此领取补贴")'
pytestmark = pytest.mark.usefixtures("catalog_data", "frozen_today")


@pytest.fixture
def linked(bureau_admin, publisher):
    """A published version one of whose titles is a spreadsheet formula."""
    return publish(bureau_admin, publisher, [subsidy(title=LINK)], effective_from=TODAY)


def test_a_caller_without_the_role_is_refused_before_the_file_is_read(
    monkeypatch, bureau_admin, worker
):
    reads = []

    def counted(self, *args):
        reads.append(self.name)
        return self.file.read(*args)

    monkeypatch.setattr(InMemoryUploadedFile, "read", counted)

    refused = _upload(api_client(worker), GOOD.encode())

    assert refused.status_code == 403
    assert reads == []
    assert _upload(api_client(bureau_admin), GOOD.encode()).status_code == 201
    assert reads == ["next.csv"]


def test_a_file_over_the_upload_limit_is_refused_with_400(settings, bureau_admin):
    settings.JINENG_MAX_UPLOAD_BYTES = 1000
    content = (HEADER + "6-31-01-03,初级,就业技能培训,900,80\n" * 40).encode()

    response = _upload(api_client(bureau_admin), content)

    assert response.status_code == 400
    assert response.json() == {
        "code": "import_failed",
        "detail": "The file is larger than the limit of 0.0 MB; split it into smaller files.",
        "field": "file",
    }


def test_the_console_refuses_an_oversized_upload_before_reading_it(client, settings, bureau_admin):
    settings.JINENG_MAX_UPLOAD_BYTES = 1000
    client.force_login(bureau_admin)
    big = SimpleUploadedFile("next.csv", GOOD.encode() + b"x" * (2 * 1024 * 1024))

    response = client.post(
        reverse("catalogs:draft_import"), {"kind": SUBSIDISED, "title": "2027", "file": big}
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "The file is larger than the limit of 0.0 MB; split it into smaller files."
    ]
    assert not response.context["form"].is_bound
    assert CatalogVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOD.encode("utf-16"), "UTF-16"),
        (HEADER.encode() + b"\x80\x80\xff,\xfe\n", "neither UTF-8 nor GBK"),
    ],
    ids=["utf-16", "undecodable"],
)
def test_a_csv_in_another_encoding_is_a_400_saying_why(bureau_admin, content, message):
    response = _upload(api_client(bureau_admin), content)

    assert response.status_code == 400
    assert response.json()["code"] == "import_failed"
    assert message in response.json()["detail"]
    assert CatalogVersion.objects.count() == 0


def test_a_file_of_many_bad_rows_lists_the_first_thousand_and_counts_all(bureau_admin):
    content = (HEADER + "9-99-99-99,初级,就业技能培训,800,80\n" * 1_200).encode()

    response = _upload(api_client(bureau_admin), content)

    body = response.json()
    assert response.status_code == 400
    assert (len(body["errors"]), body["error_count"]) == (1_000, 1_200)
    assert body["errors"][-1]["row"] == 1_001
    assert body["detail"].startswith("1200 problems in the file; the first: row 2, 职业编码")


def test_the_public_csv_escapes_a_formula_title(linked):
    rows = list(csv.reader(io.StringIO(export.to_csv(linked).decode("utf-8-sig"))))

    title = rows[0].index("项目名称")
    assert rows[1][title] == "'" + LINK


def test_the_public_xlsx_writes_a_formula_title_as_a_string(linked, client):
    response = client.get(reverse("catalogs:download", args=[SUBSIDISED, "xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["目录"]
    header = [cell.value for cell in sheet[1]]
    title = sheet.cell(row=2, column=header.index("项目名称") + 1)
    assert (title.value, title.data_type) == (LINK, "s")

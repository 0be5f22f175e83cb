"""Enrol the trainees listed by ID card in a csv or xlsx file (批量报名), reporting every row.

A file is checked in three steps, each refusing the whole file before the next: the class
must take enrolments from this account; the file must have a 身份证号 and a 姓名 column and
at most MAX_ROWS rows; then every row's ID card is checked in one audited transaction
(people.identity.identify_people: rows matching nobody use up the account's misses, and rows
past the allowance are not checked at all). Only then are the identified people enrolled,
in one transaction that locks the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import DomainError, ValidationFailed
from jineng.people.access import is_visible_to
from jineng.people.identity import NOT_CHECKED, NotChecked, identify_people
from jineng.people.locks import people_for_update
from jineng.people.models import Person
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.services.enrolment import (
    _affiliate,
    _audit_enrolment,
    _open_class_for_update,
    _place,
    _require_staff,
    _tell_the_trainee,
    check_takes_enrolments,
    not_identified,
)

ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "id_number", "citizen id")
NAME_HEADERS = ("姓名", "name")
# Rows one file may list: a class's seats and its whole waitlist fit well within it.
MAX_ROWS = 2000


@dataclass
class RowError:
    """One refused row of a bulk enrolment file."""

    row: int
    field: str
    detail: str


@dataclass
class BulkResult:
    """What a bulk enrolment did: counts and every refused row."""

    enrolled: int = 0
    waitlisted: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    id_number: str
    name: str


def _columns(header: list[str]) -> tuple[int, int]:
    """Find the citizen-ID and name columns of an enrolment file, or say which is missing."""
    cells = [cell.strip().lower() for cell in header]
    id_column = next((i for i, h in enumerate(cells) if h in ID_HEADERS), None)
    name_column = next((i for i, h in enumerate(cells) if h in NAME_HEADERS), None)
    if id_column is None or name_column is None:
        raise ValidationFailed(
            _("The file needs a 身份证号 (citizen ID) column and a 姓名 (name) column."),
            field="file",
        )
    return id_column, name_column


def _cell(cells: list[str], column: int) -> str:
    return cells[column].strip() if column < len(cells) else ""


def _read_rows(source: Any) -> tuple[Any, list[_Row]]:
    """Read the file's ID-card rows (blank rows skipped), refusing a file over MAX_ROWS."""
    from jineng.people.importers.reader import open_sheet

    sheet = open_sheet(source)
    id_column, name_column = _columns(sheet.header)
    rows: list[_Row] = []
    for number, cells in sheet.rows:
        id_number, name = _cell(cells, id_column), _cell(cells, name_column)
        if not id_number and not name:
            continue
        if len(rows) == MAX_ROWS:
            raise ValidationFailed(
                _("An enrolment file lists at most {limit} people.").format(limit=MAX_ROWS),
                field="file",
            )
        rows.append(_Row(number, id_number, name))
    return sheet, rows


def _not_checked() -> str:
    return _(
        "Not checked: this account gave too many citizen IDs that match no registered person "
        "under the name given. Check the file and try again in an hour."
    )


def enrol_bulk(class_id: int, source: Any, *, actor: Actor) -> BulkResult:
    """Enrol the people a file lists by citizen ID and name; report every refused row.

    Good rows are enrolled (or waitlisted) and bad rows reported with their reason. It has
    no transaction of its own (see the module's docstring for its steps).
    """
    check_takes_enrolments(class_id, actor=actor)
    sheet, rows = _read_rows(source)
    found = identify_people(
        [(row.id_number, row.name) for row in rows], actor=actor, where="bulk enrolment"
    )
    return _enrol_found(class_id, sheet, list(zip(rows, found, strict=True)), actor=actor)


@transaction.atomic(durable=True)
def _enrol_found(
    class_id: int,
    sheet: Any,
    rows: list[tuple[_Row, Person | None | NotChecked]],
    *,
    actor: Actor,
) -> BulkResult:
    """Place every identified person of a file in the locked class; audit the file."""
    training_class = _open_class_for_update(class_id)
    _require_staff(actor, training_class)
    # Every person before the first audit event, in id order (class, people, then the audit
    # chain, as a single enrolment takes them), so that parallel files never deadlock.
    people_for_update(sorted({p.pk for _, p in rows if isinstance(p, Person)}))
    result = BulkResult()
    for row, person in rows:
        if person is NOT_CHECKED:
            result.errors.append(RowError(row.number, "id_number", _not_checked()))
        elif person is None:
            result.errors.append(RowError(row.number, "id_number", str(not_identified().detail)))
        else:
            _enrol_row(training_class, row, person, actor, result)
    audit.record(
        actor,
        "training.enrolment.imported",
        training_class,
        data={
            "file": sheet.name,
            "digest": sheet.digest,
            "enrolled": result.enrolled,
            "waitlisted": result.waitlisted,
            "refused": len(result.errors),
        },
    )
    return result


def _enrol_row(
    training_class: TrainingClass, row: _Row, person: Any, actor: Actor, result: BulkResult
) -> None:
    """Place one identified person, or add the row's refusal to the result."""
    try:
        with transaction.atomic():
            enrolment: Enrolment = _place(
                training_class, person, actor=actor, explain=is_visible_to(actor, person)
            )
            _affiliate(person, training_class, actor)
            _audit_enrolment(actor, "training.enrolment.created", enrolment, bulk=True)
            _tell_the_trainee(enrolment, training_class, actor)
    except DomainError as error:
        result.errors.append(RowError(row.number, error.field or "id_number", str(error.detail)))
        return
    if enrolment.status == EnrolmentStatus.ENROLLED:
        result.enrolled += 1
    else:
        result.waitlisted += 1

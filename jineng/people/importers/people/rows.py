"""One row of a people file: the header checked, each row parsed and validated."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import pii
from jineng.core.errors import ImportFailed, ValidationFailed
from jineng.core.tabular import NumberText, Sheet
from jineng.core.validators import imported_id_damage
from jineng.people.choices import AffiliationKind, MembershipSource
from jineng.people.errors import InvalidPerson
from jineng.people.importers.bulk import PreparedPerson, db_timestamp, person_name, person_values
from jineng.people.importers.columns import (
    COLUMN_BY_FIELD,
    COLUMN_MAP,
    TargetGroupParser,
    ignored_column_note,
    may_fill,
    parse_choice,
)
from jineng.people.importers.people.report import RowError
from jineng.people.services import PersonInput, clean_person, person_fields
from jineng.regions.models import Region

CHOICE_FIELDS = ("hukou_type", "education", "employment_status")

# A good row while the file is checked: its citizen ID's hash and its name.
Checked = tuple[str, str]


def check_header(sheet: Sheet) -> dict[str, int]:
    """Map each field to its column, or raise ImportFailed naming a missing or doubled one."""
    found = COLUMN_MAP.map_header(sheet.header)
    if found.doubled:
        raise ImportFailed(
            _("The column {column} appears twice in the header.").format(
                column=COLUMN_BY_FIELD[found.doubled[0]].header
            ),
            field="file",
        )
    missing = COLUMN_MAP.missing(found)
    if missing:
        raise ImportFailed(
            _("Required columns are missing: {columns}. The header row has: {header}.").format(
                columns="、".join(missing), header="、".join(h for h in sheet.header if h.strip())
            ),
            field="file",
        )
    return found.positions


class RowReader:
    """Turn one file row into a PreparedPerson or a list of RowErrors (the hot loop)."""

    def __init__(self, sheet: Sheet, actor: Actor | None) -> None:
        # False while the file is checked: a good row then yields only its citizen ID's
        # hash and its name (Checked), not an encrypted PreparedPerson.
        self.full = False
        index = check_header(sheet)
        # The header text the user wrote, to name columns in errors.
        self.headers = {f: sheet.header[i].strip() for f, i in index.items()}
        # A column the role may not fill (target groups drive subsidies: only the bureau and
        # other systems record them) is ignored with a note, and its cells are never read.
        ignored = [f for f in index if not may_fill(actor, f)]
        self.notes = [ignored_column_note(self.header_of(f), f) for f in ignored]
        self.index = {f: i for f, i in index.items() if f not in ignored}
        self.width = len(sheet.header)
        self.regions = {r.code: r for r in Region.objects.select_related("parent")}
        self.groups = TargetGroupParser() if "target_groups" in self.index else None
        self.stamp = db_timestamp()
        self.cipher = pii.cipher()
        today = timezone.localdate()
        evidence = _("Imported from {file}").format(file=sheet.name)[:300]
        self.membership = (MembershipSource.IMPORT.value, evidence, today, None)
        org_id = getattr(actor, "organization_id", None)
        # Staff of an organisation see only people tied to it, so imported people are tied.
        self.affiliations = ((org_id, AffiliationKind.TRAINEE.value, today),) if org_id else ()

    def header_of(self, field_name: str | None) -> str:
        if field_name is None:
            return ""
        return self.headers.get(field_name) or COLUMN_BY_FIELD[field_name].header

    def read(self, number: int, cells: list[str]) -> PreparedPerson | Checked | list[RowError]:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        elif len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            return [
                RowError(
                    number,
                    "",
                    _("The row has {n} cells but the header only {m} columns.").format(
                        n=len(cells), m=self.width
                    ),
                )
            ]
        index = self.index
        errors: list[RowError] = []
        choices: dict[str, str] = {}
        for name in CHOICE_FIELDS:
            if name in index:
                try:
                    code = parse_choice(name, cells[index[name]])
                except ValidationFailed as exc:
                    errors.append(RowError(number, self.header_of(name), str(exc.detail)))
                    continue
                if code is not None:
                    choices[name] = code
        group_ids: tuple[int, ...] = ()
        if self.groups is not None and cells[index["target_groups"]].strip():
            try:
                group_ids = self.groups.parse(cells[index["target_groups"]])
            except ValidationFailed as exc:
                errors.append(RowError(number, self.header_of("target_groups"), str(exc.detail)))
        id_cell = cells[index["id_number"]]
        # A number cell, or in a csv digits Excel writes for a rounded number, may hold
        # another person's valid ID; refused here, before parse_citizen_id sees it.
        damage = imported_id_damage(id_cell, number_cell=isinstance(id_cell, NumberText))
        if damage is not None:
            errors.insert(0, RowError(number, self.header_of("id_number"), damage))
        data = PersonInput(
            id_number=id_cell,
            name=cells[index["name"]],
            region_code=cells[index["region_code"]],
            phone=cells[index["phone"]].strip() if "phone" in index else "",
            **choices,
        )
        try:
            clean = clean_person(data, self.regions)
        except InvalidPerson as exc:
            errors.extend(
                RowError(number, self.header_of(e.field), str(e.detail))
                for e in exc.errors
                if damage is None or e.field != "id_number"
            )
            return errors
        if errors:
            return errors
        if not self.full:
            return (self.cipher.blind_index(clean.id_number), clean.name)
        fields = person_fields(clean, self.cipher)
        return PreparedPerson(
            row=number,
            id_number_hash=fields["id_number_hash"],
            values=person_values(fields, self.stamp),
            memberships=tuple((gid, *self.membership) for gid in group_ids),
            affiliations=self.affiliations,
        )


def hash_of(outcome: PreparedPerson | Checked) -> str:
    return outcome.id_number_hash if isinstance(outcome, PreparedPerson) else outcome[0]


def name_of(outcome: PreparedPerson | Checked) -> str:
    return person_name(outcome) if isinstance(outcome, PreparedPerson) else outcome[1]

"""Errors of subsidies' rules and amounts: a refused line names its rule, a bad rule file its
rows and fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jineng.core.errors import DomainError, ImportFailed

# The rule codes a refusal may name: the FRAUD_RULES.md codes the amounts check
# deterministically, and the policy's own caps and eligibility.
R09_ALREADY_SUBSIDISED = "R09"
R22_HOURS = "R22"
R24_OUT_OF_SCOPE = "R24"
R29_TIMING = "R29"
CAP = "cap"
ELIGIBILITY = "eligibility"
REFUSAL_RULES = frozenset(
    {R09_ALREADY_SUBSIDISED, R22_HOURS, R24_OUT_OF_SCOPE, R29_TIMING, CAP, ELIGIBILITY}
)


class Refused(DomainError):
    """A subsidy line the policy does not pay (不予补贴), with the rule that refuses it."""

    code = "refused"
    status = 409

    def __init__(self, rule: str, message: str) -> None:
        if rule not in REFUSAL_RULES:
            raise ValueError(f"Unknown refusal rule {rule!r}.")
        super().__init__(message, rule=rule)
        self.rule = rule
        self.message = message

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class RowError:
    """One fault of a rule file: where (sheet or section and row), which field, and why."""

    sheet: str
    row: int | str
    field: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "why": self.why}

    def __str__(self) -> str:
        return _("{sheet}, row {row}, {field}: {why}").format(
            sheet=self.sheet, row=self.row, field=self.field, why=self.why
        )


class RuleFileInvalid(ImportFailed):
    """A rule file with faults in its rows: nothing of it was written."""

    code = "rule_file_invalid"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            ngettext(
                "The rule file has {count} fault; nothing was loaded.",
                "The rule file has {count} faults; nothing was loaded.",
                len(errors),
            ).format(count=len(errors)),
            field="file",
            errors=[e.as_dict() for e in errors],
        )
        self.errors = errors

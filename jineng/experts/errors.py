"""Domain errors of the judge pool (评委库), each with a stable code."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jineng.core.errors import Conflict


class TooFewExperts(Conflict):
    """Fewer qualified, conflict-free experts remain than the draw needs; nothing was written."""

    code = "too_few_experts"

    def __init__(self, *, available: int, needed: int) -> None:
        if available == 0:
            detail = _(
                "No qualified examiner without a conflict of interest remains; "
                "the draw needs {needed}."
            ).format(needed=needed)
        else:
            detail = ngettext(
                "Only {available} qualified examiner without a conflict of interest remains; "
                "the draw needs {needed}.",
                "Only {available} qualified examiners without a conflict of interest remain; "
                "the draw needs {needed}.",
                available,
            ).format(available=available, needed=needed)
        super().__init__(detail, field="count", available=available, needed=needed)
        self.available = available
        self.needed = needed


class DrawAlreadyMade(Conflict):
    """A standing draw already exists for the same purpose."""

    code = "draw_already_made"


class ExpertAlreadyRegistered(Conflict):
    """The person is already in the judge pool."""

    code = "expert_already_registered"


class AccountTaken(Conflict):
    """The account already belongs to another expert."""

    code = "expert_account_taken"


class QualificationNumberTaken(Conflict):
    """Another qualification of the same kind already has this number."""

    code = "qualification_number_taken"


class RelationAlreadyDeclared(Conflict):
    """The expert already declared a relation to this person."""

    code = "relation_already_declared"


class OccupationAlreadyHeld(Conflict):
    """The expert already examines this occupation."""

    code = "expert_occupation_held"


class PurposeReserved(Conflict):
    """The purpose is reserved for another app's draws (an assessment session's): a hand draw
    may not use it, and the judge pool's pages may not cancel a draw made for it."""

    code = "draw_purpose_reserved"

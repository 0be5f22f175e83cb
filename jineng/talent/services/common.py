"""Steps several talent services share: capability checks, text, people in scope."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import scope
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.people import access as people_access
from jineng.people.models import Person

MAX_TEXT = 2000


def require_manager(actor: Actor) -> None:
    """Refuse an actor whose role does not run talent work (manage_talent)."""
    if not actor.can(Capability.MANAGE_TALENT):
        raise PermissionDenied(_("Only the bureau runs competitions, awards and studios."))


def in_scope(actor: Actor, obj: object, missing: str) -> None:
    """Re-check a locked row against the actor's scope: outside it, NotFound alike."""
    scope.require(actor, obj, action=CHANGE, missing=missing)  # type: ignore[arg-type]


def text(value: str, *, field: str, required: bool = False, max_length: int = MAX_TEXT) -> str:
    """Strip a text field and refuse it empty (when required) or too long, naming the field."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return cleaned


def person_in_scope(actor: Actor, person: Person, *, field: str = "person") -> Person:
    """Return the person if the actor may see them (people access layer), else NotFound."""
    if not people_access.is_visible_to(actor, person):
        raise NotFound(_("No such person."), field=field)
    return person

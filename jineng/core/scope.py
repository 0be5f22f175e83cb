"""Data scope (数据范围): one registry of scoped models and one function that applies it.

Every model that an organisation or a person owns registers here how it is owned: the lookup
path to its owning organisation, to the region (乡镇/街道) it belongs to and to the person it
is about, and what anyone may view. ``restrict(queryset, user, action)`` then applies the
role rules in one place (NetBox's ``RestrictedQuerySet.restrict()``):

- city-wide roles (the bureau, reviewers, auditors, other systems) see the whole city, or the
  region subtree of ``user.region`` (region code prefix) on the model's region path;
- organisation roles (institution, evaluator and employer staff) see, change and delete their
  own organisation's rows;
- a worker sees their own rows (person path) plus what is public, and changes only their own;
- anyone else sees what is public, and changes nothing.

A model owned by one account (an import job, a worker's share link) names the path to that
account instead: the account alone sees, changes and deletes its rows, whatever its role.

A model with a rule of its own (people through affiliations, catalog drafts) names it, and
its rule replaces the generic one; it is registered all the same, so ``registry()`` lists
every scoped model. Apps register themselves (core imports no app); the role sets come from
the accounts app when it is ready (``set_roles()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypeGuard, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

from jineng.core.errors import NotFound

VIEW = "view"
CHANGE = "change"
DELETE = "delete"
ACTIONS = (VIEW, CHANGE, DELETE)

Predicate = Callable[[Any], bool]
M = TypeVar("M", bound=models.Model)
# A queryset of any model: restricting one keeps its class (and its own methods).
QS = TypeVar("QS", bound="models.QuerySet[Any]")


class ScopeViewer(Protocol):
    """Whoever looks (查看人): an account or a visitor not signed in, as the scope reads them.

    Apps pass ``jineng.accounts.actors.Viewer`` (or ``Actor``), or None where the system
    reads; the core cannot import accounts (docs/adr/0012-app-layers.md), so it names only
    what it reads, as ``core.audit.AuditActor`` does.
    """

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


class ScopeAccount(ScopeViewer, Protocol):
    """What the scope reads of a signed-in, active account: its role, unit, region and person."""

    @property
    def pk(self) -> int | None: ...

    @property
    def role(self) -> str: ...

    @property
    def organization_id(self) -> int | None: ...

    @property
    def region_id(self) -> int | None: ...

    @property
    def region(self) -> _Coded | None: ...

    @property
    def person_id(self) -> int | None: ...

    def can(self, capability: str) -> bool: ...


@dataclass(frozen=True)
class Roles:
    """Which roles see the city, which their organisation, which their own person."""

    city_wide: frozenset[str]
    organization: frozenset[str]
    person: frozenset[str]


@dataclass(frozen=True)
class ScopedModel:
    """How one model is owned, as the generic scope rule reads it (one registry entry).

    Paths are lookups that follow foreign keys forward (never a reverse or many-to-many
    relation, so filtering on them never repeats a row). ``organization`` is ``"pk"`` for the
    organisation itself. ``public`` is what anyone may view (``None``: nothing). ``account``
    is the path to the one account that owns a row (``owner``; ``person__account``, the
    account of the person, is one-to-one): given, it replaces the role rules.

    ``city_wide`` and ``organization_staff`` (callables or their dotted paths) replace the
    role sets for a model whose access follows capabilities (accreditation, appeals).
    ``requires`` is a capability city-wide and organisation accounts need to see any row (a
    worker's own rows need none). ``rule`` is a function ``(queryset, user, action) ->
    queryset`` (or its dotted path) that replaces the generic rule. ``url_params`` name the
    API path and URL parameters that carry this model's primary key: ``"class_id"`` wherever
    it appears, ``"catalogs:appeal_decide/pk"`` for one URL name's parameter.
    """

    model: type[models.Model]
    organization: str | None = None
    region: str | None = None
    person: str | None = None
    account: str | None = None
    public: Q | None = None
    city_wide: Predicate | str | None = None
    organization_staff: Predicate | str | None = None
    requires: str | None = None
    rule: Callable[..., Any] | str | None = None
    url_params: tuple[str, ...] = ()
    notes: str = ""

    @property
    def label(self) -> str:
        """The model's ``app_label.model_name``, e.g. ``training.trainingclass``."""
        return self.model._meta.label_lower

    def owner_paths(self) -> dict[str, str | None]:
        """Return the lookup paths to the owning organisation, region, person and account."""
        return {
            "organization": self.organization,
            "region": self.region,
            "person": self.person,
            "account": self.account,
        }

    def visible(self, user: ScopeViewer | None, action: str = VIEW) -> models.QuerySet[Any]:
        """Return every row of the model the user may act on (for tests and reports)."""
        return restrict(self.model._default_manager.all(), user, action)


_registry: dict[type[models.Model], ScopedModel] = {}
_roles: Roles | None = None


def set_roles(
    *, city_wide: Iterable[str], organization: Iterable[str], person: Iterable[str]
) -> None:
    """Tell the scope rule which roles are city-wide, organisation-bound and personal."""
    global _roles
    _roles = Roles(frozenset(city_wide), frozenset(organization), frozenset(person))


def register(model: type[M], **how: Any) -> type[M]:
    """Register how a model is owned (see ScopedModel); return the model."""
    entry = ScopedModel(model=model, **how)
    if entry.rule is None and not (
        entry.organization or entry.person or entry.account or entry.public
    ):
        raise ImproperlyConfigured(f"{entry.label} is scoped by nothing")
    _registry[model] = entry
    return model


def registry() -> tuple[ScopedModel, ...]:
    """Return every registered scoped model, ordered by label (the authorization tests' list)."""
    return tuple(sorted(_registry.values(), key=lambda e: e.label))


def entry_for(model: type[models.Model]) -> ScopedModel:
    """Return the registry entry of a model (or of the concrete model a proxy stands for)."""
    found = _registry.get(model) or _registry.get(model._meta.concrete_model)  # type: ignore[arg-type]
    if found is None:
        raise ImproperlyConfigured(f"{model._meta.label} has no data scope registered")
    return found


def is_active(user: ScopeViewer | None) -> TypeGuard[ScopeAccount]:
    """Tell whether the user is a signed-in, active account."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def having(capability: str) -> Predicate:
    """Return a predicate: the user is active and their role grants the capability."""

    def check(user: ScopeViewer | None) -> bool:
        return is_active(user) and user.can(capability)

    return check


def _predicate(given: Predicate | str | None) -> Predicate | None:
    """A predicate given as a callable or as the dotted path of one (resolved when used)."""
    if isinstance(given, str):
        found: Predicate = import_string(given)
        return found
    return given


def _role_sets() -> Roles:
    if _roles is None:
        raise ImproperlyConfigured("the roles of the data scope are not set (accounts app)")
    return _roles


def restrict(queryset: QS, user: ScopeViewer | None, action: str = VIEW) -> QS:
    """Restrict a queryset to the rows the user may view, change or delete."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    entry = entry_for(queryset.model)
    if entry.rule is not None:
        rule = import_string(entry.rule) if isinstance(entry.rule, str) else entry.rule
        restricted: QS = rule(queryset, user, action)
        return restricted
    return generic_rule(queryset, entry, user, action)


def generic_rule(queryset: QS, entry: ScopedModel, user: ScopeViewer | None, action: str) -> QS:
    """Apply the role rules of the module docstring to one registered model."""
    public = entry.public if action == VIEW else None
    if not is_active(user):
        return queryset.filter(public) if public is not None else queryset.none()
    if entry.account is not None:
        own = Q(**{entry.account: user.pk})
        return queryset.filter(own if public is None else own | public)
    roles = _role_sets()
    city_wide = _predicate(entry.city_wide) or (lambda u: u.role in roles.city_wide)
    staff = _predicate(entry.organization_staff) or (lambda u: u.role in roles.organization)
    if user.role not in roles.person and entry.requires and not user.can(entry.requires):
        return queryset.none()
    if city_wide(user):
        return in_region(queryset, entry, user)
    if staff(user):
        if entry.organization is None or not user.organization_id:
            return queryset.none()
        return queryset.filter(**{entry.organization: user.organization_id})
    if user.role in roles.person:
        condition = public
        if entry.person is not None and user.person_id:
            own = Q(**{entry.person: user.person_id})
            condition = own if condition is None else own | condition
        return queryset.filter(condition) if condition is not None else queryset.none()
    return queryset.none()


def in_region(queryset: QS, entry: ScopedModel, user: ScopeAccount) -> QS:
    """Everything for a city-wide account; the region subtree for one limited to a region.

    A row whose region is unknown lies outside every region, and a model without a region
    path shows nothing to an account limited to a region: the scope fails closed.
    """
    region = user.region if user.region_id else None
    if region is None:
        return queryset
    if entry.region is None:
        return queryset.none()
    return queryset.filter(**{f"{entry.region}__code__startswith": region.code})


def get_for_user(
    queryset: models.QuerySet[M],
    user: ScopeViewer | None,
    pk: int | str,
    *,
    action: str = VIEW,
    missing: str,
) -> M:
    """Return one row the user may act on, or NotFound alike for missing and out of scope."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(missing) from None
    found = restrict(queryset, user, action).filter(pk=key).first()
    if found is None:
        raise NotFound(missing)
    return found


def require(
    user: ScopeViewer | None, obj: models.Model, *, action: str = CHANGE, missing: str
) -> None:
    """Re-check that an object (often a locked row) is in the user's scope, else NotFound."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    if not restrict(rows, user, action).exists():
        raise NotFound(missing)


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset whose rows can be restricted to a user's data scope."""

    def visible_to(self, user: ScopeViewer | None, action: str = VIEW) -> Self:
        """Rows the user may view (or change, or delete): see jineng/core/scope.py."""
        return restrict(self, user, action)

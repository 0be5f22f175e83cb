"""Data scope for subsidies: the only place that decides who sees which claim, line or rule.

- Reviewers, the bureau, auditors and finance (``view_subsidies``) see every claim of the
  city (an account limited to a region: claims whose class, claimant organisation or worker
  lies in it); they act on a claim through their own capability, checked by the services.
- Staff of an organisation that claims (``claim_subsidies``) see their organisation's claims,
  every line of them, and the objections to them (never an objector's contact).
- A worker sees the claims with a line in their name, and of those only their own line, the
  holds on them (PIPL Art. 24) and the objections they raised or that concern their line.
- The policy's rule sets in force (and superseded) are public; drafts only for the bureau.

Out of scope answers NotFound exactly like missing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import ORGANIZATION_ROLES, Capability, Role, has_capability
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import VIEW
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection, RuleAmount, RuleSet

# The capabilities that act on a claim: any of them lets a city-wide account change one.
ACTING = (
    Capability.REVIEW_CLAIMS,
    Capability.APPROVE_CLAIMS,
    Capability.PAY_CLAIMS,
)
PUBLISHED_RULE_SETS = (RuleSetStatus.IN_FORCE, RuleSetStatus.SUPERSEDED)


def sees_all(user: object) -> bool:
    """Tell whether the user sees every claim of the city (view_subsidies)."""
    return has_capability(user, Capability.VIEW_SUBSIDIES)


def may_review(user: object) -> bool:
    """Tell whether the user reviews claims and resolves objections (review_claims)."""
    return has_capability(user, Capability.REVIEW_CLAIMS)


def may_approve(user: object) -> bool:
    """Tell whether the user approves and rejects reviewed claims (approve_claims)."""
    return has_capability(user, Capability.APPROVE_CLAIMS)


def may_pay(user: object) -> bool:
    """Tell whether the user pays approved claims (pay_claims)."""
    return has_capability(user, Capability.PAY_CLAIMS)


def may_claim(user: object) -> bool:
    """Tell whether the user claims subsidies (institutions, employers, workers)."""
    return has_capability(user, Capability.CLAIM_SUBSIDIES)


def sees_objector_contact(user: object) -> bool:
    """Tell whether the user may read how to reach an objector (reviewers)."""
    return may_review(user)


def _is_claiming_staff(user: Any) -> bool:
    return bool(
        user.role in ORGANIZATION_ROLES
        and user.organization_id
        and user.can(Capability.CLAIM_SUBSIDIES)
    )


def _in_region(user: Any, prefix: str = "") -> Q | None:
    """The region condition of a region-limited account (None: the whole city)."""
    region = user.region if user.region_id else None
    if region is None:
        return None
    code = region.code
    return (
        Q(**{f"{prefix}training_class__region__code__startswith": code})
        | Q(**{f"{prefix}organization__region__code__startswith": code})
        | Q(**{f"{prefix}person__region__code__startswith": code})
    )


def _city_wide(queryset: QuerySet[Any], user: Any, action: str, prefix: str) -> QuerySet[Any]:
    if action != VIEW and not any(user.can(c) for c in ACTING):
        return queryset.none()
    region = _in_region(user, prefix)
    return queryset if region is None else queryset.filter(region)


def _claim_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not scope.is_active(user):
        return queryset.none()
    if sees_all(user):
        return _city_wide(queryset, user, action, "")
    if _is_claiming_staff(user):
        return queryset.filter(organization_id=user.organization_id)
    if user.role == Role.WORKER and user.person_id:
        own = Q(person_id=user.person_id)
        if action != VIEW:
            return queryset.filter(own)
        has_line = ClaimLine.objects.filter(claim=OuterRef("pk"), person_id=user.person_id)
        return queryset.filter(own | Exists(has_line))
    return queryset.none()


def _line_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not scope.is_active(user):
        return queryset.none()
    if sees_all(user):
        return _city_wide(queryset, user, action, "claim__")
    if _is_claiming_staff(user):
        if action != VIEW:
            return queryset.none()
        return queryset.filter(claim__organization_id=user.organization_id)
    if user.role == Role.WORKER and user.person_id:
        return queryset.filter(person_id=user.person_id)
    return queryset.none()


def _follows_claim(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Holds follow their claim's scope (viewing); only the services change them."""
    if action != VIEW or not scope.is_active(user):
        return queryset.none()
    return queryset.filter(claim__in=_claim_rule(Claim.objects.all(), user, VIEW).values("pk"))


def _objection_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not scope.is_active(user):
        return queryset.none()
    if sees_all(user):
        if action != VIEW and not may_review(user):
            return queryset.none()
        region = _in_region(user, "claim__")
        return queryset if region is None else queryset.filter(region)
    if action != VIEW:
        return queryset.none()
    if _is_claiming_staff(user):
        return queryset.filter(claim__organization_id=user.organization_id)
    if user.role == Role.WORKER and user.person_id:
        return queryset.filter(Q(raised_by_id=user.pk) | Q(line__person_id=user.person_id))
    return queryset.filter(raised_by_id=user.pk)


def _sees_drafts(user: Any) -> bool:
    return bool(user.can(Capability.MANAGE_SUBSIDY_RULES) or user.can(Capability.VIEW_SUBSIDIES))


def _rule_set_rule(
    queryset: QuerySet[Any], user: Any, action: str, prefix: str = ""
) -> QuerySet[Any]:
    active = scope.is_active(user)
    if action != VIEW:
        if active and user.can(Capability.MANAGE_SUBSIDY_RULES):
            return queryset
        return queryset.none()
    if active and _sees_drafts(user):
        return queryset
    return queryset.filter(**{f"{prefix}status__in": PUBLISHED_RULE_SETS})


def _rule_amount_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return _rule_set_rule(queryset, user, action, "rule_set__")


# --- reading through the scope ------------------------------------------------------------


def claims_for_user(user: Viewer | None) -> QuerySet[Claim]:
    """Every claim the user may view."""
    return Claim.objects.visible_to(user).select_related(
        "organization", "training_class", "person", "rule_set"
    )


def get_claim_for_user(user: Viewer | None, pk: int | str, *, action: str = VIEW) -> Claim:
    """Return a claim the user may act on, or NotFound for missing and out of scope."""
    rows = Claim.objects.select_related("organization", "training_class", "person", "rule_set")
    found: Claim = scope.get_for_user(rows, user, pk, action=action, missing=_("No such claim."))
    return found


def get_claim_by_number_for_user(user: Viewer | None, number: str) -> Claim:
    """Return a claim by its number if the user may view it, or NotFound."""
    found = claims_for_user(user).filter(number=(number or "").strip()).first()
    if found is None:
        raise NotFound(_("No such claim."))
    return found


def lines_for_user(user: Viewer | None, claim: Claim | None = None) -> QuerySet[ClaimLine]:
    """The claim lines the user may view (a worker: only their own), of one claim if given."""
    rows = ClaimLine.objects.visible_to(user).select_related("person", "enrolment", "certificate")
    return rows.filter(claim=claim) if claim is not None else rows


def get_line_for_user(user: Viewer | None, pk: int | str, *, action: str = VIEW) -> ClaimLine:
    """Return a claim line the user may act on, or NotFound."""
    rows = ClaimLine.objects.select_related("claim", "person")
    found: ClaimLine = scope.get_for_user(
        rows, user, pk, action=action, missing=_("No such claim line.")
    )
    return found


def holds_for_user(user: Viewer | None, claim: Claim | None = None) -> QuerySet[ClaimHold]:
    """The holds the user may view (a worker: those on claims in their name)."""
    rows = ClaimHold.objects.visible_to(user)
    return rows.filter(claim=claim) if claim is not None else rows


def objections_for_user(user: Viewer | None, claim: Claim | None = None) -> QuerySet[Objection]:
    """The objections the user may view, of one claim if given."""
    rows = Objection.objects.visible_to(user).select_related("claim", "line")
    return rows.filter(claim=claim) if claim is not None else rows


def get_objection_for_user(user: Viewer | None, pk: int | str, *, action: str = VIEW) -> Objection:
    """Return an objection the user may act on, or NotFound."""
    rows = Objection.objects.select_related("claim", "line")
    found: Objection = scope.get_for_user(
        rows, user, pk, action=action, missing=_("No such objection.")
    )
    return found


def rule_sets_for_user(user: Viewer | None) -> QuerySet[RuleSet]:
    """The rule sets the user may view: those published, and drafts for the bureau."""
    return RuleSet.objects.visible_to(user)


def get_rule_set_for_user(user: Viewer | None, pk: int | str, *, action: str = VIEW) -> RuleSet:
    """Return a rule set the user may act on, or NotFound."""
    found: RuleSet = scope.get_for_user(
        RuleSet.objects.all(), user, pk, action=action, missing=_("No such rule set.")
    )
    return found


_NOTE = (
    "view_subsidies city-wide (acting by review/approve/pay capability); claiming staff "
    "their organisation's claims; a worker the claims with a line in their name, their own "
    "line only; published rule sets are public"
)
scope.register(Claim, rule=_claim_rule, url_params=("claim_id",), notes=_NOTE)
scope.register(ClaimLine, rule=_line_rule, url_params=("line_id",), notes=_NOTE)
scope.register(ClaimHold, rule=_follows_claim, url_params=("hold_id",), notes=_NOTE)
scope.register(Objection, rule=_objection_rule, url_params=("objection_id",), notes=_NOTE)
scope.register(RuleSet, rule=_rule_set_rule, url_params=("rule_set_id",), notes=_NOTE)
scope.register(RuleAmount, rule=_rule_amount_rule, url_params=("amount_id",), notes=_NOTE)
